"""Elastic Load Balancing v2 response shapes: load balancers, target groups, health, listeners."""

from __future__ import annotations

from pydantic import Field

from sgaudit.model.base import AwsModel


class LoadBalancerAddress(AwsModel):
    """A static address of a load balancer in one zone."""

    ip_address: str | None = None
    allocation_id: str | None = None
    private_i_pv4_address: str | None = Field(default=None, alias="PrivateIPv4Address")
    i_pv6_address: str | None = Field(default=None, alias="IPv6Address")


class LoadBalancerZone(AwsModel):
    """A zone and subnet a load balancer is in."""

    zone_name: str | None = None
    subnet_id: str | None = None
    load_balancer_addresses: tuple[LoadBalancerAddress, ...] = ()


class LoadBalancerState(AwsModel):
    """A load balancer's state."""

    code: str = "active"


class LoadBalancer(AwsModel):
    """An ALB, NLB or GWLB."""

    load_balancer_arn: str
    load_balancer_name: str
    dns_name: str | None = Field(default=None, alias="DNSName")
    scheme: str = "internet-facing"
    vpc_id: str | None = None
    type: str = "application"
    state: LoadBalancerState = LoadBalancerState()
    availability_zones: tuple[LoadBalancerZone, ...] = ()
    security_groups: tuple[str, ...] = ()
    ip_address_type: str = "ipv4"

    @property
    def subnet_ids(self) -> tuple[str, ...]:
        """The subnets the load balancer has nodes in."""
        return tuple(z.subnet_id for z in self.availability_zones if z.subnet_id)


class TargetGroup(AwsModel):
    """A target group."""

    target_group_arn: str
    target_group_name: str | None = None
    protocol: str | None = None
    port: int | None = None
    vpc_id: str | None = None
    target_type: str = "instance"
    load_balancer_arns: tuple[str, ...] = ()
    health_check_port: str | None = None


class TargetDescription(AwsModel):
    """A registered target."""

    id: str
    port: int | None = None
    availability_zone: str | None = None


class TargetHealthState(AwsModel):
    """A target's health."""

    state: str | None = None
    reason: str | None = None


class TargetHealthDescription(AwsModel):
    """A target with its health."""

    target: TargetDescription
    health_check_port: str | None = None
    target_health: TargetHealthState | None = None


class TargetHealthRecord(AwsModel):
    """The health of one target group's targets (one ``describe-target-health`` call)."""

    target_group_arn: str
    target_health_descriptions: tuple[TargetHealthDescription, ...] = ()


class ForwardTargetGroup(AwsModel):
    """A weighted target group of a forward action."""

    target_group_arn: str
    weight: int | None = None


class ForwardConfig(AwsModel):
    """The target groups of a forward action."""

    target_groups: tuple[ForwardTargetGroup, ...] = ()


class ListenerAction(AwsModel):
    """A listener's default action."""

    type: str
    target_group_arn: str | None = None
    forward_config: ForwardConfig | None = None

    @property
    def target_group_arns(self) -> tuple[str, ...]:
        """Every target group this action forwards to."""
        arns = [self.target_group_arn] if self.target_group_arn else []
        if self.forward_config:
            arns += [t.target_group_arn for t in self.forward_config.target_groups]
        return tuple(dict.fromkeys(arns))


class Listener(AwsModel):
    """A load balancer listener."""

    listener_arn: str
    load_balancer_arn: str
    port: int | None = None
    protocol: str | None = None
    default_actions: tuple[ListenerAction, ...] = ()
