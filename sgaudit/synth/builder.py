"""`EstateBuilder`: build a realistic AWS estate in Python and emit it as raw AWS API JSON.

The output is exactly what ``aws <service> <operation> --output json`` prints (pages merged), in the
snapshot layout of DESIGN.md section 2, so the inventory loader reads a synthetic estate the same way it
reads a collected one. The builder adds what AWS adds on its own: every VPC's default security group,
default network ACL and main route table with its ``local`` routes; every security-group rule appears
both in ``SecurityGroups`` (grouped into ``IpPermissions``) and in ``SecurityGroupRules`` (one item per
peer, with its ``sgr-`` id); requester-managed interfaces for ECS tasks, RDS, load balancers, Lambda, NAT
gateways and VPC endpoints carry the descriptions and requester ids AWS gives them.

Every add is O(1) (amortised), and all JSON is rendered once, by :meth:`EstateBuilder.documents`, so
large benchmark estates build in seconds.
"""

from __future__ import annotations

import ipaddress
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sgaudit.synth.errors import EstateBuildError
from sgaudit.synth.ids import IdFactory
from sgaudit.synth.refs import (
    DbClusterRef,
    DbInstanceRef,
    EgressOnlyInternetGatewayRef,
    EniRef,
    InstanceRef,
    InternetGatewayRef,
    LambdaRef,
    ListenerRef,
    LoadBalancerRef,
    NaclEntry,
    NatGatewayRef,
    NetworkAclRef,
    PeeringRef,
    PrefixListRef,
    RouteTableRef,
    SecurityGroupRef,
    ServiceRef,
    SubnetRef,
    TargetGroupRef,
    TaskDefinitionRef,
    TaskRef,
    VpcEndpointRef,
    VpcRef,
)
from sgaudit.synth.writer import write_snapshot

Json = dict[str, Any]
"""One JSON object exactly as the AWS CLI prints it (the emission boundary of the builder)."""

RouteTarget = (
    InternetGatewayRef
    | EgressOnlyInternetGatewayRef
    | NatGatewayRef
    | PeeringRef
    | EniRef
    | InstanceRef
    | VpcEndpointRef
    | str
)
"""What a route can point at; a string is a raw target id (``tgw-``, ``vgw-``, ``local``, ...)."""

Layout = Literal["flat", "region", "accounts"]

DOCUMENT_KEYS: tuple[str, ...] = (
    "Vpcs",
    "Subnets",
    "SecurityGroups",
    "SecurityGroupRules",
    "NetworkInterfaces",
    "Reservations",
    "RouteTables",
    "NetworkAcls",
    "InternetGateways",
    "EgressOnlyInternetGateways",
    "NatGateways",
    "VpcPeeringConnections",
    "VpcEndpoints",
    "PrefixLists",
    "clusters",
    "services",
    "tasks",
    "taskDefinitions",
    "DBInstances",
    "DBClusters",
    "DBSubnetGroups",
    "LoadBalancers",
    "TargetGroups",
    "TargetHealth",
    "Listeners",
    "Functions",
)
"""Top-level keys of :meth:`EstateBuilder.documents`, in a stable order."""

# AWS echoes these protocol numbers as names in security-group output.
_PROTO_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_PROTO_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "-1": "-1", "all": "-1"}
_ENGINE_PORTS = {
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "aurora-mysql": 3306,
    "oracle-ee": 1521,
    "oracle-se2": 1521,
    "sqlserver-ex": 1433,
    "sqlserver-se": 1433,
    "sqlserver-ee": 1433,
    "sqlserver-web": 1433,
}
_ENGINE_VERSIONS = {
    "postgres": "16.3",
    "aurora-postgresql": "15.4",
    "mysql": "8.0.36",
    "mariadb": "10.11.8",
    "aurora-mysql": "8.0.mysql_aurora.3.05.2",
}
# AWS-owned accounts that appear as RequesterId / InstanceOwnerId on managed interfaces.
_ECS_REQUESTER = "578734482556"
_FARGATE_OWNER = "696880367271"
_LAMBDA_REQUESTER = "AROAU7DSWNBPMRBRZ2LXK:lambda-eni"
_NAT_REQUESTER = "441247117349"
_VPCE_REQUESTER = "727180483921"
_EIP_KEYS = ("AllocationId", "AssociationId")
_ECS_SERVICE_ROLE = "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
_ELB_ZONE_IDS = {"application": "Z35SXDOTRQ7X7K", "network": "Z26RNL4JYFTOTI"}
_RDS_ZONE_ID = "Z2R2ITUGPM61AM"


# --------------------------------------------------------------------------------------------------
# Internal state. Mutable records, rendered to JSON once at the end.


@dataclass(slots=True)
class _Vpc:
    ref: VpcRef
    cidr_assoc_ids: list[str]
    ipv6_assoc_id: str | None
    dhcp_id: str
    tags: dict[str, str]
    is_default: bool


@dataclass(slots=True)
class _Subnet:
    ref: SubnetRef
    vpc: _Vpc
    net: int
    size: int
    ipv6_net: int | None
    ipv6_assoc_id: str | None
    map_public: bool
    assign_ipv6: bool
    tags: dict[str, str]
    step: int = 1
    start: int = 0
    drawn: int = 0
    used: set[int] = field(default_factory=set)
    used6: int = 0


@dataclass(slots=True)
class _Peer:
    kind: Literal["cidr4", "cidr6", "pl", "sg"]
    value: str
    rule_id: str
    description: str | None
    user_id: str | None = None
    vpc_id: str | None = None
    pcx_id: str | None = None
    peering_status: str | None = None


@dataclass(slots=True)
class _Permission:
    protocol: str
    from_port: int | None
    to_port: int | None
    peers: list[_Peer] = field(default_factory=list)


@dataclass(slots=True)
class _Group:
    ref: SecurityGroupRef
    description: str
    tags: dict[str, str]
    ingress: dict[tuple[str, int | None, int | None], _Permission] = field(default_factory=dict)
    egress: dict[tuple[str, int | None, int | None], _Permission] = field(default_factory=dict)
    rules: list[tuple[bool, _Permission, _Peer]] = field(default_factory=list)
    keys: set[tuple[bool, str, int | None, int | None, str, str]] = field(default_factory=set)
    # Port-bearing protocols keep separate counts per address family, as AWS's quota does.
    counts: dict[tuple[bool, str], int] = field(default_factory=dict)


@dataclass(slots=True)
class _Attachment:
    attachment_id: str
    instance_id: str | None
    instance_owner_id: str
    device_index: int
    delete_on_termination: bool
    time: datetime


@dataclass(slots=True)
class _PublicIp:
    ip: str
    owner: str
    allocation_id: str | None = None
    association_id: str | None = None


@dataclass(slots=True)
class _Eni:
    ref: EniRef
    subnet: _Subnet
    group_ids: list[str]
    private_ips: list[str]
    ipv6: list[str]
    public: _PublicIp | None
    interface_type: str
    description: str
    requester_id: str | None
    requester_managed: bool
    attachment: _Attachment | None
    mac: str
    source_dest_check: bool
    status: str
    tags: dict[str, str]
    ipv4_prefixes: list[str]


@dataclass(slots=True)
class _Route:
    dest_kind: Literal["cidr4", "cidr6", "pl"]
    dest: str
    target_field: str
    target: str
    state: str
    origin: str
    instance_id: str | None = None


@dataclass(slots=True)
class _RouteTable:
    ref: RouteTableRef
    main: bool
    main_assoc_id: str | None
    routes: list[_Route]
    tags: dict[str, str]


@dataclass(slots=True)
class _Nacl:
    ref: NetworkAclRef
    is_default: bool
    entries: list[NaclEntry]
    ipv6: bool
    tags: dict[str, str]


@dataclass(slots=True)
class _Peering:
    ref: PeeringRef
    requester: VpcRef
    accepter: VpcRef
    tags: dict[str, str]


@dataclass(slots=True)
class _PrefixList:
    ref: PrefixListRef
    owner: str
    max_entries: int
    readable: bool
    tags: dict[str, str]


@dataclass(slots=True)
class _Endpoint:
    ref: VpcEndpointRef
    subnet_ids: list[str]
    group_ids: list[str]
    route_table_ids: list[str]
    tags: dict[str, str]


@dataclass(slots=True)
class _Instance:
    ref: InstanceRef
    reservation_id: str
    instance_type: str
    image_id: str
    state: str
    list_groups: bool
    platform: str | None
    tags: dict[str, str]
    launch: datetime


@dataclass(slots=True)
class _TaskDef:
    ref: TaskDefinitionRef
    image: str
    protocol: str
    env: list[tuple[str, str]]
    secrets: list[tuple[str, str]]
    cpu: str
    memory: str
    network_mode: str


@dataclass(slots=True)
class _Task:
    ref: TaskRef
    cluster: _Cluster
    service: _Service
    group_ids: list[str]
    started_by: str
    az: str


@dataclass(slots=True)
class _Deployment:
    deployment_id: str
    status: str
    subnets: list[str]
    groups: list[str] | None
    public: bool
    running: int
    task_def_arn: str


@dataclass(slots=True)
class _Service:
    ref: ServiceRef | None
    name: str
    arn: str
    cluster: _Cluster
    task_def: _TaskDef
    deployments: list[_Deployment]
    load_balancers: list[tuple[str, str, int]]
    desired: int
    tags: dict[str, str]
    tasks: list[_Task] = field(default_factory=list)


@dataclass(slots=True)
class _Cluster:
    name: str
    arn: str
    tags: dict[str, str]
    services: list[_Service] = field(default_factory=list)


@dataclass(slots=True)
class _DbSubnetGroup:
    name: str
    description: str
    vpc_id: str
    subnets: list[_Subnet]


@dataclass(slots=True)
class _DbInstance:
    ref: DbInstanceRef
    instance_class: str
    engine_version: str
    subnet_group: _DbSubnetGroup
    public: bool
    az: str
    multi_az: bool
    tags: dict[str, str]
    resource_id: str


@dataclass(slots=True)
class _DbCluster:
    ref: DbClusterRef
    engine_version: str
    subnet_group: _DbSubnetGroup
    group_ids: list[str]
    public: bool
    tags: dict[str, str]
    resource_id: str


@dataclass(slots=True)
class _TargetGroup:
    ref: TargetGroupRef
    vpc_id: str
    targets: list[tuple[str, int, str | None, str]]
    health_path: str


@dataclass(slots=True)
class _Listener:
    ref: ListenerRef
    lb_arn: str
    forward_arn: str | None
    redirect_port: int | None
    certificate_arn: str | None


@dataclass(slots=True)
class _LoadBalancer:
    ref: LoadBalancerRef
    subnets: list[_Subnet]
    ip_address_type: str
    tags: dict[str, str]


@dataclass(slots=True)
class _Function:
    ref: LambdaRef
    runtime: str
    handler: str
    memory: int
    timeout: int
    subnet_ids: list[str]
    vpc_id: str | None
    env: dict[str, str]
    role: str
    code_sha: str
    revision: str
    ipv6: bool


# --------------------------------------------------------------------------------------------------
# Helpers.


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | SecurityGroupRef | PrefixListRef):
        return [value]
    return list(value)


def _tag_list(tags: Mapping[str, str]) -> list[Json]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _ecs_tags(tags: Mapping[str, str]) -> list[Json]:
    return [{"key": k, "value": v} for k, v in tags.items()]


def _canonical(cidr: str) -> str:
    """The canonical form AWS echoes (host bits cleared)."""
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as exc:
        raise EstateBuildError(f"invalid CIDR {cidr!r}: {exc}") from exc


def _ts(t: datetime) -> str:
    """EC2/ELB-style timestamp as the CLI prints it."""
    return t.isoformat()


def _ts_us(t: datetime) -> str:
    """ECS/RDS-style timestamp with microseconds."""
    return t.isoformat(timespec="microseconds")


def _normalise_protocol(protocol: str | int) -> str:
    p = str(protocol).strip().lower()
    if p in ("all", "-1"):
        return "-1"
    if p in _PROTO_NAMES:
        return _PROTO_NAMES[p]
    if p in ("tcp", "udp", "icmp", "icmpv6"):
        return p
    if p.isdigit() and 0 <= int(p) <= 255:
        return p
    raise EstateBuildError(f"unknown protocol {protocol!r}")


def _coprime_step(n: int) -> int:
    """A step near n/golden-ratio that is coprime with ``n``, so stepping by it visits every residue."""
    step = max(1, round(n * 0.6180339887)) | 1
    while math.gcd(step, n) != 1:
        step += 1
    return step


def _az_id(region: str, az: str) -> str:
    parts = region.split("-")
    word = parts[1] if len(parts) > 1 else ""
    short = {"southeast": "se", "northeast": "ne", "southwest": "sw", "northwest": "nw"}.get(word, word[:1])
    letter = az[-1:] if az and az[-1].isalpha() else "a"
    return f"{parts[0]}{short}{parts[-1]}-az{ord(letter) - ord('a') + 1}"


class EstateBuilder:
    """Builds one account and region of a synthetic AWS estate.

    Handles returned by each method (``VpcRef``, ``SecurityGroupRef``, ...) wire resources together.
    :meth:`documents` renders the estate as raw AWS JSON; :meth:`write` saves it as a snapshot.

    ``default_tags`` are added to every taggable resource the caller creates (not to what AWS creates on
    its own, such as default groups). ``seed`` fixes every generated id; by default it is derived from
    the account and region, so two builders for two accounts get different ids.
    """

    def __init__(
        self,
        account: str = "111122223333",
        region: str = "us-east-1",
        *,
        seed: int | None = None,
        now: datetime | None = None,
        default_tags: Mapping[str, str] | None = None,
    ) -> None:
        """Start an empty estate for ``account`` in ``region``."""
        if not (account.isdigit() and len(account) == 12):
            raise EstateBuildError(f"account must be 12 digits, got {account!r}")
        self.account = account
        self.region = region
        self.seed = zlib.crc32(f"{account}/{region}".encode()) if seed is None else seed
        self.now = now or datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
        self.default_tags = dict(default_tags or {})
        self.ids = IdFactory(self.seed)
        self._rds_hash = self.ids.alnum(12)
        self._tick = 0
        self._vpcs: dict[str, _Vpc] = {}
        self._subnets: dict[str, _Subnet] = {}
        self._groups: dict[str, _Group] = {}
        self._enis: dict[str, _Eni] = {}
        self._route_tables: dict[str, _RouteTable] = {}
        self._subnet_rtb: dict[str, tuple[str, str]] = {}
        self._nacls: dict[str, _Nacl] = {}
        self._subnet_nacl: dict[str, tuple[str, str]] = {}
        self._igws: dict[str, tuple[InternetGatewayRef, dict[str, str]]] = {}
        self._eigws: dict[str, tuple[EgressOnlyInternetGatewayRef, dict[str, str]]] = {}
        self._nats: dict[str, tuple[NatGatewayRef, str, dict[str, str], datetime]] = {}
        self._peerings: dict[str, _Peering] = {}
        self._peering_by_pair: dict[frozenset[str], str] = {}
        self._prefix_lists: dict[str, _PrefixList] = {}
        self._endpoints: dict[str, _Endpoint] = {}
        self._instances: dict[str, _Instance] = {}
        self._clusters: dict[str, _Cluster] = {}
        self._task_defs: dict[str, _TaskDef] = {}
        self._family_revisions: dict[str, int] = {}
        self._db_subnet_groups: dict[str, _DbSubnetGroup] = {}
        self._db_instances: dict[str, _DbInstance] = {}
        self._db_clusters: dict[str, _DbCluster] = {}
        self._lbs: dict[str, _LoadBalancer] = {}
        self._target_groups: dict[str, _TargetGroup] = {}
        self._listeners: list[_Listener] = []
        self._functions: dict[str, _Function] = {}
        self._lambda_enis: dict[tuple[str, tuple[str, ...]], EniRef] = {}
        self._rule_total = 0
        self._services: dict[tuple[str, str], _Service] = {}
        self._db_subnet_groups_by_subnets: dict[tuple[str, ...], str] = {}
        self._lb_names: set[str] = set()
        self._tg_names: set[str] = set()

    # ----------------------------------------------------------------------------------------------
    # Small utilities.

    def _tags(self, name: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        tags: dict[str, str] = {}
        if name:
            tags["Name"] = name
        tags.update(self.default_tags)
        if extra:
            tags.update(extra)
        return tags

    def _time(self) -> datetime:
        # Resources are created a few seconds apart, as a deployment pipeline would, so timestamps
        # differ but stay deterministic.
        self._tick += 1
        return self.now - timedelta(days=30) + timedelta(seconds=7 * self._tick)

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def _private_dns(self, ip: str) -> str:
        host = "ip-" + ip.replace(".", "-")
        if self.region == "us-east-1":
            return f"{host}.ec2.internal"
        return f"{host}.{self.region}.compute.internal"

    def _public_dns(self, ip: str) -> str:
        host = "ec2-" + ip.replace(".", "-")
        if self.region == "us-east-1":
            return f"{host}.compute-1.amazonaws.com"
        return f"{host}.{self.region}.compute.amazonaws.com"

    def _vpc(self, vpc: VpcRef | str) -> _Vpc:
        vpc_id = vpc if isinstance(vpc, str) else vpc.vpc_id
        try:
            return self._vpcs[vpc_id]
        except KeyError:
            raise EstateBuildError(f"VPC {vpc_id} is not part of this estate") from None

    def _subnet(self, subnet: SubnetRef | str) -> _Subnet:
        subnet_id = subnet if isinstance(subnet, str) else subnet.subnet_id
        try:
            return self._subnets[subnet_id]
        except KeyError:
            raise EstateBuildError(f"subnet {subnet_id} is not part of this estate") from None

    def _group(self, group: SecurityGroupRef | str) -> _Group:
        group_id = group if isinstance(group, str) else group.group_id
        try:
            return self._groups[group_id]
        except KeyError:
            raise EstateBuildError(f"security group {group_id} is not part of this estate") from None

    def _group_ids(self, groups: Sequence[SecurityGroupRef] | None, vpc: _Vpc) -> list[str]:
        if not groups:
            # AWS puts a resource created without groups into its VPC's default group.
            return [vpc.ref.default_group.group_id]
        ids = []
        for g in groups:
            grp = self._group(g)
            if grp.ref.vpc_id != vpc.ref.vpc_id:
                raise EstateBuildError(
                    f"security group {grp.ref.group_id} is in {grp.ref.vpc_id}, not {vpc.ref.vpc_id}"
                )
            ids.append(grp.ref.group_id)
        if len(ids) > 16:
            raise EstateBuildError("an interface takes at most 16 security groups")
        return ids

    def group_ref(self, group_id: str) -> SecurityGroupRef:
        """The handle of a group of this estate, by id."""
        return self._group(group_id).ref

    def subnets_of(self, vpc: VpcRef) -> list[SubnetRef]:
        """Every subnet of ``vpc``, in creation order."""
        return [s.ref for s in self._subnets.values() if s.vpc.ref.vpc_id == vpc.vpc_id]

    # ----------------------------------------------------------------------------------------------
    # VPCs and subnets.

    def vpc(
        self,
        cidr: str,
        *,
        name: str | None = None,
        ipv6: str | None = None,
        secondary_cidrs: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        is_default: bool = False,
    ) -> VpcRef:
        """A VPC, with its default security group, default network ACL and main route table."""
        cidrs = [_canonical(cidr), *(_canonical(c) for c in secondary_cidrs)]
        for c in cidrs:
            net = ipaddress.ip_network(c)
            if not isinstance(net, ipaddress.IPv4Network) or not 16 <= net.prefixlen <= 28:
                raise EstateBuildError(f"VPC CIDR {c} must be an IPv4 block between /16 and /28")
        ipv6_cidr = _canonical(ipv6) if ipv6 else None
        vpc_id = self.ids.hex_id("vpc-")
        sg_id = self.ids.hex_id("sg-")
        rtb_id = self.ids.hex_id("rtb-")
        acl_id = self.ids.hex_id("acl-")
        default_group = SecurityGroupRef(group_id=sg_id, name="default", vpc_id=vpc_id, account=self.account)
        ref = VpcRef(
            vpc_id=vpc_id,
            account=self.account,
            region=self.region,
            cidrs=tuple(cidrs),
            ipv6_cidr=ipv6_cidr,
            name=name,
            default_group=default_group,
            main_route_table_id=rtb_id,
            default_network_acl_id=acl_id,
        )
        record = _Vpc(
            ref=ref,
            cidr_assoc_ids=[self.ids.hex_id("vpc-cidr-assoc-") for _ in cidrs],
            ipv6_assoc_id=self.ids.hex_id("vpc-cidr-assoc-") if ipv6_cidr else None,
            dhcp_id=self.ids.hex_id("dopt-"),
            tags=self._tags(name, tags),
            is_default=is_default,
        )
        self._vpcs[vpc_id] = record

        # The default group: members talk to each other; all egress (IPv6 too on a dual-stack VPC).
        self._groups[sg_id] = _Group(ref=default_group, description="default VPC security group", tags={})
        self.ingress(default_group, "-1", sg=default_group)
        self.egress(default_group, "-1", cidr="0.0.0.0/0")
        if ipv6_cidr:
            self.egress(default_group, "-1", cidr6="::/0")

        local = [_Route("cidr4", c, "GatewayId", "local", "active", "CreateRouteTable") for c in cidrs]
        if ipv6_cidr:
            local.append(_Route("cidr6", ipv6_cidr, "GatewayId", "local", "active", "CreateRouteTable"))
        self._route_tables[rtb_id] = _RouteTable(
            ref=RouteTableRef(route_table_id=rtb_id, vpc_id=vpc_id),
            main=True,
            main_assoc_id=self.ids.hex_id("rtbassoc-"),
            routes=local,
            tags={},
        )
        # The default NACL allows everything; the entries are what AWS creates.
        entries = [
            NaclEntry(number=100, direction="ingress", protocol="-1", cidr="0.0.0.0/0"),
            NaclEntry(number=100, direction="egress", protocol="-1", cidr="0.0.0.0/0"),
        ]
        if ipv6_cidr:
            entries += [
                NaclEntry(number=101, direction="ingress", protocol="-1", cidr6="::/0"),
                NaclEntry(number=101, direction="egress", protocol="-1", cidr6="::/0"),
            ]
        self._nacls[acl_id] = _Nacl(
            ref=NetworkAclRef(network_acl_id=acl_id, vpc_id=vpc_id),
            is_default=True,
            entries=entries,
            ipv6=ipv6_cidr is not None,
            tags={},
        )
        return ref

    def subnet(
        self,
        vpc: VpcRef,
        cidr: str,
        *,
        az: str | None = None,
        name: str | None = None,
        ipv6: str | None = None,
        map_public_ip: bool = False,
        assign_ipv6: bool | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> SubnetRef:
        """A subnet of ``vpc`` (associated with the main route table and the default NACL).

        ``ipv6`` is the subnet's /64; interfaces created in it get an IPv6 address when
        ``assign_ipv6`` (default: whenever the subnet has an IPv6 block).
        """
        v = self._vpc(vpc)
        net = ipaddress.ip_network(_canonical(cidr))
        if not isinstance(net, ipaddress.IPv4Network) or not 16 <= net.prefixlen <= 28:
            raise EstateBuildError(f"subnet CIDR {cidr} must be an IPv4 block between /16 and /28")
        if not any(net.subnet_of(ipaddress.IPv4Network(c)) for c in v.ref.cidrs):
            raise EstateBuildError(
                f"subnet CIDR {net} is outside VPC {v.ref.vpc_id} ({', '.join(v.ref.cidrs)})"
            )
        for other in self._subnets.values():
            if other.vpc is v and net.overlaps(ipaddress.IPv4Network(other.ref.cidr)):
                raise EstateBuildError(f"subnet CIDR {net} overlaps {other.ref.subnet_id} ({other.ref.cidr})")
        ipv6_net: int | None = None
        ipv6_cidr: str | None = None
        if ipv6:
            net6 = ipaddress.ip_network(_canonical(ipv6))
            if not isinstance(net6, ipaddress.IPv6Network) or net6.prefixlen != 64:
                raise EstateBuildError(f"subnet IPv6 CIDR {ipv6} must be a /64")
            if not v.ref.ipv6_cidr or not net6.subnet_of(ipaddress.IPv6Network(v.ref.ipv6_cidr)):
                raise EstateBuildError(f"subnet IPv6 CIDR {net6} is outside the VPC's IPv6 block")
            ipv6_net = int(net6.network_address)
            ipv6_cidr = str(net6)
        zone = az or f"{self.region}a"
        subnet_id = self.ids.hex_id("subnet-")
        ref = SubnetRef(
            subnet_id=subnet_id, vpc_id=v.ref.vpc_id, cidr=str(net), ipv6_cidr=ipv6_cidr, az=zone, name=name
        )
        self._subnets[subnet_id] = _Subnet(
            ref=ref,
            vpc=v,
            net=int(net.network_address),
            size=net.num_addresses,
            ipv6_net=ipv6_net,
            ipv6_assoc_id=self.ids.hex_id("subnet-cidr-assoc-") if ipv6_cidr else None,
            map_public=map_public_ip,
            assign_ipv6=bool(ipv6_cidr) if assign_ipv6 is None else assign_ipv6 and bool(ipv6_cidr),
            tags=self._tags(name, tags),
            step=_coprime_step(net.num_addresses - 5),
            start=self.ids.small("subnet-start", net.num_addresses - 5),
        )
        self._subnet_nacl[subnet_id] = (v.ref.default_network_acl_id, self.ids.hex_id("aclassoc-"))
        return ref

    def _allocate_ip(self, s: _Subnet, requested: str | None = None) -> str:
        # AWS reserves the first four addresses and the last one of every subnet.
        last = s.size - 2
        if requested is not None:
            host = int(ipaddress.IPv4Address(requested)) - s.net
            if not 4 <= host <= last:
                raise EstateBuildError(
                    f"{requested} is not a usable address of {s.ref.subnet_id} ({s.ref.cidr})"
                )
            if host in s.used:
                raise EstateBuildError(f"{requested} is already in use in {s.ref.subnet_id}")
        else:
            # Walk a full-cycle permutation of the usable hosts: AWS hands out addresses in no visible
            # order, and the walk stays O(1) per address until the subnet is full.
            usable = s.size - 5
            while True:
                if s.drawn >= usable:
                    raise EstateBuildError(
                        f"subnet {s.ref.subnet_id} ({s.ref.cidr}) has no free address left"
                    )
                host = 4 + (s.start + s.drawn * s.step) % usable
                s.drawn += 1
                if host not in s.used:
                    break
        s.used.add(host)
        return str(ipaddress.IPv4Address(s.net + host))

    def _allocate_ipv6(self, s: _Subnet) -> str:
        if s.ipv6_net is None:
            raise EstateBuildError(f"subnet {s.ref.subnet_id} has no IPv6 block")
        s.used6 += 1
        return str(ipaddress.IPv6Address(s.ipv6_net + self.ids.ipv6_host()))

    # ----------------------------------------------------------------------------------------------
    # Security groups.

    def security_group(
        self,
        vpc: VpcRef,
        name: str,
        *,
        description: str | None = None,
        allow_all_egress: bool = True,
        tags: Mapping[str, str] | None = None,
    ) -> SecurityGroupRef:
        """A security group. Like AWS, it starts with one egress rule allowing all IPv4 traffic,
        unless ``allow_all_egress`` is False (as after revoking that rule)."""
        v = self._vpc(vpc)
        if name == "default":
            raise EstateBuildError("the group name 'default' is reserved for the VPC's default group")
        group_id = self.ids.hex_id("sg-")
        ref = SecurityGroupRef(group_id=group_id, name=name, vpc_id=v.ref.vpc_id, account=self.account)
        self._groups[group_id] = _Group(
            ref=ref, description=description or f"{name} security group", tags=self._tags(name, tags)
        )
        if allow_all_egress:
            self.egress(ref, "-1", cidr="0.0.0.0/0")
        return ref

    def ingress(
        self,
        group: SecurityGroupRef,
        protocol: str | int,
        from_port: int | None = None,
        to_port: int | None = None,
        *,
        cidr: str | Sequence[str] | None = None,
        cidr6: str | Sequence[str] | None = None,
        prefix_list: PrefixListRef | str | Sequence[PrefixListRef | str] | None = None,
        sg: SecurityGroupRef | str | Sequence[SecurityGroupRef | str] | None = None,
        user_id: str | None = None,
        description: str | None = None,
    ) -> tuple[str, ...]:
        """Inbound rules on ``group``: one per peer, returned as their ``sgr-`` ids.

        ``protocol`` is a name or number (``-1``/``all`` for all traffic). For tcp/udp ``to_port``
        defaults to ``from_port``; for icmp/icmpv6 the ports are type and code (default -1, all).
        Peers: IPv4 and IPv6 CIDRs, prefix lists, and groups. A group is a handle or a bare id; a bare
        id with ``user_id`` is a cross-account reference, a bare id of no known group is stale.
        """
        return self._add_rules(
            False,
            group,
            protocol,
            from_port,
            to_port,
            cidr=cidr,
            cidr6=cidr6,
            prefix_list=prefix_list,
            sg=sg,
            user_id=user_id,
            description=description,
        )

    def egress(
        self,
        group: SecurityGroupRef,
        protocol: str | int,
        from_port: int | None = None,
        to_port: int | None = None,
        *,
        cidr: str | Sequence[str] | None = None,
        cidr6: str | Sequence[str] | None = None,
        prefix_list: PrefixListRef | str | Sequence[PrefixListRef | str] | None = None,
        sg: SecurityGroupRef | str | Sequence[SecurityGroupRef | str] | None = None,
        user_id: str | None = None,
        description: str | None = None,
    ) -> tuple[str, ...]:
        """Outbound rules on ``group``; the arguments are those of :meth:`ingress`."""
        return self._add_rules(
            True,
            group,
            protocol,
            from_port,
            to_port,
            cidr=cidr,
            cidr6=cidr6,
            prefix_list=prefix_list,
            sg=sg,
            user_id=user_id,
            description=description,
        )

    def has_rule(
        self,
        group: SecurityGroupRef,
        *,
        egress: bool,
        protocol: str | int,
        from_port: int | None,
        to_port: int | None,
        peer: str,
    ) -> bool:
        """True when ``group`` already has this rule (``peer`` is a CIDR, ``pl-`` or ``sg-`` id)."""
        proto, lo, hi = self._ports(protocol, from_port, to_port)
        g = self._group(group)
        return any((egress, proto, lo, hi, kind, peer) in g.keys for kind in ("cidr4", "cidr6", "pl", "sg"))

    def rule_count(self, group: SecurityGroupRef | None = None) -> int:
        """How many security-group rules (peers) one group, or the whole estate, has."""
        if group is not None:
            return len(self._group(group).rules)
        return self._rule_total

    def rules_in(self, group: SecurityGroupRef, egress: bool, family: Literal["4", "6"] = "4") -> int:
        """How many rules ``group`` has in one direction and address family (AWS's quota unit)."""
        return self._group(group).counts.get((egress, family), 0)

    def interface_count(self) -> int:
        """How many network interfaces the estate has."""
        return len(self._enis)

    def group_count(self) -> int:
        """How many security groups the estate has, default groups included."""
        return len(self._groups)

    def _ports(
        self, protocol: str | int, from_port: int | None, to_port: int | None
    ) -> tuple[str, int | None, int | None]:
        proto = _normalise_protocol(protocol)
        if proto in ("tcp", "udp"):
            if from_port is None:
                raise EstateBuildError(f"a {proto} rule needs a port")
            hi = from_port if to_port is None else to_port
            if not (0 <= from_port <= hi <= 65535):
                raise EstateBuildError(f"invalid {proto} port range {from_port}-{hi}")
            return proto, from_port, hi
        if proto in ("icmp", "icmpv6"):
            t = -1 if from_port is None else from_port
            c = -1 if to_port is None else to_port
            if t == -1 and c != -1:
                raise EstateBuildError("an ICMP rule for all types must have code -1")
            return proto, t, c
        # -1 and other protocol numbers: AWS ignores ports and prints none.
        return proto, None, None

    def _add_rules(
        self,
        egress: bool,
        group: SecurityGroupRef,
        protocol: str | int,
        from_port: int | None,
        to_port: int | None,
        *,
        cidr: str | Sequence[str] | None,
        cidr6: str | Sequence[str] | None,
        prefix_list: PrefixListRef | str | Sequence[PrefixListRef | str] | None,
        sg: SecurityGroupRef | str | Sequence[SecurityGroupRef | str] | None,
        user_id: str | None,
        description: str | None,
    ) -> tuple[str, ...]:
        g = self._group(group)
        proto, lo, hi = self._ports(protocol, from_port, to_port)
        peers: list[_Peer] = []
        for c in _as_list(cidr):
            value = _canonical(c)
            if ":" in value:
                raise EstateBuildError(f"{c} is an IPv6 CIDR: pass it as cidr6")
            peers.append(_Peer("cidr4", value, "", description))
        for c in _as_list(cidr6):
            value = _canonical(c)
            if ":" not in value:
                raise EstateBuildError(f"{c} is an IPv4 CIDR: pass it as cidr")
            peers.append(_Peer("cidr6", value, "", description))
        for p in _as_list(prefix_list):
            peers.append(
                _Peer("pl", p.prefix_list_id if isinstance(p, PrefixListRef) else p, "", description)
            )
        for ref in _as_list(sg):
            peers.append(self._group_peer(g, ref, user_id, description))
        if not peers:
            raise EstateBuildError(
                f"a rule on {g.ref.group_id} needs a peer (cidr, cidr6, prefix_list or sg)"
            )
        table = g.egress if egress else g.ingress
        key = (proto, lo, hi)
        perm = table.get(key)
        if perm is None:
            perm = table[key] = _Permission(proto, lo, hi)
        ids = []
        for peer in peers:
            dedup = (egress, proto, lo, hi, peer.kind, peer.value)
            if dedup in g.keys:
                direction = "egress" if egress else "ingress"
                raise EstateBuildError(
                    f"duplicate {direction} rule on {g.ref.group_id}: {proto} {lo}-{hi} {peer.value}"
                    " (AWS: InvalidPermission.Duplicate)"
                )
            # AWS counts IPv4 and IPv6 rules separately against the per-group quota (60, up to 1000).
            family = "6" if peer.kind == "cidr6" else "4"
            count = g.counts.get((egress, family), 0) + 1
            if count > 1000:
                raise EstateBuildError(f"security group {g.ref.group_id} exceeds 1000 rules in one direction")
            g.counts[(egress, family)] = count
            g.keys.add(dedup)
            self._rule_total += 1
            peer.rule_id = self.ids.hex_id("sgr-")
            perm.peers.append(peer)
            g.rules.append((egress, perm, peer))
            ids.append(peer.rule_id)
        return tuple(ids)

    def _group_peer(
        self, owner: _Group, ref: SecurityGroupRef | str, user_id: str | None, description: str | None
    ) -> _Peer:
        if isinstance(ref, SecurityGroupRef):
            group_id, account, vpc_id = ref.group_id, ref.account, ref.vpc_id
        else:
            known = self._groups.get(ref)
            if known is not None:
                group_id, account, vpc_id = known.ref.group_id, known.ref.account, known.ref.vpc_id
            else:
                # Unknown id: another account's group (with user_id) or a deleted one (stale).
                return _Peer("sg", ref, "", description, user_id=user_id or self.account)
        peer = _Peer("sg", group_id, "", description, user_id=user_id or account)
        if vpc_id != owner.ref.vpc_id:
            # A group in another VPC is only usable across an active peering; AWS shows which.
            pcx = self._peering_by_pair.get(frozenset((vpc_id, owner.ref.vpc_id)))
            peer.vpc_id = vpc_id
            if pcx is not None:
                peer.pcx_id = pcx
                peer.peering_status = self._peerings[pcx].ref.status
        return peer

    # ----------------------------------------------------------------------------------------------
    # Prefix lists, gateways, peering, route tables, NACLs.

    def prefix_list(
        self,
        name: str,
        cidrs: Sequence[str],
        *,
        max_entries: int | None = None,
        aws_managed: bool = False,
        readable: bool = True,
        tags: Mapping[str, str] | None = None,
    ) -> PrefixListRef:
        """A managed prefix list (customer-managed unless ``aws_managed``).

        ``readable=False`` leaves its entries out of the snapshot, as when
        ``GetManagedPrefixListEntries`` was denied: rules that use it are then undecidable.
        """
        canon = tuple(_canonical(c) for c in cidrs)
        families = {":" in c for c in canon}
        if len(families) > 1:
            raise EstateBuildError(f"prefix list {name} mixes IPv4 and IPv6 entries")
        family: Literal["IPv4", "IPv6"] = "IPv6" if families == {True} else "IPv4"
        pl_id = self.ids.hex_id("pl-", 8 if aws_managed else 17)
        ref = PrefixListRef(prefix_list_id=pl_id, name=name, address_family=family, cidrs=canon)
        self._prefix_lists[pl_id] = _PrefixList(
            ref=ref,
            owner="AWS" if aws_managed else self.account,
            max_entries=max_entries or max(len(canon), 1),
            readable=readable,
            tags={} if aws_managed else self._tags(name, tags),
        )
        return ref

    def internet_gateway(
        self, vpc: VpcRef, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> InternetGatewayRef:
        """An internet gateway attached to ``vpc``."""
        v = self._vpc(vpc)
        ref = InternetGatewayRef(igw_id=self.ids.hex_id("igw-"), vpc_id=v.ref.vpc_id)
        self._igws[ref.igw_id] = (ref, self._tags(name, tags))
        return ref

    def egress_only_internet_gateway(
        self, vpc: VpcRef, *, name: str | None = None
    ) -> EgressOnlyInternetGatewayRef:
        """An egress-only internet gateway (outbound IPv6) attached to ``vpc``."""
        v = self._vpc(vpc)
        ref = EgressOnlyInternetGatewayRef(eigw_id=self.ids.hex_id("eigw-"), vpc_id=v.ref.vpc_id)
        self._eigws[ref.eigw_id] = (ref, self._tags(name, None))
        return ref

    def nat_gateway(
        self,
        subnet: SubnetRef,
        *,
        name: str | None = None,
        private: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> NatGatewayRef:
        """A NAT gateway in ``subnet`` with its interface (and an Elastic IP unless ``private``)."""
        s = self._subnet(subnet)
        nat_id = self.ids.hex_id("nat-")
        public = None
        if not private:
            public = _PublicIp(
                self.ids.public_ipv4(),
                self.account,
                self.ids.hex_id("eipalloc-"),
                self.ids.hex_id("eipassoc-"),
            )
        eni = self._new_eni(
            s,
            [],
            interface_type="natGateway",
            description=f"Interface for NAT Gateway {nat_id}",
            requester_id=_NAT_REQUESTER,
            requester_managed=True,
            attachment=self._attachment(None, "amazon-aws", 1, False),
            public=public,
            source_dest_check=False,
            ipv6=False,
        )
        ref = NatGatewayRef(
            nat_id=nat_id,
            subnet_id=s.ref.subnet_id,
            vpc_id=s.vpc.ref.vpc_id,
            eni=eni,
            public_ip=public.ip if public else None,
        )
        self._nats[nat_id] = (ref, "private" if private else "public", self._tags(name, tags), self._time())
        return ref

    def peering(
        self,
        requester: VpcRef,
        accepter: VpcRef,
        *,
        status: str = "active",
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> PeeringRef:
        """A VPC peering connection. ``accepter`` may belong to another builder (account or region);
        call :meth:`import_peering` on that builder so its snapshot lists the connection too."""
        if requester.vpc_id not in self._vpcs and accepter.vpc_id not in self._vpcs:
            raise EstateBuildError("a peering needs at least one VPC of this estate")
        pair = frozenset((requester.vpc_id, accepter.vpc_id))
        if pair in self._peering_by_pair:
            raise EstateBuildError(f"{requester.vpc_id} and {accepter.vpc_id} are already peered")
        ref = PeeringRef(
            pcx_id=self.ids.hex_id("pcx-"),
            requester_vpc_id=requester.vpc_id,
            accepter_vpc_id=accepter.vpc_id,
            status=status,
        )
        self._peerings[ref.pcx_id] = _Peering(ref, requester, accepter, self._tags(name, tags))
        self._peering_by_pair[pair] = ref.pcx_id
        return ref

    def peering_between(self, a: VpcRef, b: VpcRef) -> PeeringRef | None:
        """The peering connection between two VPCs, if there is one."""
        pcx = self._peering_by_pair.get(frozenset((a.vpc_id, b.vpc_id)))
        return self._peerings[pcx].ref if pcx else None

    def import_peering(self, peering: PeeringRef, requester: VpcRef, accepter: VpcRef) -> None:
        """Record a peering created by another builder, so this account's snapshot shows it too."""
        self._peerings[peering.pcx_id] = _Peering(peering, requester, accepter, {})
        self._peering_by_pair[frozenset((requester.vpc_id, accepter.vpc_id))] = peering.pcx_id

    def route_table(
        self,
        vpc: VpcRef,
        *,
        subnets: Sequence[SubnetRef] = (),
        routes: Sequence[tuple[str | PrefixListRef, RouteTarget]] = (),
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> RouteTableRef:
        """A custom route table with the VPC's local routes, ``routes`` and explicit ``subnets``."""
        v = self._vpc(vpc)
        rtb_id = self.ids.hex_id("rtb-")
        local = [_Route("cidr4", c, "GatewayId", "local", "active", "CreateRouteTable") for c in v.ref.cidrs]
        if v.ref.ipv6_cidr:
            local.append(_Route("cidr6", v.ref.ipv6_cidr, "GatewayId", "local", "active", "CreateRouteTable"))
        ref = RouteTableRef(route_table_id=rtb_id, vpc_id=v.ref.vpc_id)
        self._route_tables[rtb_id] = _RouteTable(
            ref=ref, main=False, main_assoc_id=None, routes=local, tags=self._tags(name, tags)
        )
        for dest, target in routes:
            self.route(ref, dest, target)
        for s in subnets:
            self.associate(ref, s)
        return ref

    def main_route_table(self, vpc: VpcRef) -> RouteTableRef:
        """The VPC's main route table (implicitly used by subnets with no explicit association)."""
        return self._route_tables[self._vpc(vpc).ref.main_route_table_id].ref

    def route(
        self,
        table: RouteTableRef,
        destination: str | PrefixListRef,
        target: RouteTarget,
        *,
        state: str = "active",
    ) -> None:
        """Add a route (``state='blackhole'`` for one whose target is gone)."""
        rt = self._route_tables[table.route_table_id]
        if isinstance(destination, PrefixListRef):
            kind: Literal["cidr4", "cidr6", "pl"] = "pl"
            dest = destination.prefix_list_id
        else:
            dest = _canonical(destination)
            kind = "cidr6" if ":" in dest else "cidr4"
        instance_id = None
        if isinstance(target, InternetGatewayRef):
            fld, tid = "GatewayId", target.igw_id
        elif isinstance(target, EgressOnlyInternetGatewayRef):
            fld, tid = "EgressOnlyInternetGatewayId", target.eigw_id
        elif isinstance(target, NatGatewayRef):
            fld, tid = "NatGatewayId", target.nat_id
        elif isinstance(target, PeeringRef):
            fld, tid = "VpcPeeringConnectionId", target.pcx_id
        elif isinstance(target, EniRef):
            fld, tid = "NetworkInterfaceId", target.eni_id
        elif isinstance(target, InstanceRef):
            fld, tid, instance_id = "NetworkInterfaceId", target.eni.eni_id, target.instance_id
        elif isinstance(target, VpcEndpointRef):
            fld, tid = "GatewayId", target.vpce_id
        else:
            tid = target
            prefixes = {
                "tgw-": "TransitGatewayId",
                "nat-": "NatGatewayId",
                "pcx-": "VpcPeeringConnectionId",
                "eni-": "NetworkInterfaceId",
                "eigw-": "EgressOnlyInternetGatewayId",
                "lgw-": "LocalGatewayId",
                "cagw-": "CarrierGatewayId",
            }
            fld = next((f for p, f in prefixes.items() if target.startswith(p)), "GatewayId")
        for r in rt.routes:
            if r.dest == dest:
                raise EstateBuildError(f"route table {table.route_table_id} already has a route to {dest}")
        rt.routes.append(_Route(kind, dest, fld, tid, state, "CreateRoute", instance_id))

    def associate(self, table: RouteTableRef, subnet: SubnetRef) -> None:
        """Associate ``subnet`` with ``table`` explicitly (replacing any earlier association)."""
        s = self._subnet(subnet)
        if s.vpc.ref.vpc_id != table.vpc_id:
            raise EstateBuildError(f"subnet {s.ref.subnet_id} is not in {table.vpc_id}")
        self._subnet_rtb[s.ref.subnet_id] = (table.route_table_id, self.ids.hex_id("rtbassoc-"))

    def network_acl(
        self,
        vpc: VpcRef,
        *,
        subnets: Sequence[SubnetRef] = (),
        entries: Sequence[NaclEntry] = (),
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> NetworkAclRef:
        """A custom network ACL (deny-all apart from ``entries``) associated with ``subnets``."""
        v = self._vpc(vpc)
        ref = NetworkAclRef(network_acl_id=self.ids.hex_id("acl-"), vpc_id=v.ref.vpc_id)
        seen: set[tuple[str, int]] = set()
        for e in entries:
            key = (e.direction, e.number)
            if key in seen:
                raise EstateBuildError(
                    f"NACL {ref.network_acl_id} has two {e.direction} entries numbered {e.number}"
                )
            seen.add(key)
            _normalise_protocol(e.protocol)
        self._nacls[ref.network_acl_id] = _Nacl(
            ref=ref,
            is_default=False,
            entries=list(entries),
            ipv6=v.ref.ipv6_cidr is not None,
            tags=self._tags(name, tags),
        )
        for s in subnets:
            self.associate_network_acl(ref, s)
        return ref

    def associate_network_acl(self, acl: NetworkAclRef, subnet: SubnetRef) -> None:
        """Move ``subnet`` to ``acl`` (a subnet has exactly one NACL)."""
        s = self._subnet(subnet)
        if s.vpc.ref.vpc_id != acl.vpc_id:
            raise EstateBuildError(f"subnet {s.ref.subnet_id} is not in {acl.vpc_id}")
        self._subnet_nacl[s.ref.subnet_id] = (acl.network_acl_id, self.ids.hex_id("aclassoc-"))

    def vpc_endpoint(
        self,
        vpc: VpcRef,
        service: str,
        *,
        subnets: Sequence[SubnetRef] = (),
        groups: Sequence[SecurityGroupRef] | None = None,
        route_tables: Sequence[RouteTableRef] = (),
        gateway: bool = False,
        prefix_list: PrefixListRef | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> VpcEndpointRef:
        """A VPC endpoint for ``service`` (``s3``, ``ecr.api``, ... or a full service name).

        An interface endpoint gets one requester-managed interface per subnet; a gateway endpoint
        (``gateway=True``) adds a route to the service's prefix list in each of ``route_tables``.
        """
        v = self._vpc(vpc)
        service_name = (
            service if service.startswith("com.amazonaws.") else f"com.amazonaws.{self.region}.{service}"
        )
        vpce_id = self.ids.hex_id("vpce-")
        enis: list[EniRef] = []
        group_ids: list[str] = []
        if not gateway:
            group_ids = self._group_ids(groups, v)
            for s in subnets:
                enis.append(
                    self._new_eni(
                        self._subnet(s),
                        group_ids,
                        interface_type="vpc_endpoint",
                        description=f"VPC Endpoint Interface {vpce_id}",
                        requester_id=_VPCE_REQUESTER,
                        requester_managed=True,
                        attachment=None,
                        status="in-use",
                        ipv6=False,
                    )
                )
        ref = VpcEndpointRef(
            vpce_id=vpce_id,
            vpc_id=v.ref.vpc_id,
            service_name=service_name,
            endpoint_type="Gateway" if gateway else "Interface",
            enis=tuple(enis),
        )
        self._endpoints[vpce_id] = _Endpoint(
            ref=ref,
            subnet_ids=[s.subnet_id for s in subnets] if not gateway else [],
            group_ids=group_ids,
            route_table_ids=[t.route_table_id for t in route_tables],
            tags=self._tags(name, tags),
        )
        if gateway:
            pl = prefix_list or self._service_prefix_list(service_name)
            for t in route_tables:
                self.route(t, pl, ref)
        return ref

    def _service_prefix_list(self, service_name: str) -> PrefixListRef:
        for p in self._prefix_lists.values():
            if p.ref.name == service_name:
                return p.ref
        # The real S3 and DynamoDB lists hold a handful of public blocks; any public block will do.
        cidrs = (
            ["52.216.0.0/15", "3.5.0.0/19", "54.231.0.0/16"]
            if service_name.endswith(".s3")
            else ["3.218.180.0/22"]
        )
        return self.prefix_list(service_name, cidrs, aws_managed=True)

    # ----------------------------------------------------------------------------------------------
    # Interfaces.

    def _attachment(
        self,
        instance_id: str | None,
        owner: str,
        device_index: int,
        delete: bool,
        prefix: str = "eni-attach-",
    ) -> _Attachment:
        return _Attachment(self.ids.hex_id(prefix), instance_id, owner, device_index, delete, self._time())

    def _new_eni(
        self,
        s: _Subnet,
        group_ids: list[str],
        *,
        interface_type: str = "interface",
        description: str = "",
        requester_id: str | None = None,
        requester_managed: bool = False,
        attachment: _Attachment | None = None,
        public: _PublicIp | None = None,
        private_ip: str | None = None,
        secondary_ips: int = 0,
        ipv6: bool | None = None,
        source_dest_check: bool = True,
        status: str | None = None,
        tags: Mapping[str, str] | None = None,
        ipv4_prefixes: Sequence[str] = (),
    ) -> EniRef:
        eni_id = self.ids.hex_id("eni-")
        ips = [self._allocate_ip(s, private_ip)] + [self._allocate_ip(s) for _ in range(secondary_ips)]
        want6 = s.assign_ipv6 if ipv6 is None else ipv6
        v6 = [self._allocate_ipv6(s)] if want6 else []
        ref = EniRef(
            eni_id=eni_id,
            subnet_id=s.ref.subnet_id,
            vpc_id=s.vpc.ref.vpc_id,
            private_ip=ips[0],
            secondary_ips=tuple(ips[1:]),
            ipv6_addresses=tuple(v6),
            public_ip=public.ip if public else None,
            group_ids=tuple(group_ids),
            interface_type=interface_type,
        )
        self._enis[eni_id] = _Eni(
            ref=ref,
            subnet=s,
            group_ids=group_ids,
            private_ips=ips,
            ipv6=v6,
            public=public,
            interface_type=interface_type,
            description=description,
            requester_id=requester_id,
            requester_managed=requester_managed,
            attachment=attachment,
            mac=self.ids.mac(),
            source_dest_check=source_dest_check,
            status=status or ("in-use" if attachment else "available"),
            tags=dict(tags or {}),
            ipv4_prefixes=[_canonical(p) for p in ipv4_prefixes],
        )
        return ref

    def _public(self, public_ip: bool | str, eip: bool, owner: str = "amazon") -> _PublicIp | None:
        if public_ip is False and not eip:
            return None
        ip = public_ip if isinstance(public_ip, str) else self.ids.public_ipv4()
        if eip:
            return _PublicIp(ip, self.account, self.ids.hex_id("eipalloc-"), self.ids.hex_id("eipassoc-"))
        return _PublicIp(ip, owner)

    def eni(
        self,
        subnet: SubnetRef,
        groups: Sequence[SecurityGroupRef] | None = None,
        *,
        description: str = "",
        private_ip: str | None = None,
        secondary_ips: int = 0,
        public_ip: bool | str = False,
        eip: bool = False,
        ipv6: bool | None = None,
        interface_type: str = "interface",
        requester_id: str | None = None,
        requester_managed: bool = False,
        attached: bool = False,
        source_dest_check: bool = True,
        ipv4_prefixes: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> EniRef:
        """A plain network interface (``available`` unless ``attached``; no owning resource)."""
        s = self._subnet(subnet)
        return self._new_eni(
            s,
            self._group_ids(groups, s.vpc),
            interface_type=interface_type,
            description=description,
            requester_id=requester_id,
            requester_managed=requester_managed,
            attachment=self._attachment(None, self.account, 1, False) if attached else None,
            public=self._public(public_ip, eip),
            private_ip=private_ip,
            secondary_ips=secondary_ips,
            ipv6=ipv6,
            source_dest_check=source_dest_check,
            tags=tags,
            ipv4_prefixes=ipv4_prefixes,
        )

    # ----------------------------------------------------------------------------------------------
    # EC2 instances.

    def ec2_instance(
        self,
        name: str | None,
        *,
        subnet: SubnetRef,
        groups: Sequence[SecurityGroupRef] | None = None,
        public_ip: bool | str = False,
        eip: bool = False,
        private_ip: str | None = None,
        ipv6: bool | None = None,
        extra_interfaces: Sequence[tuple[SubnetRef, Sequence[SecurityGroupRef]]] = (),
        instance_type: str = "t3.micro",
        image_id: str = "ami-0c02fb55956c7d316",
        platform: Literal["windows"] | None = None,
        state: Literal["running", "stopped"] = "running",
        list_instance_groups: bool = True,
        tags: Mapping[str, str] | None = None,
    ) -> InstanceRef:
        """An EC2 instance with a primary interface in ``subnet`` (and ``extra_interfaces``).

        ``list_instance_groups=False`` leaves the instance's own ``SecurityGroups`` empty, which AWS
        does when groups were set only on the interfaces: consumers must read the interfaces.
        """
        s = self._subnet(subnet)
        instance_id = self.ids.hex_id("i-")
        if state == "stopped":
            public_ip = public_ip if eip else False
        enis = [
            self._new_eni(
                s,
                self._group_ids(groups, s.vpc),
                description="",
                attachment=self._attachment(instance_id, self.account, 0, True),
                public=self._public(public_ip, eip),
                private_ip=private_ip,
                ipv6=ipv6,
            )
        ]
        for index, (sub, grps) in enumerate(extra_interfaces, start=1):
            es = self._subnet(sub)
            if es.ref.az != s.ref.az:
                raise EstateBuildError(
                    f"interface subnet {es.ref.subnet_id} is in another AZ than the instance"
                )
            enis.append(
                self._new_eni(
                    es,
                    self._group_ids(grps, es.vpc),
                    attachment=self._attachment(instance_id, self.account, index, False),
                )
            )
        ref = InstanceRef(instance_id=instance_id, name=name, enis=tuple(enis))
        self._instances[instance_id] = _Instance(
            ref=ref,
            reservation_id=self.ids.hex_id("r-"),
            instance_type=instance_type,
            image_id=image_id,
            state=state,
            list_groups=list_instance_groups,
            platform=platform,
            tags=self._tags(name, tags),
            launch=self._time(),
        )
        return ref

    # ----------------------------------------------------------------------------------------------
    # ECS.

    def ecs_cluster(self, name: str, *, tags: Mapping[str, str] | None = None) -> str:
        """An ECS cluster (created on first use by :meth:`fargate_service` otherwise); returns its ARN."""
        if name not in self._clusters:
            self._clusters[name] = _Cluster(name, self._arn("ecs", f"cluster/{name}"), self._tags(None, tags))
        return self._clusters[name].arn

    def task_definition(
        self,
        family: str,
        *,
        container_name: str | None = None,
        image: str | None = None,
        container_port: int | None = 8080,
        protocol: Literal["tcp", "udp"] = "tcp",
        env: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        cpu: str = "256",
        memory: str = "512",
        network_mode: Literal["awsvpc", "bridge", "host", "none"] = "awsvpc",
    ) -> TaskDefinitionRef:
        """Register a task definition revision (one container; its revision counts up per family).

        ``secrets`` maps a variable name to a Secrets Manager secret name or a full ARN.
        """
        revision = self._family_revisions.get(family, 0) + 1
        self._family_revisions[family] = revision
        arn = self._arn("ecs", f"task-definition/{family}:{revision}")
        ref = TaskDefinitionRef(
            arn=arn,
            family=family,
            revision=revision,
            container_name=container_name or family,
            container_port=container_port,
        )
        secret_refs = []
        for var, source in (secrets or {}).items():
            # A bare secret name becomes the ARN Secrets Manager would give it (random 6-char suffix).
            value_from = (
                source
                if source.startswith("arn:")
                else self._arn("secretsmanager", f"secret:{source}-{self.ids.alnum(6)}")
            )
            secret_refs.append((var, value_from))
        self._task_defs[arn] = _TaskDef(
            ref=ref,
            image=image or f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{family}:latest",
            protocol=protocol,
            env=list((env or {}).items()),
            secrets=secret_refs,
            cpu=cpu,
            memory=memory,
            network_mode=network_mode,
        )
        return ref

    def fargate_service(
        self,
        *,
        cluster: str,
        name: str,
        subnets: Sequence[SubnetRef],
        groups: Sequence[SecurityGroupRef] | None,
        tasks: int = 1,
        assign_public_ip: bool = False,
        container_port: int | None = 8080,
        env: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        image: str | None = None,
        task_definition: TaskDefinitionRef | None = None,
        task_groups: Sequence[SecurityGroupRef] | None = None,
        desired: int | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ServiceRef:
        """An ECS Fargate service (``awsvpc``) with ``tasks`` running tasks spread over ``subnets``.

        ``groups=None`` leaves ``securityGroups`` out of the network configuration, so tasks get the
        VPC's default group, as ECS does. ``task_groups`` gives the running tasks other groups than the
        service's current configuration: the service then shows a rollout in progress (PRIMARY with
        the new groups and no running tasks yet, ACTIVE with the old ones), the drift case.
        """
        if not subnets:
            raise EstateBuildError(f"service {cluster}/{name} needs at least one subnet")
        subs = [self._subnet(s) for s in subnets]
        vpc = subs[0].vpc
        if any(s.vpc is not vpc for s in subs):
            raise EstateBuildError(f"service {cluster}/{name}: all subnets must be in one VPC")
        if len(subs) > 16 or (groups is not None and len(groups) > 5):
            raise EstateBuildError(f"service {cluster}/{name}: awsvpc takes at most 16 subnets and 5 groups")
        self.ecs_cluster(cluster)
        c = self._clusters[cluster]
        if (cluster, name) in self._services:
            raise EstateBuildError(f"service {cluster}/{name} already exists")
        td_ref = task_definition or self.task_definition(
            name, image=image, container_port=container_port, env=env, secrets=secrets
        )
        td = self._task_defs[td_ref.arn]
        config_groups = self._group_ids(groups, vpc) if groups is not None else None
        running_groups = (
            self._group_ids(task_groups, vpc) if task_groups is not None else self._group_ids(groups, vpc)
        )
        subnet_ids = [s.ref.subnet_id for s in subs]
        primary = _Deployment(
            "ecs-svc/" + self.ids.digits("ecs-deployment", 19),
            "PRIMARY",
            subnet_ids,
            config_groups,
            assign_public_ip,
            tasks,
            td.ref.arn,
        )
        deployments = [primary]
        if task_groups is not None:
            old = _Deployment(
                "ecs-svc/" + self.ids.digits("ecs-deployment", 19),
                "ACTIVE",
                subnet_ids,
                running_groups,
                assign_public_ip,
                tasks,
                td.ref.arn,
            )
            primary.running = 0
            deployments.append(old)
        svc = _Service(
            ref=None,
            name=name,
            arn=self._arn("ecs", f"service/{cluster}/{name}"),
            cluster=c,
            task_def=td,
            deployments=deployments,
            load_balancers=[],
            desired=tasks if desired is None else desired,
            tags=self._tags(None, tags),
        )
        c.services.append(svc)
        self._services[(cluster, name)] = svc
        started_by = deployments[-1].deployment_id
        task_refs = []
        for index in range(tasks):
            s = subs[index % len(subs)]
            attachment_id = self.ids.uuid()
            eni = self._new_eni(
                s,
                list(running_groups),
                interface_type="interface",
                description=self._arn("ecs", f"attachment/{attachment_id}"),
                requester_id=_ECS_REQUESTER,
                requester_managed=True,
                attachment=self._attachment(None, _FARGATE_OWNER, 1, False),
                public=self._public(True, False) if assign_public_ip else None,
            )
            task_id = self.ids.hex_token("ecs-task", 32)
            ref = TaskRef(
                task_arn=self._arn("ecs", f"task/{cluster}/{task_id}"),
                task_id=task_id,
                attachment_id=attachment_id,
                eni=eni,
            )
            task = _Task(
                ref=ref,
                cluster=c,
                service=svc,
                group_ids=list(running_groups),
                started_by=started_by,
                az=s.ref.az,
            )
            svc.tasks.append(task)
            task_refs.append(ref)
        svc.ref = ServiceRef(
            cluster=cluster,
            name=name,
            arn=svc.arn,
            cluster_arn=c.arn,
            task_definition=td.ref,
            tasks=tuple(task_refs),
            subnet_ids=tuple(subnet_ids),
            group_ids=tuple(config_groups if config_groups is not None else [vpc.ref.default_group.group_id]),
        )
        return svc.ref

    # ----------------------------------------------------------------------------------------------
    # RDS.

    def db_subnet_group(
        self, name: str, subnets: Sequence[SubnetRef], *, description: str | None = None
    ) -> str:
        """A DB subnet group (needs subnets in at least two AZs, like RDS); returns its name."""
        if name in self._db_subnet_groups:
            raise EstateBuildError(f"DB subnet group {name} already exists")
        subs = [self._subnet(s) for s in subnets]
        if not subs or any(s.vpc is not subs[0].vpc for s in subs):
            raise EstateBuildError(f"DB subnet group {name} needs subnets of one VPC")
        if len({s.ref.az for s in subs}) < 2:
            raise EstateBuildError(f"DB subnet group {name} needs subnets in at least two availability zones")
        self._db_subnet_groups_by_subnets.setdefault(tuple(x.ref.subnet_id for x in subs), name)
        self._db_subnet_groups[name] = _DbSubnetGroup(
            name, description or f"{name} subnets", subs[0].vpc.ref.vpc_id, subs
        )
        return name

    def _resolve_subnet_group(
        self, identifier: str, subnets: Sequence[SubnetRef] | None, subnet_group: str | None
    ) -> _DbSubnetGroup:
        if subnet_group is not None:
            if subnet_group not in self._db_subnet_groups:
                raise EstateBuildError(f"DB subnet group {subnet_group} does not exist")
            return self._db_subnet_groups[subnet_group]
        if not subnets:
            raise EstateBuildError(f"DB {identifier} needs subnets or a subnet_group")
        # Reuse the group an earlier database made for the same subnets, as Terraform modules do.
        key = tuple(s.subnet_id for s in subnets)
        if key in self._db_subnet_groups_by_subnets:
            return self._db_subnet_groups[self._db_subnet_groups_by_subnets[key]]
        return self._db_subnet_groups[self.db_subnet_group(f"{identifier}-subnets", subnets)]

    def rds_instance(
        self,
        identifier: str,
        *,
        engine: str = "postgres",
        port: int | None = None,
        subnets: Sequence[SubnetRef] | None = None,
        subnet_group: str | None = None,
        groups: Sequence[SecurityGroupRef] | None = None,
        public: bool = False,
        placement: SubnetRef | None = None,
        instance_class: str = "db.t3.medium",
        engine_version: str | None = None,
        multi_az: bool = False,
        tags: Mapping[str, str] | None = None,
        _cluster: str | None = None,
    ) -> DbInstanceRef:
        """An RDS DB instance with its requester-managed interface in ``placement`` (default: the
        first subnet of its subnet group). ``port`` defaults to the engine's."""
        if identifier in self._db_instances:
            raise EstateBuildError(f"DB instance {identifier} already exists")
        group = self._resolve_subnet_group(identifier, subnets, subnet_group)
        vpc = self._vpcs[group.vpc_id]
        where = self._subnet(placement) if placement is not None else group.subnets[0]
        if where not in group.subnets:
            raise EstateBuildError(f"DB {identifier}: placement subnet is not in subnet group {group.name}")
        db_port = port or _ENGINE_PORTS.get(engine, 5432)
        group_ids = self._group_ids(groups, vpc)
        eni = self._new_eni(
            where,
            group_ids,
            description="RDSNetworkInterface",
            requester_id="amazon-rds",
            requester_managed=True,
            attachment=self._attachment(None, "amazon-rds", 1, False),
            public=self._public(True, False) if public else None,
            ipv6=False,
        )
        ref = DbInstanceRef(
            identifier=identifier,
            arn=self._arn("rds", f"db:{identifier}"),
            engine=engine,
            address=f"{identifier}.{self._rds_hash}.{self.region}.rds.amazonaws.com",
            port=db_port,
            eni=eni,
            subnet_ids=tuple(s.ref.subnet_id for s in group.subnets),
            group_ids=tuple(group_ids),
            cluster_id=_cluster,
        )
        self._db_instances[identifier] = _DbInstance(
            ref=ref,
            instance_class=instance_class,
            engine_version=engine_version or _ENGINE_VERSIONS.get(engine, "1.0"),
            subnet_group=group,
            public=public,
            az=where.ref.az,
            multi_az=multi_az,
            tags=self._tags(None, tags),
            resource_id="db-" + self.ids.alnum(26).upper(),
        )
        return ref

    def rds_cluster(
        self,
        identifier: str,
        *,
        engine: str = "aurora-postgresql",
        port: int | None = None,
        subnets: Sequence[SubnetRef] | None = None,
        subnet_group: str | None = None,
        groups: Sequence[SecurityGroupRef] | None = None,
        instances: int = 2,
        public: bool = False,
        instance_class: str = "db.r6g.large",
        tags: Mapping[str, str] | None = None,
    ) -> DbClusterRef:
        """An Aurora cluster with ``instances`` members spread over its subnet group's subnets."""
        if identifier in self._db_clusters:
            raise EstateBuildError(f"DB cluster {identifier} already exists")
        group = self._resolve_subnet_group(identifier, subnets, subnet_group)
        vpc = self._vpcs[group.vpc_id]
        group_ids = self._group_ids(groups, vpc)
        db_port = port or _ENGINE_PORTS.get(engine, 5432)
        members = []
        for index in range(instances):
            members.append(
                self.rds_instance(
                    f"{identifier}-instance-{index + 1}",
                    engine=engine,
                    port=db_port,
                    subnet_group=group.name,
                    groups=[self._groups[g].ref for g in group_ids],
                    public=public,
                    placement=group.subnets[index % len(group.subnets)].ref,
                    instance_class=instance_class,
                    tags=tags,
                    _cluster=identifier,
                )
            )
        ref = DbClusterRef(
            identifier=identifier,
            arn=self._arn("rds", f"cluster:{identifier}"),
            engine=engine,
            endpoint=f"{identifier}.cluster-{self._rds_hash}.{self.region}.rds.amazonaws.com",
            reader_endpoint=f"{identifier}.cluster-ro-{self._rds_hash}.{self.region}.rds.amazonaws.com",
            port=db_port,
            instances=tuple(members),
        )
        self._db_clusters[identifier] = _DbCluster(
            ref=ref,
            engine_version=_ENGINE_VERSIONS.get(engine, "1.0"),
            subnet_group=group,
            group_ids=group_ids,
            public=public,
            tags=self._tags(None, tags),
            resource_id="cluster-" + self.ids.alnum(26).upper(),
        )
        return ref

    # ----------------------------------------------------------------------------------------------
    # Load balancers.

    def load_balancer(
        self,
        name: str,
        *,
        subnets: Sequence[SubnetRef],
        groups: Sequence[SecurityGroupRef] | None = None,
        kind: Literal["application", "network"] = "application",
        scheme: Literal["internet-facing", "internal"] = "internet-facing",
        ip_address_type: Literal["ipv4", "dualstack"] = "ipv4",
        tags: Mapping[str, str] | None = None,
    ) -> LoadBalancerRef:
        """An ALB or NLB with one requester-managed interface per subnet (one subnet per AZ).

        An NLB without ``groups`` has no security groups at all, as NLBs created before 2023 do.
        """
        if name in self._lb_names:
            raise EstateBuildError(f"load balancer {name} already exists")
        subs = [self._subnet(s) for s in subnets]
        if not subs or any(s.vpc is not subs[0].vpc for s in subs):
            raise EstateBuildError(f"load balancer {name} needs subnets of one VPC")
        if len({s.ref.az for s in subs}) != len(subs):
            raise EstateBuildError(f"load balancer {name}: one subnet per availability zone")
        if kind == "application" and len(subs) < 2:
            raise EstateBuildError(f"application load balancer {name} needs subnets in at least two AZs")
        vpc = subs[0].vpc
        group_ids = self._group_ids(groups, vpc) if (groups or kind == "application") else []
        lb_id = self.ids.hex_token("elb", 16)
        short = "app" if kind == "application" else "net"
        arn = self._arn("elasticloadbalancing", f"loadbalancer/{short}/{name}/{lb_id}")
        dns_prefix = "" if scheme == "internet-facing" else "internal-"
        suffix = self.ids.digits("elb-dns", 10) if kind == "application" else lb_id
        # ALBs: name-1234567890.<region>.elb.amazonaws.com; NLBs: name-<id>.elb.<region>.amazonaws.com.
        if kind == "application":
            dns = f"{dns_prefix}{name}-{suffix}.{self.region}.elb.amazonaws.com"
        else:
            dns = f"{dns_prefix}{name}-{suffix}.elb.{self.region}.amazonaws.com"
        enis = []
        for s in subs:
            enis.append(
                self._new_eni(
                    s,
                    list(group_ids),
                    interface_type="interface" if kind == "application" else "network_load_balancer",
                    description=f"ELB {short}/{name}/{lb_id}",
                    requester_id="amazon-elb",
                    requester_managed=True,
                    attachment=self._attachment(None, "amazon-elb", 1, False, "ela-attach-"),
                    public=_PublicIp(self.ids.public_ipv4(), "amazon-elb")
                    if scheme == "internet-facing"
                    else None,
                    ipv6=ip_address_type == "dualstack" and s.ipv6_net is not None,
                )
            )
        ref = LoadBalancerRef(
            name=name,
            arn=arn,
            lb_id=lb_id,
            kind=kind,
            scheme=scheme,
            dns_name=dns,
            vpc_id=vpc.ref.vpc_id,
            enis=tuple(enis),
            group_ids=tuple(group_ids),
        )
        self._lb_names.add(name)
        self._lbs[arn] = _LoadBalancer(
            ref=ref, subnets=subs, ip_address_type=ip_address_type, tags=self._tags(None, tags)
        )
        return ref

    def alb(
        self,
        name: str,
        *,
        subnets: Sequence[SubnetRef],
        groups: Sequence[SecurityGroupRef],
        scheme: Literal["internet-facing", "internal"] = "internet-facing",
        ip_address_type: Literal["ipv4", "dualstack"] = "ipv4",
        targets: ServiceRef | Sequence[InstanceRef | EniRef | str] | None = None,
        target_port: int | None = None,
        listener_port: int | None = None,
        listener_protocol: Literal["HTTP", "HTTPS"] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoadBalancerRef:
        """An application load balancer, optionally with a target group for ``targets`` and a
        listener on ``listener_port`` forwarding to it (HTTPS when the port is 443)."""
        lb = self.load_balancer(
            name,
            subnets=subnets,
            groups=groups,
            kind="application",
            scheme=scheme,
            ip_address_type=ip_address_type,
            tags=tags,
        )
        if targets is None:
            return lb
        tg = self.target_group(f"{name}-tg", lb.vpc_id, port=target_port, targets=targets)
        tgs = (tg,)
        listeners: tuple[ListenerRef, ...] = ()
        if listener_port is not None:
            protocol = listener_protocol or ("HTTPS" if listener_port == 443 else "HTTP")
            listeners = (self.listener(lb, listener_port, protocol, forward=tg),)
        return lb.model_copy(update={"target_groups": tgs, "listeners": listeners})

    def nlb(
        self,
        name: str,
        *,
        subnets: Sequence[SubnetRef],
        groups: Sequence[SecurityGroupRef] | None = None,
        scheme: Literal["internet-facing", "internal"] = "internal",
        tags: Mapping[str, str] | None = None,
    ) -> LoadBalancerRef:
        """A network load balancer (security groups optional)."""
        return self.load_balancer(
            name, subnets=subnets, groups=groups, kind="network", scheme=scheme, tags=tags
        )

    def target_group(
        self,
        name: str,
        vpc: VpcRef | str,
        *,
        port: int | None = None,
        protocol: str = "HTTP",
        targets: ServiceRef | Sequence[InstanceRef | EniRef | str] | None = None,
        health: Literal["healthy", "unhealthy", "initial", "draining"] = "healthy",
        health_check_path: str = "/health",
    ) -> TargetGroupRef:
        """A target group. A service as ``targets`` registers its tasks' IPs on the container port and
        links the service to the group (its ``loadBalancers``); instances register as instance
        targets; interfaces and bare IPs as IP targets."""
        v = self._vpc(vpc)
        if name in self._tg_names:
            raise EstateBuildError(f"target group {name} already exists")
        target_list: list[tuple[str, int, str | None, str]] = []
        target_type: Literal["ip", "instance"] = "ip"
        svc: _Service | None = None
        if isinstance(targets, ServiceRef):
            svc = self._service(targets)
            tport = port or targets.container_port or 80
            for t in svc.tasks:
                target_list.append((t.ref.eni.private_ip, tport, t.az, health))
        elif targets:
            tport = port or 80
            for item in targets:
                if isinstance(item, InstanceRef):
                    target_type = "instance"
                    target_list.append((item.instance_id, tport, None, health))
                elif isinstance(item, EniRef):
                    target_list.append((item.private_ip, tport, self._subnets[item.subnet_id].ref.az, health))
                else:
                    target_list.append((item, tport, "all", health))
        else:
            tport = port or 80
        tg_id = self.ids.hex_token("tg", 16)
        ref = TargetGroupRef(
            name=name,
            arn=self._arn("elasticloadbalancing", f"targetgroup/{name}/{tg_id}"),
            port=tport,
            protocol=protocol,
            target_type=target_type,
        )
        self._tg_names.add(name)
        self._target_groups[ref.arn] = _TargetGroup(
            ref=ref, vpc_id=v.ref.vpc_id, targets=target_list, health_path=health_check_path
        )
        if svc is not None:
            svc.load_balancers.append((ref.arn, svc.task_def.ref.container_name, tport))
        return ref

    def listener(
        self,
        lb: LoadBalancerRef,
        port: int,
        protocol: str = "HTTP",
        *,
        forward: TargetGroupRef | None = None,
        redirect_port: int | None = None,
    ) -> ListenerRef:
        """A listener on ``lb`` that forwards to ``forward`` or redirects to ``redirect_port``."""
        if (forward is None) == (redirect_port is None):
            raise EstateBuildError("a listener needs exactly one of forward and redirect_port")
        arn = f"{lb.arn.replace(':loadbalancer/', ':listener/')}/{self.ids.hex_token('listener', 16)}"
        ref = ListenerRef(arn=arn, port=port, protocol=protocol)
        cert = self._arn("acm", f"certificate/{self.ids.uuid()}") if protocol in ("HTTPS", "TLS") else None
        self._listeners.append(_Listener(ref, lb.arn, forward.arn if forward else None, redirect_port, cert))
        return ref

    def _service(self, ref: ServiceRef) -> _Service:
        svc = self._services.get((ref.cluster, ref.name))
        if svc is not None:
            return svc
        raise EstateBuildError(f"service {ref.cluster}/{ref.name} is not part of this estate")

    # ----------------------------------------------------------------------------------------------
    # Lambda.

    def lambda_function(
        self,
        name: str,
        *,
        subnets: Sequence[SubnetRef] = (),
        groups: Sequence[SecurityGroupRef] | None = None,
        runtime: str = "python3.12",
        handler: str = "app.handler",
        memory: int = 256,
        timeout: int = 30,
        env: Mapping[str, str] | None = None,
        ipv6: bool = False,
    ) -> LambdaRef:
        """A Lambda function, in a VPC when ``subnets`` are given.

        Lambda's Hyperplane interfaces are shared by every function with the same subnet and group
        set, so a second function with the same configuration adds no interface.
        """
        if name in self._functions:
            raise EstateBuildError(f"function {name} already exists")
        enis: list[EniRef] = []
        group_ids: list[str] = []
        vpc_id = None
        if subnets:
            subs = [self._subnet(s) for s in subnets]
            vpc = subs[0].vpc
            vpc_id = vpc.ref.vpc_id
            group_ids = self._group_ids(groups, vpc)
            key_groups = tuple(sorted(group_ids))
            for s in subs:
                key = (s.ref.subnet_id, key_groups)
                shared = self._lambda_enis.get(key)
                if shared is None:
                    shared = self._new_eni(
                        s,
                        list(group_ids),
                        interface_type="lambda",
                        description=f"AWS Lambda VPC ENI-{name}-{self.ids.uuid()}",
                        requester_id=_LAMBDA_REQUESTER,
                        requester_managed=True,
                        attachment=self._attachment(None, "amazon-aws", 1, False, "ela-attach-"),
                        ipv6=ipv6 and s.ipv6_net is not None,
                    )
                    self._lambda_enis[key] = shared
                enis.append(shared)
        ref = LambdaRef(
            name=name,
            arn=self._arn("lambda", f"function:{name}"),
            enis=tuple(enis),
            group_ids=tuple(group_ids),
        )
        self._functions[name] = _Function(
            ref=ref,
            runtime=runtime,
            handler=handler,
            memory=memory,
            timeout=timeout,
            subnet_ids=[s.subnet_id for s in subnets],
            vpc_id=vpc_id,
            env=dict(env or {}),
            role=f"arn:aws:iam::{self.account}:role/{name}-role",
            code_sha=self.ids.sha256_b64(),
            revision=self.ids.uuid(),
            ipv6=ipv6,
        )
        return ref

    # ----------------------------------------------------------------------------------------------
    # Rendering.

    def documents(self) -> dict[str, list[Json]]:
        """The whole estate as raw AWS JSON: top-level key -> merged list of items."""
        docs: dict[str, list[Json]] = {
            "Vpcs": [self._render_vpc(v) for v in self._vpcs.values()],
            "Subnets": [self._render_subnet(s) for s in self._subnets.values()],
            "SecurityGroups": [self._render_group(g) for g in self._groups.values()],
            "SecurityGroupRules": [
                self._render_rule(g, egress, perm, peer)
                for g in self._groups.values()
                for egress, perm, peer in g.rules
            ],
            "NetworkInterfaces": [self._render_eni(e) for e in self._enis.values()],
            "Reservations": [self._render_reservation(i) for i in self._instances.values()],
            "RouteTables": self._render_route_tables(),
            "NetworkAcls": self._render_nacls(),
            "InternetGateways": [
                {
                    "Attachments": [{"State": "available", "VpcId": ref.vpc_id}],
                    "InternetGatewayId": ref.igw_id,
                    "OwnerId": self.account,
                    "Tags": _tag_list(tags),
                }
                for ref, tags in self._igws.values()
            ],
            "EgressOnlyInternetGateways": [
                {
                    "Attachments": [{"State": "attached", "VpcId": ref.vpc_id}],
                    "EgressOnlyInternetGatewayId": ref.eigw_id,
                    "Tags": _tag_list(tags),
                }
                for ref, tags in self._eigws.values()
            ],
            "NatGateways": [self._render_nat(*n) for n in self._nats.values()],
            "VpcPeeringConnections": [self._render_peering(p) for p in self._peerings.values()],
            "VpcEndpoints": [self._render_endpoint(e) for e in self._endpoints.values()],
            "PrefixLists": [self._render_prefix_list(p) for p in self._prefix_lists.values()],
            "clusters": [self._render_cluster(c) for c in self._clusters.values()],
            "services": [self._render_service(s) for c in self._clusters.values() for s in c.services],
            "tasks": [
                self._render_task(t) for c in self._clusters.values() for s in c.services for t in s.tasks
            ],
            "taskDefinitions": [self._render_task_def(t) for t in self._task_defs.values()],
            "DBInstances": [self._render_db(d) for d in self._db_instances.values()],
            "DBClusters": [self._render_db_cluster(d) for d in self._db_clusters.values()],
            "DBSubnetGroups": [self._render_db_subnet_group(g) for g in self._db_subnet_groups.values()],
            "LoadBalancers": [self._render_lb(lb) for lb in self._lbs.values()],
            "TargetGroups": self._render_target_groups(),
            "TargetHealth": [self._render_target_health(t) for t in self._target_groups.values()],
            "Listeners": [self._render_listener(li) for li in self._listeners],
            "Functions": [self._render_function(f) for f in self._functions.values()],
        }
        return {k: docs[k] for k in DOCUMENT_KEYS}

    def _render_vpc(self, v: _Vpc) -> Json:
        out: Json = {
            "OwnerId": self.account,
            "InstanceTenancy": "default",
            "CidrBlockAssociationSet": [
                {"AssociationId": a, "CidrBlock": c, "CidrBlockState": {"State": "associated"}}
                for a, c in zip(v.cidr_assoc_ids, v.ref.cidrs, strict=True)
            ],
            "IsDefault": v.is_default,
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
            "VpcId": v.ref.vpc_id,
            "State": "available",
            "CidrBlock": v.ref.cidr,
            "DhcpOptionsId": v.dhcp_id,
        }
        if v.ref.ipv6_cidr:
            out["Ipv6CidrBlockAssociationSet"] = [
                {
                    "AssociationId": v.ipv6_assoc_id,
                    "Ipv6CidrBlock": v.ref.ipv6_cidr,
                    "Ipv6CidrBlockState": {"State": "associated"},
                    "NetworkBorderGroup": self.region,
                    "Ipv6Pool": "Amazon",
                    "Ipv6AddressAttribute": "public",
                    "IpSource": "amazon",
                }
            ]
        if v.tags:
            out["Tags"] = _tag_list(v.tags)
        return out

    def _render_subnet(self, s: _Subnet) -> Json:
        out: Json = {
            "AvailabilityZoneId": _az_id(self.region, s.ref.az),
            "MapCustomerOwnedIpOnLaunch": False,
            "OwnerId": self.account,
            "AssignIpv6AddressOnCreation": s.assign_ipv6,
            "Ipv6CidrBlockAssociationSet": [],
            "SubnetArn": self._arn("ec2", f"subnet/{s.ref.subnet_id}"),
            "EnableDns64": False,
            "Ipv6Native": False,
            "PrivateDnsNameOptionsOnLaunch": {
                "HostnameType": "ip-name",
                "EnableResourceNameDnsARecord": False,
                "EnableResourceNameDnsAAAARecord": False,
            },
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
            "SubnetId": s.ref.subnet_id,
            "State": "available",
            "VpcId": s.vpc.ref.vpc_id,
            "CidrBlock": s.ref.cidr,
            "AvailableIpAddressCount": s.size - 5 - len(s.used),
            "AvailabilityZone": s.ref.az,
            "DefaultForAz": False,
            "MapPublicIpOnLaunch": s.map_public,
        }
        if s.ref.ipv6_cidr:
            out["Ipv6CidrBlockAssociationSet"] = [
                {
                    "AssociationId": s.ipv6_assoc_id,
                    "Ipv6CidrBlock": s.ref.ipv6_cidr,
                    "Ipv6CidrBlockState": {"State": "associated"},
                    "Ipv6AddressAttribute": "public",
                    "IpSource": "amazon",
                }
            ]
        if s.tags:
            out["Tags"] = _tag_list(s.tags)
        return out

    @staticmethod
    def _render_permission(perm: _Permission) -> Json:
        out: Json = {"IpProtocol": perm.protocol}
        if perm.from_port is not None:
            out["FromPort"] = perm.from_port
            out["ToPort"] = perm.to_port
        pairs: list[Json] = []
        v4: list[Json] = []
        v6: list[Json] = []
        pls: list[Json] = []
        for p in perm.peers:
            item: Json
            if p.kind == "sg":
                item = {"UserId": p.user_id, "GroupId": p.value}
                if p.vpc_id:
                    item["VpcId"] = p.vpc_id
                if p.pcx_id:
                    item["VpcPeeringConnectionId"] = p.pcx_id
                    item["PeeringStatus"] = p.peering_status
                target = pairs
            elif p.kind == "cidr4":
                item, target = {"CidrIp": p.value}, v4
            elif p.kind == "cidr6":
                item, target = {"CidrIpv6": p.value}, v6
            else:
                item, target = {"PrefixListId": p.value}, pls
            if p.description:
                item["Description"] = p.description
            target.append(item)
        out["UserIdGroupPairs"] = pairs
        out["IpRanges"] = v4
        out["Ipv6Ranges"] = v6
        out["PrefixListIds"] = pls
        return out

    def _render_group(self, g: _Group) -> Json:
        out: Json = {
            "GroupId": g.ref.group_id,
            "IpPermissionsEgress": [self._render_permission(p) for p in g.egress.values() if p.peers],
            "VpcId": g.ref.vpc_id,
            "SecurityGroupArn": self._arn("ec2", f"security-group/{g.ref.group_id}"),
            "OwnerId": self.account,
            "GroupName": g.ref.name,
            "Description": g.description,
            "IpPermissions": [self._render_permission(p) for p in g.ingress.values() if p.peers],
        }
        if g.tags:
            out["Tags"] = _tag_list(g.tags)
        return out

    def _render_rule(self, g: _Group, egress: bool, perm: _Permission, peer: _Peer) -> Json:
        out: Json = {
            "SecurityGroupRuleId": peer.rule_id,
            "GroupId": g.ref.group_id,
            "GroupOwnerId": self.account,
            "IsEgress": egress,
            "IpProtocol": perm.protocol,
            "FromPort": -1 if perm.from_port is None else perm.from_port,
            "ToPort": -1 if perm.to_port is None else perm.to_port,
        }
        if peer.kind == "cidr4":
            out["CidrIpv4"] = peer.value
        elif peer.kind == "cidr6":
            out["CidrIpv6"] = peer.value
        elif peer.kind == "pl":
            out["PrefixListId"] = peer.value
        else:
            info: Json = {"GroupId": peer.value, "UserId": peer.user_id}
            if peer.vpc_id:
                info["VpcId"] = peer.vpc_id
            if peer.pcx_id:
                info["VpcPeeringConnectionId"] = peer.pcx_id
                info["PeeringStatus"] = peer.peering_status
            out["ReferencedGroupInfo"] = info
        if peer.description:
            out["Description"] = peer.description
        out["Tags"] = []
        out["SecurityGroupRuleArn"] = self._arn("ec2", f"security-group-rule/{peer.rule_id}")
        return out

    def _association(self, pub: _PublicIp) -> Json:
        out: Json = {"IpOwnerId": pub.owner, "PublicDnsName": self._public_dns(pub.ip), "PublicIp": pub.ip}
        if pub.allocation_id:
            out = {"AllocationId": pub.allocation_id, "AssociationId": pub.association_id, **out}
        return out

    def _group_identifiers(self, group_ids: Iterable[str]) -> list[Json]:
        return [{"GroupId": g, "GroupName": self._groups[g].ref.name} for g in group_ids]

    def _render_eni(self, e: _Eni) -> Json:
        out: Json = {}
        if e.public:
            out["Association"] = self._association(e.public)
        if e.attachment:
            a = e.attachment
            att: Json = {
                "AttachTime": _ts(a.time),
                "AttachmentId": a.attachment_id,
                "DeleteOnTermination": a.delete_on_termination,
                "DeviceIndex": a.device_index,
                "NetworkCardIndex": 0,
            }
            if a.instance_id:
                att["InstanceId"] = a.instance_id
            att["InstanceOwnerId"] = a.instance_owner_id
            att["Status"] = "attached"
            out["Attachment"] = att
        out.update(
            {
                "AvailabilityZone": e.subnet.ref.az,
                "AvailabilityZoneId": _az_id(self.region, e.subnet.ref.az),
                "ConnectionTrackingConfiguration": {
                    "TcpEstablishedTimeout": 432000,
                    "UdpStreamTimeout": 180,
                    "UdpTimeout": 30,
                },
                "Description": e.description,
                "Groups": self._group_identifiers(e.group_ids),
                "InterfaceType": e.interface_type,
                "Ipv6Addresses": [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in e.ipv6],
                "MacAddress": e.mac,
                "NetworkInterfaceId": e.ref.eni_id,
                "OwnerId": self.account,
                "PrivateDnsName": self._private_dns(e.private_ips[0]),
                "PrivateIpAddress": e.private_ips[0],
                "PrivateIpAddresses": self._private_ip_list(e),
            }
        )
        if e.ipv4_prefixes:
            out["Ipv4Prefixes"] = [{"Ipv4Prefix": p} for p in e.ipv4_prefixes]
        if e.requester_id:
            out["RequesterId"] = e.requester_id
        out.update(
            {
                "RequesterManaged": e.requester_managed,
                "SourceDestCheck": e.source_dest_check,
                "Status": e.status,
                "SubnetId": e.subnet.ref.subnet_id,
                "TagSet": _tag_list(e.tags),
                "VpcId": e.subnet.vpc.ref.vpc_id,
                "DenyAllIgwTraffic": False,
                "Ipv6Native": False,
                "Operator": {"Managed": False},
            }
        )
        return out

    def _private_ip_list(self, e: _Eni, *, instance_view: bool = False) -> list[Json]:
        items = []
        for index, ip in enumerate(e.private_ips):
            item: Json = {}
            if index == 0 and e.public:
                # describe-instances prints the association without the Elastic IP ids.
                association = self._association(e.public)
                if instance_view:
                    association = {k: v for k, v in association.items() if k not in _EIP_KEYS}
                item["Association"] = association
            item.update(
                {"Primary": index == 0, "PrivateDnsName": self._private_dns(ip), "PrivateIpAddress": ip}
            )
            items.append(item)
        return items

    def _render_reservation(self, i: _Instance) -> Json:
        enis = [self._enis[e.eni_id] for e in i.ref.enis]
        primary = enis[0]
        all_groups = list(dict.fromkeys(g for e in enis for g in e.group_ids))
        interfaces = []
        for e in enis:
            a = e.attachment
            assert a is not None  # instance interfaces are always attached
            item: Json = {}
            if e.public:
                item["Association"] = {
                    "IpOwnerId": e.public.owner,
                    "PublicDnsName": self._public_dns(e.public.ip),
                    "PublicIp": e.public.ip,
                }
            item.update(
                {
                    "Attachment": {
                        "AttachTime": _ts(a.time),
                        "AttachmentId": a.attachment_id,
                        "DeleteOnTermination": a.delete_on_termination,
                        "DeviceIndex": a.device_index,
                        "Status": "attached",
                        "NetworkCardIndex": 0,
                    },
                    "Description": e.description,
                    "Groups": self._group_identifiers(e.group_ids),
                    "Ipv6Addresses": [{"Ipv6Address": x} for x in e.ipv6],
                    "MacAddress": e.mac,
                    "NetworkInterfaceId": e.ref.eni_id,
                    "OwnerId": self.account,
                    "PrivateDnsName": self._private_dns(e.private_ips[0]),
                    "PrivateIpAddress": e.private_ips[0],
                    "PrivateIpAddresses": self._private_ip_list(e, instance_view=True),
                    "SourceDestCheck": e.source_dest_check,
                    "Status": "in-use",
                    "SubnetId": e.subnet.ref.subnet_id,
                    "VpcId": e.subnet.vpc.ref.vpc_id,
                    "InterfaceType": "interface",
                }
            )
            interfaces.append(item)
        running = i.state == "running"
        inst: Json = {
            "AmiLaunchIndex": 0,
            "ImageId": i.image_id,
            "InstanceId": i.ref.instance_id,
            "InstanceType": i.instance_type,
            "LaunchTime": _ts(i.launch),
            "Monitoring": {"State": "disabled"},
            "Placement": {"AvailabilityZone": primary.subnet.ref.az, "GroupName": "", "Tenancy": "default"},
            "PrivateDnsName": self._private_dns(primary.private_ips[0]),
            "PrivateIpAddress": primary.private_ips[0],
            "ProductCodes": [],
            "PublicDnsName": self._public_dns(primary.public.ip) if primary.public else "",
            "State": {"Code": 16, "Name": "running"} if running else {"Code": 80, "Name": "stopped"},
            "StateTransitionReason": "" if running else "User initiated",
            "SubnetId": primary.subnet.ref.subnet_id,
            "VpcId": primary.subnet.vpc.ref.vpc_id,
            "Architecture": "x86_64",
            "BlockDeviceMappings": [],
            "ClientToken": "",
            "EbsOptimized": False,
            "EnaSupport": True,
            "Hypervisor": "xen",
            "NetworkInterfaces": interfaces,
            "RootDeviceName": "/dev/xvda",
            "RootDeviceType": "ebs",
            "SecurityGroups": self._group_identifiers(all_groups) if i.list_groups else [],
            "SourceDestCheck": primary.source_dest_check,
            "VirtualizationType": "hvm",
            "PlatformDetails": "Windows" if i.platform else "Linux/UNIX",
        }
        if primary.public:
            inst["PublicIpAddress"] = primary.public.ip
        if i.platform:
            inst["Platform"] = i.platform
        if i.tags:
            inst["Tags"] = _tag_list(i.tags)
        return {"ReservationId": i.reservation_id, "OwnerId": self.account, "Groups": [], "Instances": [inst]}

    def _route_json(self, r: _Route) -> Json:
        out: Json = {}
        if r.dest_kind == "cidr4":
            out["DestinationCidrBlock"] = r.dest
        elif r.dest_kind == "cidr6":
            out["DestinationIpv6CidrBlock"] = r.dest
        else:
            out["DestinationPrefixListId"] = r.dest
        if r.instance_id:
            out["InstanceId"] = r.instance_id
            out["InstanceOwnerId"] = self.account
        out[r.target_field] = r.target
        out["Origin"] = r.origin
        out["State"] = r.state
        return out

    def _render_route_tables(self) -> list[Json]:
        by_table: dict[str, list[tuple[str, str]]] = {}
        for subnet_id, (rtb_id, assoc_id) in self._subnet_rtb.items():
            by_table.setdefault(rtb_id, []).append((subnet_id, assoc_id))
        out = []
        for rt in self._route_tables.values():
            assocs: list[Json] = []
            if rt.main:
                assocs.append(
                    {
                        "Main": True,
                        "RouteTableAssociationId": rt.main_assoc_id,
                        "RouteTableId": rt.ref.route_table_id,
                        "AssociationState": {"State": "associated"},
                    }
                )
            for subnet_id, assoc_id in by_table.get(rt.ref.route_table_id, []):
                assocs.append(
                    {
                        "Main": False,
                        "RouteTableAssociationId": assoc_id,
                        "RouteTableId": rt.ref.route_table_id,
                        "SubnetId": subnet_id,
                        "AssociationState": {"State": "associated"},
                    }
                )
            item: Json = {
                "Associations": assocs,
                "PropagatingVgws": [],
                "RouteTableId": rt.ref.route_table_id,
                "Routes": [self._route_json(r) for r in rt.routes],
                "Tags": _tag_list(rt.tags),
                "VpcId": rt.ref.vpc_id,
                "OwnerId": self.account,
            }
            out.append(item)
        return out

    @staticmethod
    def _nacl_entry(e: NaclEntry) -> Json:
        proto = _normalise_protocol(e.protocol)
        number = _PROTO_NUMBERS.get(proto, proto)
        out: Json = {}
        if e.cidr is not None:
            out["CidrBlock"] = _canonical(e.cidr)
        out["Egress"] = e.direction == "egress"
        if e.cidr6 is not None:
            out["Ipv6CidrBlock"] = _canonical(e.cidr6)
        if proto in ("icmp", "icmpv6"):
            t, c = e.icmp or (-1, -1)
            out["IcmpTypeCode"] = {"Code": c, "Type": t}
        if proto in ("tcp", "udp"):
            lo, hi = e.ports or (0, 65535)
            out["PortRange"] = {"From": lo, "To": hi}
        out["Protocol"] = number
        out["RuleAction"] = e.action
        out["RuleNumber"] = e.number
        return out

    def _render_nacls(self) -> list[Json]:
        by_acl: dict[str, list[tuple[str, str]]] = {}
        for subnet_id, (acl_id, assoc_id) in self._subnet_nacl.items():
            by_acl.setdefault(acl_id, []).append((subnet_id, assoc_id))
        out = []
        for n in self._nacls.values():
            entries = [self._nacl_entry(e) for e in n.entries]
            # The implicit '*' deny rules, which AWS prints with numbers 32767 (IPv4) and 32768 (IPv6).
            for egress in (True, False):
                entries.append(
                    {
                        "CidrBlock": "0.0.0.0/0",
                        "Egress": egress,
                        "Protocol": "-1",
                        "RuleAction": "deny",
                        "RuleNumber": 32767,
                    }
                )
                if n.ipv6:
                    entries.append(
                        {
                            "Egress": egress,
                            "Ipv6CidrBlock": "::/0",
                            "Protocol": "-1",
                            "RuleAction": "deny",
                            "RuleNumber": 32768,
                        }
                    )
            # AWS lists egress entries first, each direction by rule number.
            entries.sort(key=lambda x: (not x["Egress"], x["RuleNumber"]))
            out.append(
                {
                    "Associations": [
                        {"NetworkAclAssociationId": a, "NetworkAclId": n.ref.network_acl_id, "SubnetId": s}
                        for s, a in by_acl.get(n.ref.network_acl_id, [])
                    ],
                    "Entries": entries,
                    "IsDefault": n.is_default,
                    "NetworkAclId": n.ref.network_acl_id,
                    "Tags": _tag_list(n.tags),
                    "VpcId": n.ref.vpc_id,
                    "OwnerId": self.account,
                }
            )
        return out

    def _render_nat(
        self, ref: NatGatewayRef, connectivity: str, tags: dict[str, str], created: datetime
    ) -> Json:
        e = self._enis[ref.eni.eni_id]
        addr: Json = {
            "NetworkInterfaceId": ref.eni.eni_id,
            "PrivateIp": ref.eni.private_ip,
            "IsPrimary": True,
            "Status": "succeeded",
        }
        if e.public:
            addr = {
                "AllocationId": e.public.allocation_id,
                **addr,
                "PublicIp": e.public.ip,
                "AssociationId": e.public.association_id,
            }
        return {
            "CreateTime": _ts(created),
            "NatGatewayAddresses": [addr],
            "NatGatewayId": ref.nat_id,
            "State": "available",
            "SubnetId": ref.subnet_id,
            "VpcId": ref.vpc_id,
            "Tags": _tag_list(tags),
            "ConnectivityType": connectivity,
        }

    def _vpc_info(self, v: VpcRef) -> Json:
        out: Json = {
            "CidrBlock": v.cidr,
            "CidrBlockSet": [{"CidrBlock": c} for c in v.cidrs],
            "OwnerId": v.account,
            "PeeringOptions": {
                "AllowDnsResolutionFromRemoteVpc": False,
                "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
                "AllowEgressFromLocalVpcToRemoteClassicLink": False,
            },
            "VpcId": v.vpc_id,
            "Region": v.region,
        }
        if v.ipv6_cidr:
            out["Ipv6CidrBlockSet"] = [{"Ipv6CidrBlock": v.ipv6_cidr}]
        return out

    def _render_peering(self, p: _Peering) -> Json:
        messages = {
            "active": "Active",
            "pending-acceptance": "Pending Acceptance by " + p.accepter.account,
            "deleted": "Deleted by " + p.requester.account,
        }
        return {
            "AccepterVpcInfo": self._vpc_info(p.accepter),
            "RequesterVpcInfo": self._vpc_info(p.requester),
            "Status": {"Code": p.ref.status, "Message": messages.get(p.ref.status, p.ref.status)},
            "Tags": _tag_list(p.tags),
            "VpcPeeringConnectionId": p.ref.pcx_id,
        }

    def _render_endpoint(self, e: _Endpoint) -> Json:
        gateway = e.ref.endpoint_type == "Gateway"
        short_service = e.ref.service_name.split(".", 3)[-1]
        policy = (
            '{"Version":"2008-10-17","Statement":'
            '[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
        )
        out: Json = {
            "VpcEndpointId": e.ref.vpce_id,
            "VpcEndpointType": e.ref.endpoint_type,
            "VpcId": e.ref.vpc_id,
            "ServiceName": e.ref.service_name,
            "State": "available",
            "PolicyDocument": policy,
            "RouteTableIds": e.route_table_ids,
            "SubnetIds": e.subnet_ids,
            "Groups": self._group_identifiers(e.group_ids),
            "IpAddressType": "ipv4",
            "PrivateDnsEnabled": not gateway,
            "RequesterManaged": False,
            "NetworkInterfaceIds": [x.eni_id for x in e.ref.enis],
            "DnsEntries": []
            if gateway
            else [{"DnsName": f"{e.ref.vpce_id}.{short_service}.{self.region}.vpce.amazonaws.com"}],
            "CreationTimestamp": _ts_us(self.now - timedelta(days=30)),
            "Tags": _tag_list(e.tags),
            "OwnerId": self.account,
        }
        if not gateway:
            out["DnsOptions"] = {"DnsRecordIpType": "ipv4"}
        return out

    def _render_prefix_list(self, p: _PrefixList) -> Json:
        owner_part = "aws" if p.owner == "AWS" else self.account
        out: Json = {
            "PrefixListId": p.ref.prefix_list_id,
            "AddressFamily": p.ref.address_family,
            "State": "create-complete",
            "PrefixListArn": f"arn:aws:ec2:{self.region}:{owner_part}:prefix-list/{p.ref.prefix_list_id}",
            "PrefixListName": p.ref.name,
            "MaxEntries": p.max_entries,
            "Version": 1,
            "Tags": _tag_list(p.tags),
            "OwnerId": p.owner,
        }
        if p.readable:
            out["Entries"] = [{"Cidr": c} for c in p.ref.cidrs]
        return out

    def _render_cluster(self, c: _Cluster) -> Json:
        running = sum(len(s.tasks) for s in c.services)
        return {
            "clusterArn": c.arn,
            "clusterName": c.name,
            "status": "ACTIVE",
            "registeredContainerInstancesCount": 0,
            "runningTasksCount": running,
            "pendingTasksCount": 0,
            "activeServicesCount": len(c.services),
            "statistics": [],
            "tags": _ecs_tags(c.tags),
            "settings": [{"name": "containerInsights", "value": "disabled"}],
            "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
            "defaultCapacityProviderStrategy": [],
        }

    @staticmethod
    def _awsvpc(subnets: list[str], groups: list[str] | None, public: bool) -> Json:
        config: Json = {"subnets": subnets}
        if groups is not None:
            config["securityGroups"] = groups
        config["assignPublicIp"] = "ENABLED" if public else "DISABLED"
        return {"awsvpcConfiguration": config}

    def _render_service(self, s: _Service) -> Json:
        created = self.now - timedelta(days=20)
        primary = s.deployments[0]
        return {
            "serviceArn": s.arn,
            "serviceName": s.name,
            "clusterArn": s.cluster.arn,
            "loadBalancers": [
                {"targetGroupArn": a, "containerName": n, "containerPort": p} for a, n, p in s.load_balancers
            ],
            "serviceRegistries": [],
            "status": "ACTIVE",
            "desiredCount": s.desired,
            "runningCount": len(s.tasks),
            "pendingCount": 0,
            "launchType": "FARGATE",
            "platformVersion": "LATEST",
            "platformFamily": "Linux",
            "taskDefinition": s.task_def.ref.arn,
            "deploymentConfiguration": {
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
            },
            "deployments": [
                {
                    "id": d.deployment_id,
                    "status": d.status,
                    "taskDefinition": d.task_def_arn,
                    "desiredCount": s.desired,
                    "pendingCount": 0,
                    "runningCount": d.running,
                    "failedTasks": 0,
                    "createdAt": _ts_us(
                        created
                        if d.status != "PRIMARY" or len(s.deployments) == 1
                        else self.now - timedelta(minutes=5)
                    ),
                    "updatedAt": _ts_us(self.now - timedelta(minutes=1)),
                    "launchType": "FARGATE",
                    "platformVersion": "1.4.0",
                    "platformFamily": "Linux",
                    "networkConfiguration": self._awsvpc(d.subnets, d.groups, d.public),
                    "rolloutState": "COMPLETED"
                    if d.status == "PRIMARY" and len(s.deployments) == 1
                    else "IN_PROGRESS",
                    "rolloutStateReason": "ECS deployment "
                    + d.deployment_id
                    + (" completed." if len(s.deployments) == 1 else " in progress."),
                }
                for d in s.deployments
            ],
            "roleArn": f"arn:aws:iam::{self.account}:role/{_ECS_SERVICE_ROLE}",
            "events": [],
            "createdAt": _ts_us(created),
            "placementConstraints": [],
            "placementStrategy": [],
            "networkConfiguration": self._awsvpc(primary.subnets, primary.groups, primary.public),
            "healthCheckGracePeriodSeconds": 60 if s.load_balancers else 0,
            "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"},
            "tags": _ecs_tags(s.tags),
            "createdBy": f"arn:aws:iam::{self.account}:role/deploy",
            "enableECSManagedTags": True,
            "propagateTags": "NONE",
            "enableExecuteCommand": False,
        }

    def _render_task(self, t: _Task) -> Json:
        e = self._enis[t.ref.eni.eni_id]
        td = t.service.task_def
        started = self.now - timedelta(days=2)
        details: list[Json] = [
            {"name": "subnetId", "value": e.subnet.ref.subnet_id},
            {"name": "networkInterfaceId", "value": e.ref.eni_id},
            {"name": "macAddress", "value": e.mac},
            {"name": "privateDnsName", "value": self._private_dns(e.private_ips[0])},
            {"name": "privateIPv4Address", "value": e.private_ips[0]},
        ]
        nic: Json = {"attachmentId": t.ref.attachment_id, "privateIpv4Address": e.private_ips[0]}
        if e.ipv6:
            details.append({"name": "ipv6Address", "value": e.ipv6[0]})
            nic["ipv6Address"] = e.ipv6[0]
        return {
            "attachments": [
                {
                    "id": t.ref.attachment_id,
                    "type": "ElasticNetworkInterface",
                    "status": "ATTACHED",
                    "details": details,
                }
            ],
            "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
            "availabilityZone": t.az,
            "clusterArn": t.cluster.arn,
            "connectivity": "CONNECTED",
            "connectivityAt": _ts_us(started),
            "containers": [
                {
                    "containerArn": self._arn(
                        "ecs", f"container/{t.cluster.name}/{t.ref.task_id}/{self.ids.uuid()}"
                    ),
                    "taskArn": t.ref.task_arn,
                    "name": td.ref.container_name,
                    "image": td.image,
                    "lastStatus": "RUNNING",
                    "networkBindings": [],
                    "networkInterfaces": [nic],
                    "healthStatus": "UNKNOWN",
                    "cpu": "0",
                }
            ],
            "cpu": td.cpu,
            "createdAt": _ts_us(started),
            "desiredStatus": "RUNNING",
            "enableExecuteCommand": False,
            "group": f"service:{t.service.name}",
            "healthStatus": "UNKNOWN",
            "lastStatus": "RUNNING",
            "launchType": "FARGATE",
            "memory": td.memory,
            "overrides": {
                "containerOverrides": [{"name": td.ref.container_name}],
                "inferenceAcceleratorOverrides": [],
            },
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "pullStartedAt": _ts_us(started + timedelta(seconds=10)),
            "pullStoppedAt": _ts_us(started + timedelta(seconds=25)),
            "startedAt": _ts_us(started + timedelta(seconds=40)),
            "startedBy": t.started_by,
            "tags": [],
            "taskArn": t.ref.task_arn,
            "taskDefinitionArn": td.ref.arn,
            "version": 3,
            "ephemeralStorage": {"sizeInGiB": 20},
        }

    def _render_task_def(self, t: _TaskDef) -> Json:
        container: Json = {
            "name": t.ref.container_name,
            "image": t.image,
            "cpu": 0,
            "portMappings": []
            if t.ref.container_port is None
            else [
                {
                    "containerPort": t.ref.container_port,
                    "hostPort": t.ref.container_port,
                    "protocol": t.protocol,
                    "name": f"{t.ref.container_name}-{t.ref.container_port}-{t.protocol}",
                }
            ],
            "essential": True,
            "environment": [{"name": k, "value": v} for k, v in t.env],
            "mountPoints": [],
            "volumesFrom": [],
            "secrets": [{"name": k, "valueFrom": v} for k, v in t.secrets],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": f"/ecs/{t.ref.family}",
                    "awslogs-region": self.region,
                    "awslogs-stream-prefix": "ecs",
                },
            },
            "systemControls": [],
        }
        return {
            "taskDefinitionArn": t.ref.arn,
            "containerDefinitions": [container],
            "family": t.ref.family,
            "taskRoleArn": f"arn:aws:iam::{self.account}:role/{t.ref.family}-task",
            "executionRoleArn": f"arn:aws:iam::{self.account}:role/ecsTaskExecutionRole",
            "networkMode": t.network_mode,
            "revision": t.ref.revision,
            "volumes": [],
            "status": "ACTIVE",
            "requiresAttributes": [
                {"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"},
                {"name": "ecs.capability.execution-role-awslogs"},
                {"name": "com.amazonaws.ecs.capability.ecr-auth"},
                {"name": "ecs.capability.secrets.asm.environment-variables"},
                {"name": "ecs.capability.task-eni"},
            ],
            "placementConstraints": [],
            "compatibilities": ["EC2", "FARGATE"],
            "requiresCompatibilities": ["FARGATE"],
            "cpu": t.cpu,
            "memory": t.memory,
            "registeredAt": _ts_us(self.now - timedelta(days=21)),
            "registeredBy": f"arn:aws:iam::{self.account}:role/deploy",
        }

    @staticmethod
    def _db_subnets(g: _DbSubnetGroup) -> list[Json]:
        return [
            {
                "SubnetIdentifier": s.ref.subnet_id,
                "SubnetAvailabilityZone": {"Name": s.ref.az},
                "SubnetOutpost": {},
                "SubnetStatus": "Active",
            }
            for s in g.subnets
        ]

    def _render_db_subnet_group(self, g: _DbSubnetGroup) -> Json:
        return {
            "DBSubnetGroupName": g.name,
            "DBSubnetGroupDescription": g.description,
            "VpcId": g.vpc_id,
            "SubnetGroupStatus": "Complete",
            "Subnets": self._db_subnets(g),
            "DBSubnetGroupArn": self._arn("rds", f"subgrp:{g.name}"),
            "SupportedNetworkTypes": ["IPV4"],
        }

    def _render_db(self, d: _DbInstance) -> Json:
        ref = d.ref
        cluster = ref.cluster_id is not None
        out: Json = {
            "DBInstanceIdentifier": ref.identifier,
            "DBInstanceClass": d.instance_class,
            "Engine": ref.engine,
            "DBInstanceStatus": "available",
            "MasterUsername": "app_admin",
            "Endpoint": {"Address": ref.address, "Port": ref.port, "HostedZoneId": _RDS_ZONE_ID},
            "AllocatedStorage": 1 if cluster else 100,
            "InstanceCreateTime": _ts_us(self.now - timedelta(days=90)),
            "PreferredBackupWindow": "03:00-03:30",
            "BackupRetentionPeriod": 7,
            "DBSecurityGroups": [],
            "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": "active"} for g in ref.group_ids],
            "DBParameterGroups": [
                {"DBParameterGroupName": f"default.{ref.engine}", "ParameterApplyStatus": "in-sync"}
            ],
            "AvailabilityZone": d.az,
            "DBSubnetGroup": {
                "DBSubnetGroupName": d.subnet_group.name,
                "DBSubnetGroupDescription": d.subnet_group.description,
                "VpcId": d.subnet_group.vpc_id,
                "SubnetGroupStatus": "Complete",
                "Subnets": self._db_subnets(d.subnet_group),
            },
            "PreferredMaintenanceWindow": "sun:05:00-sun:05:30",
            "PendingModifiedValues": {},
            "MultiAZ": d.multi_az,
            "EngineVersion": d.engine_version,
            "AutoMinorVersionUpgrade": True,
            "ReadReplicaDBInstanceIdentifiers": [],
            "LicenseModel": "postgresql-license" if "postgres" in ref.engine else "general-public-license",
            "OptionGroupMemberships": [{"OptionGroupName": f"default:{ref.engine}", "Status": "in-sync"}],
            "PubliclyAccessible": d.public,
            "StorageType": "aurora" if cluster else "gp3",
            "DbInstancePort": 0,
            "StorageEncrypted": True,
            "DbiResourceId": d.resource_id,
            "CACertificateIdentifier": "rds-ca-rsa2048-g1",
            "DomainMemberships": [],
            "CopyTagsToSnapshot": True,
            "MonitoringInterval": 0,
            "DBInstanceArn": ref.arn,
            "IAMDatabaseAuthenticationEnabled": False,
            "PerformanceInsightsEnabled": False,
            "DeletionProtection": True,
            "AssociatedRoles": [],
            "TagList": _tag_list(d.tags),
            "CustomerOwnedIpEnabled": False,
            "NetworkType": "IPV4",
            "BackupTarget": "region",
            "CertificateDetails": {
                "CAIdentifier": "rds-ca-rsa2048-g1",
                "ValidTill": _ts(self.now + timedelta(days=300)),
            },
            "DedicatedLogVolume": False,
            "IsStorageConfigUpgradeAvailable": False,
            "EngineLifecycleSupport": "open-source-rds-extended-support",
        }
        if cluster:
            out["DBClusterIdentifier"] = ref.cluster_id
            out["PromotionTier"] = 1
        return out

    def _render_db_cluster(self, d: _DbCluster) -> Json:
        ref = d.ref
        return {
            "AllocatedStorage": 1,
            "AvailabilityZones": sorted({s.ref.az for s in d.subnet_group.subnets}),
            "BackupRetentionPeriod": 7,
            "DBClusterIdentifier": ref.identifier,
            "DBClusterParameterGroup": f"default.{ref.engine}",
            "DBSubnetGroup": d.subnet_group.name,
            "Status": "available",
            "Endpoint": ref.endpoint,
            "ReaderEndpoint": ref.reader_endpoint,
            "CustomEndpoints": [],
            "MultiAZ": len(ref.instances) > 1,
            "Engine": ref.engine,
            "EngineVersion": d.engine_version,
            "Port": ref.port,
            "MasterUsername": "app_admin",
            "PreferredBackupWindow": "03:00-03:30",
            "PreferredMaintenanceWindow": "sun:05:00-sun:05:30",
            "ReadReplicaIdentifiers": [],
            "DBClusterMembers": [
                {
                    "DBInstanceIdentifier": m.identifier,
                    "IsClusterWriter": index == 0,
                    "DBClusterParameterGroupStatus": "in-sync",
                    "PromotionTier": 1,
                }
                for index, m in enumerate(ref.instances)
            ],
            "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": "active"} for g in d.group_ids],
            "HostedZoneId": _RDS_ZONE_ID,
            "StorageEncrypted": True,
            "DbClusterResourceId": d.resource_id,
            "DBClusterArn": ref.arn,
            "AssociatedRoles": [],
            "IAMDatabaseAuthenticationEnabled": False,
            "ClusterCreateTime": _ts_us(self.now - timedelta(days=90)),
            "EngineMode": "provisioned",
            "DeletionProtection": True,
            "HttpEndpointEnabled": False,
            "CopyTagsToSnapshot": True,
            "CrossAccountClone": False,
            "DomainMemberships": [],
            "TagList": _tag_list(d.tags),
            "PubliclyAccessible": d.public,
            "NetworkType": "IPV4",
        }

    def _render_lb(self, lb: _LoadBalancer) -> Json:
        ref = lb.ref
        zones = []
        for s in lb.subnets:
            zone: Json = {"ZoneName": s.ref.az, "SubnetId": s.ref.subnet_id, "LoadBalancerAddresses": []}
            zones.append(zone)
        out: Json = {
            "LoadBalancerArn": ref.arn,
            "DNSName": ref.dns_name,
            "CanonicalHostedZoneId": _ELB_ZONE_IDS[ref.kind],
            "CreatedTime": _ts_us(self.now - timedelta(days=60)),
            "LoadBalancerName": ref.name,
            "Scheme": ref.scheme,
            "VpcId": ref.vpc_id,
            "State": {"Code": "active"},
            "Type": ref.kind,
            "AvailabilityZones": zones,
            "IpAddressType": lb.ip_address_type,
        }
        if ref.group_ids:
            out["SecurityGroups"] = list(ref.group_ids)
        return out

    def _render_target_groups(self) -> list[Json]:
        lb_of: dict[str, list[str]] = {}
        for li in self._listeners:
            if li.forward_arn:
                arns = lb_of.setdefault(li.forward_arn, [])
                if li.lb_arn not in arns:
                    arns.append(li.lb_arn)
        out = []
        for t in self._target_groups.values():
            http = t.ref.protocol in ("HTTP", "HTTPS")
            item: Json = {
                "TargetGroupArn": t.ref.arn,
                "TargetGroupName": t.ref.name,
                "Protocol": t.ref.protocol,
                "Port": t.ref.port,
                "VpcId": t.vpc_id,
                "HealthCheckProtocol": t.ref.protocol if http else "TCP",
                "HealthCheckPort": "traffic-port",
                "HealthCheckEnabled": True,
                "HealthCheckIntervalSeconds": 30,
                "HealthCheckTimeoutSeconds": 5,
                "HealthyThresholdCount": 5,
                "UnhealthyThresholdCount": 2,
                "LoadBalancerArns": lb_of.get(t.ref.arn, []),
                "TargetType": t.ref.target_type,
                "IpAddressType": "ipv4",
            }
            if http:
                item["HealthCheckPath"] = t.health_path
                item["Matcher"] = {"HttpCode": "200"}
                item["ProtocolVersion"] = "HTTP1"
            out.append(item)
        return out

    @staticmethod
    def _render_target_health(t: _TargetGroup) -> Json:
        descriptions = []
        for target_id, port, az, state in t.targets:
            target: Json = {"Id": target_id, "Port": port}
            if az is not None:
                target["AvailabilityZone"] = az
            health: Json = {"State": state}
            if state == "unhealthy":
                health.update({"Reason": "Target.Timeout", "Description": "Request timed out"})
            descriptions.append({"Target": target, "HealthCheckPort": str(port), "TargetHealth": health})
        return {"TargetGroupArn": t.ref.arn, "TargetHealthDescriptions": descriptions}

    @staticmethod
    def _render_listener(li: _Listener) -> Json:
        out: Json = {
            "ListenerArn": li.ref.arn,
            "LoadBalancerArn": li.lb_arn,
            "Port": li.ref.port,
            "Protocol": li.ref.protocol,
        }
        if li.certificate_arn:
            out["Certificates"] = [{"CertificateArn": li.certificate_arn}]
            out["SslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
        if li.forward_arn:
            out["DefaultActions"] = [
                {
                    "Type": "forward",
                    "TargetGroupArn": li.forward_arn,
                    "Order": 1,
                    "ForwardConfig": {
                        "TargetGroups": [{"TargetGroupArn": li.forward_arn, "Weight": 1}],
                        "TargetGroupStickinessConfig": {"Enabled": False},
                    },
                }
            ]
        else:
            out["DefaultActions"] = [
                {
                    "Type": "redirect",
                    "Order": 1,
                    "RedirectConfig": {
                        "Protocol": "HTTPS",
                        "Port": str(li.redirect_port),
                        "Host": "#{host}",
                        "Path": "/#{path}",
                        "Query": "#{query}",
                        "StatusCode": "HTTP_301",
                    },
                }
            ]
        return out

    def _render_function(self, f: _Function) -> Json:
        out: Json = {
            "FunctionName": f.ref.name,
            "FunctionArn": f.ref.arn,
            "Runtime": f.runtime,
            "Role": f.role,
            "Handler": f.handler,
            "CodeSize": 4096,
            "Description": "",
            "Timeout": f.timeout,
            "MemorySize": f.memory,
            "LastModified": (self.now - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "CodeSha256": f.code_sha,
            "Version": "$LATEST",
        }
        if f.subnet_ids:
            out["VpcConfig"] = {
                "SubnetIds": f.subnet_ids,
                "SecurityGroupIds": list(f.ref.group_ids),
                "VpcId": f.vpc_id,
                "Ipv6AllowedForDualStack": f.ipv6,
            }
        if f.env:
            out["Environment"] = {"Variables": dict(f.env)}
        out.update(
            {
                "TracingConfig": {"Mode": "PassThrough"},
                "RevisionId": f.revision,
                "PackageType": "Zip",
                "Architectures": ["x86_64"],
                "EphemeralStorage": {"Size": 512},
                "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
                "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{f.ref.name}"},
            }
        )
        return out

    # ----------------------------------------------------------------------------------------------
    # Output.

    def write(
        self,
        path: str | Path,
        *,
        layout: Layout = "flat",
        manifest: bool = False,
        failures: Mapping[str, str] | None = None,
        task_definition_files: Literal["merged", "per-call"] = "merged",
        indent: int | None = 4,
        skip_empty: bool = False,
    ) -> Path:
        """Write the estate as a snapshot directory (one JSON file per API call); returns ``path``.

        See :func:`sgaudit.synth.writer.write_snapshot` for the arguments.
        """
        return write_snapshot(
            path,
            [self],
            layout=layout,
            manifest=manifest,
            failures=failures,
            task_definition_files=task_definition_files,
            indent=indent,
            skip_empty=skip_empty,
        )
