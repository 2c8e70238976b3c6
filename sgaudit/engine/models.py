"""The engine's typed values: endpoints, placements, per-pair results, paths, fixes and flows.

These are the engine's contract: checks, reports, the CLI and the matrix import them. Every model
is frozen; the address and traffic algebra values serialise to JSON through their own pydantic
schemas, so ``PathResult.model_dump(mode="json")`` is the ``path --format json`` shape of DESIGN.md
section 6.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sgaudit.netalgebra import AddressSet, Traffic

Verdict = Literal["reachable", "partial", "blocked", "unknown"]
"""An endpoint-level verdict (DESIGN.md section 4, "Verdicts")."""
PairVerdict = Literal["reachable", "blocked", "unknown"]
"""The verdict of one (source placement, destination placement) pair."""
Leg = Literal["forward", "return"]
Tier = Literal["edge", "web", "app", "data", "other"]
"""Where an endpoint sits: the internet and public load balancers are edge, RDS is data."""
PeerKindName = Literal["security-group", "cidr4", "cidr6", "prefix-list"]
"""Which direction of a connection a component was checked for."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tri(StrEnum):
    """A three-valued layer result."""

    ALLOW = "allow"
    DENY = "deny"
    UNKNOWN = "unknown"

    def __and__(self, other: object) -> Tri:
        """Conjunction of layers: a definite deny outranks an unknown elsewhere."""
        if not isinstance(other, Tri):
            return NotImplemented
        if Tri.DENY in (self, other):
            return Tri.DENY
        if Tri.UNKNOWN in (self, other):
            return Tri.UNKNOWN
        return Tri.ALLOW

    def __or__(self, other: object) -> Tri:
        """Disjunction of rules: one allowing rule is enough; unknown outranks deny."""
        if not isinstance(other, Tri):
            return NotImplemented
        if Tri.ALLOW in (self, other):
            return Tri.ALLOW
        if Tri.UNKNOWN in (self, other):
            return Tri.UNKNOWN
        return Tri.DENY


DEFAULT_EPHEMERAL_PORTS: dict[str, tuple[int, int]] = {
    # aws-network-facts.md section 2.1: ELB, NAT gateway and Lambda use 1024-65535; the Linux
    # kernel (EC2 Linux hosts, Fargate) 32768-60999. The internet is any client: the widest range.
    "load_balancer": (1024, 65535),
    "nat": (1024, 65535),
    "lambda": (1024, 65535),
    "internet": (1024, 65535),
    "ec2": (32768, 60999),
    "ecs_task": (32768, 60999),
    "eni": (32768, 60999),
    "other": (32768, 60999),
}
"""Client kind -> the ephemeral source-port range its connections use (the NACL return leg)."""


class EngineOptions(_Frozen):
    """Knobs of the evaluation."""

    ephemeral_ports: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: dict(DEFAULT_EPHEMERAL_PORTS),
        description="client kind -> ephemeral port range (inclusive); unknown kinds use 'other'",
    )
    sg_reference_primary_ip_only: bool = Field(
        default=False,
        description="documented for the strict model; references match member interfaces either way",
    )

    def ephemeral_range(self, client_kind: str) -> tuple[int, int]:
        """The ephemeral range of a client kind, falling back to 'other', then the Linux range."""
        for kind in (client_kind, "other"):
            if kind in self.ephemeral_ports:
                return self.ephemeral_ports[kind]
        return DEFAULT_EPHEMERAL_PORTS["other"]


class Listeners(_Frozen):
    """What a load balancer's interface accepts: only its listeners' protocols and ports."""

    load_balancer: str = Field(description="the load balancer's name")
    ports: tuple[tuple[str, int], ...] = Field(
        description="(protocol, port) of every listener, sorted; tcp for HTTP/HTTPS/TCP/TLS, udp for UDP"
    )

    def describe(self) -> str:
        """``tcp 80, tcp 443``."""
        return ", ".join(f"{proto} {port}" for proto, port in self.ports) or "no listener"

    @property
    def traffic(self) -> Traffic:
        """The listeners as traffic (cached: evaluations ask for it once per pair)."""
        return _listener_traffic(self.ports)


@functools.lru_cache(maxsize=4096)
def _listener_traffic(ports: tuple[tuple[str, int], ...]) -> Traffic:
    return Traffic.union(Traffic.single(proto, port) for proto, port in ports)


class Placement(_Frozen):
    """One concrete place an endpoint sends from or receives on (an "interface" of DESIGN.md section 4).

    ``kind`` is ``interface`` (an ENI: its primary private IPv4 and first IPv6 address),
    ``subnet-range`` (anywhere in a subnet: RDS, a service's configured view, ELB/Lambda without
    interfaces in the snapshot), ``internet`` or ``cidr`` (addresses outside every VPC).
    """

    id: str
    kind: Literal["interface", "subnet-range", "internet", "cidr"]
    interface_id: str | None = None
    vpc_id: str | None = None
    subnet_id: str | None = None
    account: str | None = None
    region: str | None = None
    group_ids: tuple[str, ...] = ()
    addresses4: AddressSet = Field(default_factory=lambda: AddressSet.empty(4))
    addresses6: AddressSet = Field(default_factory=lambda: AddressSet.empty(6))
    public_ips: tuple[str, ...] = ()
    public: bool = Field(default=False, description="has or can be given a public IPv4")
    client_kind: str = "other"
    sg_filtered: bool = Field(
        default=True,
        description="False for interfaces that security groups do not filter (an NLB without groups)",
    )
    label: str = Field(default="", description="human name of the placement, e.g. the subnet's Name tag")
    listeners: Listeners | None = Field(
        default=None,
        description="a load balancer's listeners, the only traffic it accepts as a destination; None when"
        " it is not a load balancer or the snapshot lists none of its listeners (the network layers decide)",
    )

    def addresses(self, family: int) -> AddressSet:
        """The placement's addresses of one family."""
        return self.addresses4 if family == 4 else self.addresses6

    @property
    def is_external(self) -> bool:
        """True for the internet or a CIDR outside every VPC."""
        return self.kind in ("internet", "cidr")


class EndpointKind(StrEnum):
    """What an endpoint is; the values are the selector prefixes."""

    EC2 = "ec2"
    ENI = "eni"
    ECS_SERVICE = "ecs"
    ECS_TASK = "ecs-task"
    RDS = "rds"
    RDS_CLUSTER = "rds-cluster"
    ELB = "elb"
    LAMBDA = "lambda"
    VPCE = "vpce"
    SG = "sg"
    INTERNET = "internet"
    CIDR = "cidr"
    PREFIX_LIST = "pl"
    IP = "ip"
    TAG = "tag"
    NAME = "name"


class Endpoint(_Frozen):
    """Anything that sends or receives traffic (DESIGN.md section 3), resolved to its placements."""

    selector: str = Field(description="canonical selector, e.g. ecs:prod/api, rds:prod-db, internet")
    kind: EndpointKind
    label: str
    arn: str | None = None
    vpc_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    placements: tuple[Placement, ...] = ()
    configured_placements: tuple[Placement, ...] = Field(
        default=(), description="ECS service: what a NEW task would get (empty otherwise)"
    )
    listen_ports: tuple[tuple[str, int], ...] = ()
    public: bool = False
    tier: Tier = "app"
    notes: tuple[str, ...] = Field(default=(), description="facts a reader needs, e.g. 'no running tasks'")


class Hop(_Frozen):
    """One component checked on a path."""

    kind: str = Field(
        description="security-group-egress, route, nacl-egress, nacl-ingress, nacl-return-egress, "
        "nacl-return-ingress, security-group-ingress, peering, internet-gateway, nat-gateway"
    )
    id: str = Field(description="sg- ids (comma-separated), rtb-, acl-, pcx-, igw-, nat- id")
    direction: Literal["egress", "ingress"] | None = None
    leg: Leg = "forward"
    family: int | None = Field(default=None, description="4 or 6")
    result: Tri
    rule: str | None = Field(default=None, description="sgr- id / NACL rule number / route dst -> target")
    detail: str = ""


class PairResult(_Frozen):
    """The verdict of one (source placement, destination placement) pair, with every layer checked."""

    source: str = Field(description="source placement id")
    destination: str = Field(description="destination placement id")
    source_addresses: tuple[str, ...] = Field(default=(), description="CIDRs of this pair's source atom")
    destination_addresses: tuple[str, ...] = ()
    verdict: PairVerdict
    reason: str = ""
    families: dict[str, PairVerdict] = Field(default_factory=dict, description='"4"/"6" -> verdict')
    hops: tuple[Hop, ...] = ()


class Blocker(_Frozen):
    """A component that denies the flow, for some pairs."""

    code: str = Field(description="AWS Reachability Analyzer explanation code where the meaning is the same")
    component: str
    component_kind: str = Field(description="security-group, network-acl, route-table, peering, ...")
    direction: Literal["egress", "ingress"] | None = None
    leg: Leg = "forward"
    family: int | None = None
    rule: str | None = Field(default=None, description="NACL rule number that denied ('*' implicit)")
    detail: str
    pairs: tuple[str, ...] = Field(default=(), description='"source-placement -> destination-placement"')


class SuggestedFix(_Frozen):
    """The smallest change that removes one blocker."""

    kind: Literal["security-group-rule", "nacl-entry", "route"]
    resource_id: str = Field(description="sg-, acl- or rtb- id the change goes to")
    group_id: str | None = None
    direction: Literal["egress", "ingress"] | None = None
    protocol: str = Field(description="tcp, udp, icmp, icmpv6, -1 or a number")
    from_port: int | None = None
    to_port: int | None = None
    peer: str = Field(description="sg- id, CIDR or pl- id the rule names; route destination")
    peer_kind: PeerKindName = "security-group"
    rule_number: int | None = Field(default=None, description="NACL entry number")
    target: str | None = Field(default=None, description="route target (pcx-, igw-, nat-)")
    summary: str
    aws_cli: str
    terraform: str


class PathResult(_Frozen):
    """One path query: ``sgaudit path --format json`` is ``model_dump(mode="json")`` of this."""

    schema_version: int = 1
    source: str
    destination: str
    protocol: str
    port: int | None
    icmp_code: int | None = None
    verdict: Verdict
    pairs: list[PairResult] = Field(default_factory=list)
    hops: list[Hop] = Field(default_factory=list)
    blockers: list[Blocker] = Field(default_factory=list)
    unknowns: list[str] = Field(default_factory=list)
    fixes: list[SuggestedFix] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    configured: PathResult | None = None


class Flow(_Frozen):
    """One allowed flow (DESIGN.md section 6 ``matrix`` shape)."""

    source: str
    destination: str
    protocol: str = Field(description="tcp, udp, icmp, icmpv6, all or a protocol number")
    ports: str = Field(description='"5432", "1024-65535" or "all"')


class ExposurePath(_Frozen):
    """How (or why not) the internet reaches one placement in one address family."""

    placement: str
    family: int
    public_address: str | None = Field(default=None, description="public IPv4 / IPv6 address or 'public'")
    route_table_id: str | None = None
    igw_route: str | None = Field(default=None, description="route 'destination -> igw-...'")
    internet_gateway_id: str | None = None
    nacl_id: str | None = None
    nacl_rules: tuple[str, ...] = Field(default=(), description="NACL rule numbers that admit it")
    sg_rule_ids: tuple[str, ...] = Field(default=(), description="security-group rules that admit it")
    admitted_cidrs: tuple[str, ...] = Field(default=(), description="internet sources admitted")
    world: Traffic = Traffic.NONE
    some: Traffic = Traffic.NONE
    exposed: bool = False
    reason: str = Field(default="", description="why not exposed, when it is not")
    unknowns: tuple[str, ...] = ()


class Exposure(_Frozen):
    """What of an endpoint the internet reaches through the effective path."""

    endpoint: str
    world: Traffic = Field(description="reachable from EVERY internet address (world-open)")
    some: Traffic = Field(description="reachable from at least one internet address")
    paths: list[ExposurePath] = Field(default_factory=list)
    unknowns: list[str] = Field(default_factory=list)

    @property
    def exposed(self) -> bool:
        """True if some internet address reaches some traffic."""
        return not self.some.is_empty


PathResult.model_rebuild()
