"""Normalised inventory models: what the engine reasons about.

AWS groups several peers into one ``IpPermission``; here every :class:`SecurityGroupRule` has exactly one
peer, a parsed protocol and port range, and the ``sgr-`` id when the snapshot has it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Direction(StrEnum):
    """Direction of a security-group or NACL rule."""

    INGRESS = "ingress"
    EGRESS = "egress"


class PeerKind(StrEnum):
    """What a security-group rule's peer is."""

    CIDR4 = "cidr4"
    CIDR6 = "cidr6"
    PREFIX_LIST = "prefix_list"
    SECURITY_GROUP = "security_group"


class Peer(_Frozen):
    """The one peer of a rule: a CIDR, a prefix list, or a referenced security group."""

    kind: PeerKind
    value: str = Field(description="CIDR, pl- id or sg- id")
    user_id: str | None = Field(default=None, description="owner account of a referenced group")
    vpc_id: str | None = None
    vpc_peering_connection_id: str | None = None
    peering_status: str | None = None

    def label(self) -> str:
        """How AWS's console writes the peer (``123456789012/sg-...`` across accounts)."""
        if self.kind is PeerKind.SECURITY_GROUP and self.user_id:
            return f"{self.user_id}/{self.value}"
        return self.value


class SecurityGroupRule(_Frozen):
    """One AWS security-group rule with a single peer."""

    group_id: str
    rule_id: str | None = Field(default=None, description="sgr- id, when the snapshot has it")
    direction: Direction
    protocol: str = Field(description="tcp, udp, icmp, icmpv6, -1 (all) or a protocol number")
    from_port: int | None = None
    to_port: int | None = None
    peer: Peer
    description: str | None = None

    @property
    def is_all_traffic(self) -> bool:
        """True for protocol -1."""
        return self.protocol == "-1"

    def ports_label(self) -> str:
        """Protocol and ports as a person reads them, e.g. ``tcp/5432``, ``all traffic``."""
        if self.protocol == "-1":
            return "all traffic"
        if self.protocol in ("tcp", "udp"):
            lo, hi = self.from_port, self.to_port
            if lo is None or hi is None or (lo <= 0 and hi >= 65535):
                return f"{self.protocol}/all"
            return f"{self.protocol}/{lo}" if lo == hi else f"{self.protocol}/{lo}-{hi}"
        if self.protocol in ("icmp", "icmpv6"):
            t = self.from_port
            c = self.to_port
            if t is None or t == -1:
                return f"{self.protocol}/all"
            return f"{self.protocol}/type {t}" + ("" if c is None or c == -1 else f" code {c}")
        return f"protocol {self.protocol}"


class SecurityGroup(_Frozen):
    """A security group with its normalised rules."""

    group_id: str
    name: str = ""
    description: str = ""
    vpc_id: str | None = None
    owner_id: str | None = None
    arn: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    rules: tuple[SecurityGroupRule, ...] = ()

    @property
    def is_default(self) -> bool:
        """True for a VPC's default group."""
        return self.name == "default"

    @property
    def ingress(self) -> tuple[SecurityGroupRule, ...]:
        """Inbound rules."""
        return tuple(r for r in self.rules if r.direction is Direction.INGRESS)

    @property
    def egress(self) -> tuple[SecurityGroupRule, ...]:
        """Outbound rules."""
        return tuple(r for r in self.rules if r.direction is Direction.EGRESS)

    @property
    def display_name(self) -> str:
        """The Name tag, else the group name."""
        return self.tags.get("Name") or self.name or self.group_id


class EniOwnerKind(StrEnum):
    """The workload that owns an interface."""

    ECS_TASK = "ecs_task"
    RDS = "rds"
    LOAD_BALANCER = "load_balancer"
    LAMBDA = "lambda"
    VPC_ENDPOINT = "vpc_endpoint"
    NAT_GATEWAY = "nat_gateway"
    EC2_INSTANCE = "ec2_instance"
    TRANSIT_GATEWAY = "transit_gateway"
    AWS_MANAGED = "aws_managed"
    UNKNOWN = "unknown"


class EniOwner(_Frozen):
    """Who owns an interface, and how sure we are."""

    kind: EniOwnerKind
    resource_id: str | None = Field(
        default=None,
        description="task ARN, DB identifier, load balancer ARN, function name, vpce-, nat- or i- id",
    )
    detail: str | None = None


class NetworkInterface(_Frozen):
    """A network interface: every address it has, its groups, and its owner."""

    interface_id: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    availability_zone: str | None = None
    owner_id: str | None = None
    group_ids: tuple[str, ...] = ()
    private_ips: tuple[str, ...] = Field(default=(), description="IPv4, primary first")
    public_ips: tuple[str, ...] = ()
    ipv6_addresses: tuple[str, ...] = ()
    ipv4_prefixes: tuple[str, ...] = ()
    ipv6_prefixes: tuple[str, ...] = ()
    interface_type: str = "interface"
    description: str = ""
    requester_id: str | None = None
    requester_managed: bool = False
    instance_id: str | None = None
    status: str | None = None
    source_dest_check: bool = True
    owner: EniOwner = EniOwner(kind=EniOwnerKind.UNKNOWN)
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def primary_ip(self) -> str | None:
        """The primary private IPv4."""
        return self.private_ips[0] if self.private_ips else None


class EcsTask(_Frozen):
    """A running (or recently stopped) ECS task joined to its interface."""

    task_arn: str
    task_id: str
    cluster_arn: str | None = None
    service_name: str | None = Field(default=None, description="from the task's group 'service:<name>'")
    task_definition_arn: str | None = None
    last_status: str | None = None
    desired_status: str | None = None
    launch_type: str | None = None
    attachment_id: str | None = None
    eni_id: str | None = None
    subnet_id: str | None = None
    private_ip: str | None = None
    container_instance_arn: str | None = None

    @property
    def running(self) -> bool:
        """True unless the task has stopped or is stopping."""
        return (self.last_status or "RUNNING") not in ("STOPPED", "DEPROVISIONING", "STOPPING")
