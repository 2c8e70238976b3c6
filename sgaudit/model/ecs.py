"""ECS response shapes (camelCase): clusters, services, tasks, task definitions, container instances."""

from __future__ import annotations

from pydantic import Field, SecretStr

from sgaudit.model.base import EcsModel, EcsTag, tag_map


class EcsCluster(EcsModel):
    """An ECS cluster."""

    cluster_arn: str
    cluster_name: str
    status: str | None = None


class AwsVpcConfiguration(EcsModel):
    """The awsvpc network configuration a new task of a service gets."""

    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str = "DISABLED"


class NetworkConfiguration(EcsModel):
    """A service's or deployment's network configuration."""

    awsvpc_configuration: AwsVpcConfiguration | None = None


class ServiceLoadBalancer(EcsModel):
    """A load balancer target group a service registers its tasks with."""

    target_group_arn: str | None = None
    load_balancer_name: str | None = None
    container_name: str | None = None
    container_port: int | None = None


class Deployment(EcsModel):
    """A deployment of a service (PRIMARY, ACTIVE during a rollout, INACTIVE)."""

    id: str | None = None
    status: str | None = None
    task_definition: str | None = None
    desired_count: int = 0
    running_count: int = 0
    rollout_state: str | None = None
    network_configuration: NetworkConfiguration | None = None
    launch_type: str | None = None


class EcsService(EcsModel):
    """An ECS service."""

    service_arn: str
    service_name: str
    cluster_arn: str | None = None
    task_definition: str | None = None
    desired_count: int = 0
    running_count: int = 0
    launch_type: str | None = None
    status: str | None = None
    network_configuration: NetworkConfiguration | None = None
    load_balancers: tuple[ServiceLoadBalancer, ...] = ()
    deployments: tuple[Deployment, ...] = ()
    tags: tuple[EcsTag, ...] = ()

    @property
    def tag_map(self) -> dict[str, str]:
        """Tags as a mapping."""
        return tag_map(self.tags)

    @property
    def awsvpc(self) -> AwsVpcConfiguration | None:
        """The awsvpc configuration a new task would get."""
        return self.network_configuration.awsvpc_configuration if self.network_configuration else None


class AttachmentDetail(EcsModel):
    """A name/value detail of a task attachment."""

    name: str
    value: str | None = None


class TaskAttachment(EcsModel):
    """A task attachment; the ``ElasticNetworkInterface`` one names the task's ENI."""

    id: str | None = None
    type: str | None = None
    status: str | None = None
    details: tuple[AttachmentDetail, ...] = ()

    def detail(self, name: str) -> str | None:
        """The value of one detail."""
        for d in self.details:
            if d.name == name:
                return d.value
        return None


class EcsTaskRaw(EcsModel):
    """A task as ``describe-tasks`` prints it."""

    task_arn: str
    cluster_arn: str | None = None
    task_definition_arn: str | None = None
    group: str | None = None
    last_status: str | None = None
    desired_status: str | None = None
    launch_type: str | None = None
    container_instance_arn: str | None = None
    attachments: tuple[TaskAttachment, ...] = ()
    tags: tuple[EcsTag, ...] = ()


class KeyValuePair(EcsModel):
    """An environment variable. Its value is secret: sgaudit never prints it."""

    name: str
    value: SecretStr | None = None


class ContainerSecret(EcsModel):
    """A secret reference of a container (only the name is ever shown)."""

    name: str
    value_from: SecretStr | None = None


class PortRangeMapping(EcsModel):
    """A container port mapping."""

    container_port: int | None = None
    host_port: int | None = None
    protocol: str = "tcp"
    container_port_range: str | None = None
    name: str | None = None


class ContainerDefinition(EcsModel):
    """A container of a task definition."""

    name: str
    port_mappings: tuple[PortRangeMapping, ...] = ()
    environment: tuple[KeyValuePair, ...] = ()
    secrets: tuple[ContainerSecret, ...] = ()


class TaskDefinition(EcsModel):
    """A task definition (``describe-task-definition``'s ``taskDefinition``)."""

    task_definition_arn: str
    family: str | None = None
    revision: int | None = None
    network_mode: str = "bridge"
    container_definitions: tuple[ContainerDefinition, ...] = ()
    requires_compatibilities: tuple[str, ...] = ()


class ContainerInstance(EcsModel):
    """A container instance (bridge/host networking uses its EC2 instance's interfaces)."""

    container_instance_arn: str
    ec2_instance_id: str | None = Field(default=None, alias="ec2InstanceId")
