"""Handles that :class:`~sgaudit.synth.builder.EstateBuilder` returns for the resources it creates.

They are frozen values: tests keep them to wire resources together (``b.ingress(db_sg, ..., sg=api_sg)``)
and to assert on ids, addresses and selectors without digging through the emitted JSON.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Ref(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecurityGroupRef(_Ref):
    """A security group."""

    group_id: str
    name: str
    vpc_id: str
    account: str

    @property
    def selector(self) -> str:
        """The sgaudit selector for every member of the group."""
        return f"sg:{self.group_id}"


class VpcRef(_Ref):
    """A VPC with the resources AWS creates along with it."""

    vpc_id: str
    account: str
    region: str
    cidrs: tuple[str, ...] = Field(description="IPv4 CIDRs, primary first")
    ipv6_cidr: str | None = None
    name: str | None = None
    default_group: SecurityGroupRef
    main_route_table_id: str
    default_network_acl_id: str

    @property
    def cidr(self) -> str:
        """The primary IPv4 CIDR."""
        return self.cidrs[0]


class SubnetRef(_Ref):
    """A subnet."""

    subnet_id: str
    vpc_id: str
    cidr: str
    ipv6_cidr: str | None = None
    az: str
    name: str | None = None


class EniRef(_Ref):
    """A network interface and its addresses."""

    eni_id: str
    subnet_id: str
    vpc_id: str
    private_ip: str
    secondary_ips: tuple[str, ...] = ()
    ipv6_addresses: tuple[str, ...] = ()
    public_ip: str | None = None
    group_ids: tuple[str, ...] = ()
    interface_type: str = "interface"

    @property
    def selector(self) -> str:
        """The sgaudit selector for this interface."""
        return f"eni:{self.eni_id}"


class PrefixListRef(_Ref):
    """A managed prefix list."""

    prefix_list_id: str
    name: str
    address_family: Literal["IPv4", "IPv6"]
    cidrs: tuple[str, ...]


class InternetGatewayRef(_Ref):
    """An internet gateway attached to a VPC."""

    igw_id: str
    vpc_id: str


class EgressOnlyInternetGatewayRef(_Ref):
    """An egress-only internet gateway (IPv6 outbound)."""

    eigw_id: str
    vpc_id: str


class NatGatewayRef(_Ref):
    """A NAT gateway with its interface and address."""

    nat_id: str
    subnet_id: str
    vpc_id: str
    eni: EniRef
    public_ip: str | None


class PeeringRef(_Ref):
    """A VPC peering connection."""

    pcx_id: str
    requester_vpc_id: str
    accepter_vpc_id: str
    status: str = "active"


class RouteTableRef(_Ref):
    """A route table."""

    route_table_id: str
    vpc_id: str


class NetworkAclRef(_Ref):
    """A network ACL."""

    network_acl_id: str
    vpc_id: str


class VpcEndpointRef(_Ref):
    """A VPC endpoint (interface or gateway)."""

    vpce_id: str
    vpc_id: str
    service_name: str
    endpoint_type: Literal["Interface", "Gateway"]
    enis: tuple[EniRef, ...] = ()


class TaskDefinitionRef(_Ref):
    """A registered ECS task definition revision."""

    arn: str
    family: str
    revision: int
    container_name: str
    container_port: int | None


class TaskRef(_Ref):
    """A running ECS task and its interface."""

    task_arn: str
    task_id: str
    attachment_id: str
    eni: EniRef

    @property
    def selector(self) -> str:
        """The sgaudit selector for this task."""
        return f"ecs-task:{self.task_id}"


class ServiceRef(_Ref):
    """An ECS service with its running tasks."""

    cluster: str
    name: str
    arn: str
    cluster_arn: str
    task_definition: TaskDefinitionRef
    tasks: tuple[TaskRef, ...]
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]

    @property
    def selector(self) -> str:
        """The sgaudit selector for this service."""
        return f"ecs:{self.cluster}/{self.name}"

    @property
    def container_port(self) -> int | None:
        """The port the service's main container listens on."""
        return self.task_definition.container_port


class DbInstanceRef(_Ref):
    """An RDS DB instance."""

    identifier: str
    arn: str
    engine: str
    address: str
    port: int
    eni: EniRef
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    cluster_id: str | None = None

    @property
    def selector(self) -> str:
        """The sgaudit selector for this instance."""
        return f"rds:{self.identifier}"


class DbClusterRef(_Ref):
    """An Aurora DB cluster and its member instances."""

    identifier: str
    arn: str
    engine: str
    endpoint: str
    reader_endpoint: str
    port: int
    instances: tuple[DbInstanceRef, ...]

    @property
    def selector(self) -> str:
        """The sgaudit selector for this cluster."""
        return f"rds-cluster:{self.identifier}"


class TargetGroupRef(_Ref):
    """An ELBv2 target group."""

    name: str
    arn: str
    port: int
    protocol: str
    target_type: Literal["ip", "instance", "lambda", "alb"]


class ListenerRef(_Ref):
    """A load balancer listener."""

    arn: str
    port: int
    protocol: str


class LoadBalancerRef(_Ref):
    """An application or network load balancer."""

    name: str
    arn: str
    lb_id: str
    kind: Literal["application", "network"]
    scheme: Literal["internet-facing", "internal"]
    dns_name: str
    vpc_id: str
    enis: tuple[EniRef, ...]
    group_ids: tuple[str, ...]
    target_groups: tuple[TargetGroupRef, ...] = ()
    listeners: tuple[ListenerRef, ...] = ()

    @property
    def selector(self) -> str:
        """The sgaudit selector for this load balancer."""
        return f"elb:{self.name}"


class LambdaRef(_Ref):
    """A Lambda function attached to a VPC (or not, when ``enis`` is empty)."""

    name: str
    arn: str
    enis: tuple[EniRef, ...]
    group_ids: tuple[str, ...]

    @property
    def selector(self) -> str:
        """The sgaudit selector for this function."""
        return f"lambda:{self.name}"


class InstanceRef(_Ref):
    """An EC2 instance with its interfaces (primary first)."""

    instance_id: str
    name: str | None
    enis: tuple[EniRef, ...]

    @property
    def eni(self) -> EniRef:
        """The primary interface (device index 0)."""
        return self.enis[0]

    @property
    def private_ip(self) -> str:
        """The primary private IPv4."""
        return self.enis[0].private_ip

    @property
    def public_ip(self) -> str | None:
        """The primary interface's public IPv4, if any."""
        return self.enis[0].public_ip

    @property
    def selector(self) -> str:
        """The sgaudit selector for this instance."""
        return f"ec2:{self.instance_id}"


class NaclEntry(_Ref):
    """One network ACL rule, as a test writes it.

    ``protocol`` accepts names (``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all``) or numbers; the
    snapshot carries the number, as AWS prints it. Exactly one of ``cidr`` and ``cidr6`` is set.
    """

    number: int = Field(ge=1, le=32766)
    direction: Literal["ingress", "egress"]
    protocol: str | int
    cidr: str | None = None
    cidr6: str | None = None
    ports: tuple[int, int] | None = Field(default=None, description="inclusive range, tcp/udp only")
    icmp: tuple[int, int] | None = Field(default=None, description="(type, code), -1 = all")
    action: Literal["allow", "deny"] = "allow"

    @model_validator(mode="after")
    def _one_peer(self) -> NaclEntry:
        if (self.cidr is None) == (self.cidr6 is None):
            raise ValueError("a NACL entry needs exactly one of cidr and cidr6")
        return self
