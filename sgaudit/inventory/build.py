"""Build an :class:`Inventory` from a loaded snapshot: normalise rules, join tasks to interfaces,
classify every interface to the workload that owns it."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sgaudit.collector import collector_paused
from sgaudit.errors import SnapshotError
from sgaudit.inventory.models import (
    Direction,
    EcsTask,
    EniOwner,
    EniOwnerKind,
    NetworkInterface,
    Peer,
    PeerKind,
    SecurityGroup,
    SecurityGroupRule,
)
from sgaudit.model.base import tag_map
from sgaudit.model.ec2 import (
    EgressOnlyInternetGateway,
    Instance,
    InterfaceAttachment,
    InternetGateway,
    IpPermission,
    ManagedPrefixList,
    NatGateway,
    NetworkAcl,
    NetworkInterfaceRaw,
    PrefixListEntry,
    PrivateIpAddressSpec,
    PublicIpAssociation,
    RouteTable,
    SecurityGroupRaw,
    SecurityGroupRuleRecord,
    StaleSecurityGroup,
    Subnet,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
)
from sgaudit.model.ecs import ContainerInstance, EcsCluster, EcsService, EcsTaskRaw, TaskDefinition
from sgaudit.model.elbv2 import Listener, LoadBalancer, TargetGroup, TargetHealthRecord
from sgaudit.model.lambda_ import LambdaFunction
from sgaudit.model.rds import DbCluster, DbInstance, DbSubnetGroup
from sgaudit.snapshot.loader import RawScope, Snapshot, load_snapshot
from sgaudit.snapshot.manifest import CallRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "-1"}
_PROTOCOL_NAMES = {"tcp", "udp", "icmp", "icmpv6"}


def normalize_protocol(value: str) -> str:
    """AWS accepts protocols as names or numbers; keep one spelling (``tcp``, ``-1``, ``47``)."""
    p = value.strip().lower()
    if p in ("all", "-1"):
        return "-1"
    if p in _PROTOCOL_NAMES:
        return p
    if p.lstrip("-").isdigit():
        n = str(int(p))
        return _PROTOCOL_NUMBERS.get(n, n)
    raise ValueError(f"unknown IP protocol {value!r}")


@dataclass(frozen=True)
class ScopeInfo:
    """One account and region of the snapshot, with the calls that failed there."""

    account: str | None
    region: str | None
    path: str
    errors: tuple[CallRecord, ...] = ()


@dataclass
class Inventory:
    """Everything the snapshot holds, keyed by id, with the joins the engine needs."""

    source: Path | None = None
    complete: bool = True
    created_at: str | None = None
    scopes: list[ScopeInfo] = field(default_factory=list)
    global_errors: list[str] = field(default_factory=list)
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    internet_gateways: dict[str, InternetGateway] = field(default_factory=dict)
    egress_only_internet_gateways: dict[str, EgressOnlyInternetGateway] = field(default_factory=dict)
    nat_gateways: dict[str, NatGateway] = field(default_factory=dict)
    peering_connections: dict[str, VpcPeeringConnection] = field(default_factory=dict)
    vpc_endpoints: dict[str, VpcEndpoint] = field(default_factory=dict)
    prefix_lists: dict[str, ManagedPrefixList] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    stale_security_groups: dict[str, StaleSecurityGroup] = field(default_factory=dict)
    network_interfaces: dict[str, NetworkInterface] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    ecs_clusters: dict[str, EcsCluster] = field(default_factory=dict)
    ecs_services: dict[str, EcsService] = field(default_factory=dict)
    ecs_tasks: dict[str, EcsTask] = field(default_factory=dict)
    task_definitions: dict[str, TaskDefinition] = field(default_factory=dict)
    container_instances: dict[str, ContainerInstance] = field(default_factory=dict)
    db_instances: dict[str, DbInstance] = field(default_factory=dict)
    db_clusters: dict[str, DbCluster] = field(default_factory=dict)
    db_subnet_groups: dict[str, DbSubnetGroup] = field(default_factory=dict)
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    target_health: dict[str, TargetHealthRecord] = field(default_factory=dict)
    listeners: dict[str, Listener] = field(default_factory=dict)
    lambda_functions: dict[str, LambdaFunction] = field(default_factory=dict)
    # Joins.
    group_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subnet_route_table: dict[str, str] = field(default_factory=dict)
    subnet_network_acl: dict[str, str] = field(default_factory=dict)
    resource_scope: dict[str, ScopeInfo] = field(default_factory=dict)

    # ---- lookups -------------------------------------------------------------------------------

    def members_of(self, group_id: str) -> tuple[NetworkInterface, ...]:
        """Interfaces that carry the group."""
        return tuple(self.network_interfaces[i] for i in self.group_members.get(group_id, ()))

    def route_table_for(self, subnet_id: str) -> RouteTable | None:
        """The subnet's route table: its explicit association, else the VPC's main table."""
        rtb = self.subnet_route_table.get(subnet_id)
        return self.route_tables.get(rtb) if rtb else None

    def network_acl_for(self, subnet_id: str) -> NetworkAcl | None:
        """The subnet's NACL: its association, else the VPC's default NACL."""
        acl = self.subnet_network_acl.get(subnet_id)
        return self.network_acls.get(acl) if acl else None

    def db_cluster_subnet_ids(self, cluster_id: str) -> tuple[str, ...]:
        """Subnets of a cluster's subnet group (a name on clusters), via subnet groups or member instances."""
        cluster = self.db_clusters[cluster_id]
        name = cluster.db_subnet_group
        if name and name in self.db_subnet_groups:
            return tuple(s.subnet_identifier for s in self.db_subnet_groups[name].subnets)
        for m in cluster.db_cluster_members:
            inst = self.db_instances.get(m.db_instance_identifier)
            if inst and inst.subnet_ids:
                return inst.subnet_ids
        return ()

    def service_tasks(self, service: EcsService) -> tuple[EcsTask, ...]:
        """The running tasks of a service."""
        return tuple(
            t
            for t in self.ecs_tasks.values()
            if t.service_name == service.service_name
            and (service.cluster_arn is None or t.cluster_arn == service.cluster_arn)
            and t.running
        )

    def cluster_name(self, cluster_arn: str | None) -> str | None:
        """A cluster's name from its ARN."""
        if not cluster_arn:
            return None
        if cluster_arn in self.ecs_clusters:
            return self.ecs_clusters[cluster_arn].cluster_name
        return cluster_arn.rsplit("/", 1)[-1]

    def summary(self) -> dict[str, int]:
        """Counts of every kind of resource, for ``sgaudit inventory`` and the demo."""
        return {
            "vpcs": len(self.vpcs),
            "subnets": len(self.subnets),
            "security_groups": len(self.security_groups),
            "security_group_rules": sum(len(g.rules) for g in self.security_groups.values()),
            "network_interfaces": len(self.network_interfaces),
            "instances": len(self.instances),
            "ecs_services": len(self.ecs_services),
            "ecs_tasks": len(self.ecs_tasks),
            "db_instances": len(self.db_instances),
            "db_clusters": len(self.db_clusters),
            "load_balancers": len(self.load_balancers),
            "lambda_functions": len(self.lambda_functions),
            "route_tables": len(self.route_tables),
            "network_acls": len(self.network_acls),
            "prefix_lists": len(self.prefix_lists),
            "peering_connections": len(self.peering_connections),
        }


# ---- security-group rules ----------------------------------------------------------------------

_RuleKey = tuple[str, bool, str, int | None, int | None, str, str]


# An IPv4 CIDR written the way ipaddress writes it: decimal octets and prefix without leading zeros.
_IPV4_CIDR_AS_WRITTEN = re.compile(
    r"(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})/(0|[1-9][0-9]?)"
)


def _canonical_cidr(cidr: str) -> str:
    # AWS returns canonical CIDRs; hand-made dumps may not. Canonicalise like AWS does.
    m = _IPV4_CIDR_AS_WRITTEN.fullmatch(cidr)
    if m:
        # Most CIDRs are canonical already: then the parse below would give back the same string.
        a, b, c, d, prefix = map(int, m.groups())
        in_range = a < 256 and b < 256 and c < 256 and d < 256 and prefix <= 32
        if in_range and ((a << 24) | (b << 16) | (c << 8) | d) & ((1 << (32 - prefix)) - 1) == 0:
            return cidr
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as exc:
        raise SnapshotError(f"invalid CIDR {cidr!r}: {exc}") from None


def _ports(protocol: str, from_port: int | None, to_port: int | None) -> tuple[int | None, int | None]:
    if protocol == "-1":
        return None, None
    return from_port, to_port


# A rule before it is a model: (direction, protocol, from_port, to_port, peer, description).
_RuleParts = tuple[Direction, str, int | None, int | None, Peer, str | None]


class _RuleMaker:
    """Normalises the security-group rules of one build.

    A large estate repeats the same few thousand CIDRs and peers across tens of thousands of rules:
    each distinct CIDR is parsed once and each distinct peer is built once (they are frozen values, so
    rules can share them).
    """

    def __init__(self) -> None:
        self._cidrs: dict[str, str] = {}
        self._peers: dict[tuple[PeerKind, str], Peer] = {}
        self._group_peers: dict[tuple[str, str | None, str | None, str | None, str | None], Peer] = {}

    def cidr_peer(self, kind: PeerKind, cidr: str) -> Peer:
        """A CIDR peer, its CIDR canonicalised like AWS does."""
        value = self._cidrs.get(cidr)
        if value is None:
            value = self._cidrs[cidr] = _canonical_cidr(cidr)
        return self.peer(kind, value)

    def peer(self, kind: PeerKind, value: str) -> Peer:
        """A CIDR or prefix-list peer."""
        peer = self._peers.get((kind, value))
        if peer is None:
            peer = self._peers[(kind, value)] = Peer(kind=kind, value=value)
        return peer

    def group_peer(
        self,
        group_id: str,
        user_id: str | None,
        vpc_id: str | None,
        vpc_peering_connection_id: str | None,
        peering_status: str | None,
    ) -> Peer:
        """A referenced security group, with where it lives."""
        key = (group_id, user_id, vpc_id, vpc_peering_connection_id, peering_status)
        peer = self._group_peers.get(key)
        if peer is None:
            peer = self._group_peers[key] = Peer(
                kind=PeerKind.SECURITY_GROUP,
                value=group_id,
                user_id=user_id,
                vpc_id=vpc_id,
                vpc_peering_connection_id=vpc_peering_connection_id,
                peering_status=peering_status,
            )
        return peer

    def from_permission(self, perm: IpPermission, direction: Direction) -> list[_RuleParts]:
        """One rule per peer of a describe-security-groups permission."""
        proto = normalize_protocol(perm.ip_protocol)
        lo, hi = _ports(proto, perm.from_port, perm.to_port)
        out: list[_RuleParts] = []
        for r4 in perm.ip_ranges:
            out.append((direction, proto, lo, hi, self.cidr_peer(PeerKind.CIDR4, r4.cidr_ip), r4.description))
        for r6 in perm.ipv6_ranges:
            peer = self.cidr_peer(PeerKind.CIDR6, r6.cidr_ipv6)
            out.append((direction, proto, lo, hi, peer, r6.description))
        for pl in perm.prefix_list_ids:
            peer = self.peer(PeerKind.PREFIX_LIST, pl.prefix_list_id)
            out.append((direction, proto, lo, hi, peer, pl.description))
        for pair in perm.user_id_group_pairs:
            if not pair.group_id:
                continue
            peer = self.group_peer(
                pair.group_id, pair.user_id, pair.vpc_id, pair.vpc_peering_connection_id, pair.peering_status
            )
            out.append((direction, proto, lo, hi, peer, pair.description))
        return out

    def from_record(self, rec: SecurityGroupRuleRecord) -> _RuleParts | None:
        """The rule of a describe-security-group-rules item, or None when it names no peer."""
        proto = normalize_protocol(rec.ip_protocol)
        lo, hi = _ports(proto, rec.from_port, rec.to_port)
        if rec.cidr_ipv4:
            peer = self.cidr_peer(PeerKind.CIDR4, rec.cidr_ipv4)
        elif rec.cidr_ipv6:
            peer = self.cidr_peer(PeerKind.CIDR6, rec.cidr_ipv6)
        elif rec.prefix_list_id:
            peer = self.peer(PeerKind.PREFIX_LIST, rec.prefix_list_id)
        elif rec.referenced_group_info and rec.referenced_group_info.group_id:
            ref = rec.referenced_group_info
            peer = self.group_peer(
                ref.group_id or "", ref.user_id, ref.vpc_id, ref.vpc_peering_connection_id, ref.peering_status
            )
        else:
            return None
        return (
            Direction.EGRESS if rec.is_egress else Direction.INGRESS,
            proto,
            lo,
            hi,
            peer,
            rec.description,
        )

    def build_group(
        self, raw: SecurityGroupRaw | None, gid: str, records: list[SecurityGroupRuleRecord]
    ) -> SecurityGroup:
        """Merge describe-security-groups (group metadata) with describe-security-group-rules (rule ids)."""
        rules: list[SecurityGroupRule] = []
        from_records: list[tuple[SecurityGroupRuleRecord, _RuleParts]] = []
        for rec in records:
            parts = self.from_record(rec)
            if parts is not None:
                from_records.append((rec, parts))
        if raw is None:
            rules = [_rule(rec.group_id, parts, rec.security_group_rule_id) for rec, parts in from_records]
        else:
            perms: list[_RuleParts] = []
            for perm in raw.ip_permissions:
                perms += self.from_permission(perm, Direction.INGRESS)
            for perm in raw.ip_permissions_egress:
                perms += self.from_permission(perm, Direction.EGRESS)
            # Each rule id goes to the first permission rule with the same key, in record order.
            ids: dict[_RuleKey, list[str]] = defaultdict(list)
            for rec, parts in from_records:
                ids[_key(rec.group_id, parts)].append(rec.security_group_rule_id)
            for parts in perms:
                match = ids.get(_key(gid, parts))
                rules.append(_rule(gid, parts, match.pop(0) if match else None))
        return SecurityGroup(
            group_id=gid,
            name=raw.group_name if raw else "",
            description=raw.description if raw else "",
            vpc_id=raw.vpc_id if raw else None,
            owner_id=raw.owner_id if raw else (records[0].group_owner_id if records else None),
            arn=raw.security_group_arn if raw else None,
            tags=raw.tag_map if raw else {},
            rules=tuple(rules),
        )


def _rule(group_id: str, parts: _RuleParts, rule_id: str | None) -> SecurityGroupRule:
    """One rule; ``rule_id`` is left unset (not set to None) when no record names it."""
    direction, proto, lo, hi, peer, description = parts
    extra: dict[str, str] = {} if rule_id is None else {"rule_id": rule_id}
    return SecurityGroupRule(
        group_id=group_id,
        direction=direction,
        protocol=proto,
        from_port=lo,
        to_port=hi,
        peer=peer,
        description=description,
        **extra,
    )


def _key(group_id: str, parts: _RuleParts) -> _RuleKey:
    direction, proto, lo, hi, peer, _ = parts
    return (group_id, direction is Direction.EGRESS, proto, lo, hi, peer.kind.value, peer.value)


# ---- interface classification -------------------------------------------------------------------

_NAT_DESC = re.compile(r"Interface for NAT Gateway (nat-[0-9a-f]+)")
_VPCE_DESC = re.compile(r"VPC Endpoint Interface (vpce-[0-9a-f]+)")
_ELB_DESC = re.compile(r"^ELB (?:(app|net|gwy)/)?([^/]+)(?:/([0-9a-f]+))?")
_ECS_ATTACHMENT_DESC = re.compile(r"^arn:aws[\w-]*:ecs:[^:]*:\d*:attachment/([0-9a-f-]+)$")
_LAMBDA_DESC = "AWS Lambda VPC ENI-"


@dataclass
class _Classifier:
    inv: Inventory
    task_by_eni: dict[str, str]
    task_by_attachment: dict[str, str]
    instance_by_eni: dict[str, str]
    nat_by_eni: dict[str, str]
    vpce_by_eni: dict[str, str]
    lb_by_suffix: dict[str, str]
    lb_by_name: dict[str, list[str]]
    # Indexes over the inventory's functions and DB instances, so that classifying an interface does
    # not scan every one of them. Lists keep inventory order, as the matches did when they scanned.
    lambda_by_placement: dict[tuple[str, frozenset[str]], list[str]] = field(init=False)
    db_by_subnet: dict[str, list[tuple[str, frozenset[str]]]] = field(init=False)

    def __post_init__(self) -> None:
        self.lambda_by_placement = defaultdict(list)
        for f in self.inv.lambda_functions.values():
            if f.vpc_config:
                groups = frozenset(f.vpc_config.security_group_ids)
                for subnet in dict.fromkeys(f.vpc_config.subnet_ids):
                    self.lambda_by_placement[(subnet, groups)].append(f.function_name)
        self.db_by_subnet = defaultdict(list)
        for db in self.inv.db_instances.values():
            groups = frozenset(db.security_group_ids)
            for subnet in dict.fromkeys(db.subnet_ids):
                self.db_by_subnet[subnet].append((db.db_instance_identifier, groups))

    def classify(self, eni: NetworkInterfaceRaw) -> EniOwner:
        eid, itype, desc = eni.network_interface_id, eni.interface_type, eni.description or ""
        if eid in self.task_by_eni:
            return EniOwner(kind=EniOwnerKind.ECS_TASK, resource_id=self.task_by_eni[eid])
        if m := _ECS_ATTACHMENT_DESC.match(desc):
            return EniOwner(kind=EniOwnerKind.ECS_TASK, resource_id=self.task_by_attachment.get(m.group(1)))
        if itype == "natGateway" or _NAT_DESC.search(desc):
            m2 = _NAT_DESC.search(desc)
            return EniOwner(
                kind=EniOwnerKind.NAT_GATEWAY,
                resource_id=self.nat_by_eni.get(eid) or (m2.group(1) if m2 else None),
            )
        if itype in ("vpc_endpoint", "gateway_load_balancer_endpoint") or _VPCE_DESC.search(desc):
            m3 = _VPCE_DESC.search(desc)
            return EniOwner(
                kind=EniOwnerKind.VPC_ENDPOINT,
                resource_id=self.vpce_by_eni.get(eid) or (m3.group(1) if m3 else None),
            )
        if itype == "lambda" or desc.startswith(_LAMBDA_DESC):
            return EniOwner(kind=EniOwnerKind.LAMBDA, resource_id=self._lambda_name(eni))
        if (
            eni.requester_id == "amazon-elb"
            or itype in ("network_load_balancer", "load_balancer", "gateway_load_balancer")
            or desc.startswith("ELB ")
        ):
            return EniOwner(
                kind=EniOwnerKind.LOAD_BALANCER, resource_id=self._lb_arn(desc), detail=desc or None
            )
        if eni.requester_id == "amazon-rds" or desc == "RDSNetworkInterface":
            return EniOwner(kind=EniOwnerKind.RDS, resource_id=self._rds_id(eni))
        if itype == "transit_gateway":
            return EniOwner(kind=EniOwnerKind.TRANSIT_GATEWAY, detail=desc or None)
        instance_id = self.instance_by_eni.get(eid) or (
            eni.attachment.instance_id if eni.attachment else None
        )
        if instance_id and not eni.requester_managed:
            return EniOwner(kind=EniOwnerKind.EC2_INSTANCE, resource_id=instance_id)
        if eni.requester_managed:
            return EniOwner(kind=EniOwnerKind.AWS_MANAGED, detail=desc or eni.requester_id)
        return EniOwner(kind=EniOwnerKind.UNKNOWN, detail=desc or None)

    def _lambda_name(self, eni: NetworkInterfaceRaw) -> str | None:
        desc = eni.description or ""
        # Hyperplane ENIs are shared by functions with the same SG set and subnet: attribute by
        # description when it names a known function (the longest name followed by "-"), else by a
        # unique (subnet, SG set) match.
        best = None
        if desc.startswith(_LAMBDA_DESC):
            rest = desc[len(_LAMBDA_DESC) :]
            end = rest.rfind("-")
            while end >= 0:
                if rest[:end] in self.inv.lambda_functions:
                    best = rest[:end]
                    break
                end = rest.rfind("-", 0, end)
        if best:
            return best
        if eni.subnet_id is None:
            return None
        key = (eni.subnet_id, frozenset(g.group_id for g in eni.groups))
        matches = self.lambda_by_placement.get(key, [])
        return matches[0] if len(matches) == 1 else None

    def _lb_arn(self, desc: str) -> str | None:
        m = _ELB_DESC.match(desc)
        if not m:
            return None
        kind, name, lb_id = m.groups()
        if kind and lb_id and f"{kind}/{name}/{lb_id}" in self.lb_by_suffix:
            return self.lb_by_suffix[f"{kind}/{name}/{lb_id}"]
        arns = self.lb_by_name.get(name, [])
        return arns[0] if len(arns) == 1 else None

    def _rds_id(self, eni: NetworkInterfaceRaw) -> str | None:
        # RDS interfaces carry no DB identifier: attribute only when exactly one DB fits.
        if eni.subnet_id is None:
            return None
        groups = {g.group_id for g in eni.groups}
        matches = [
            db_id for db_id, db_groups in self.db_by_subnet.get(eni.subnet_id, []) if groups & db_groups
        ]
        return matches[0] if len(matches) == 1 else None


def _not_primary(spec: PrivateIpAddressSpec) -> bool:
    return not spec.primary


def _interface_from_raw(eni: NetworkInterfaceRaw, owner: EniOwner) -> NetworkInterface:
    specs = eni.private_ip_addresses
    if len(specs) > 1:
        specs = tuple(sorted(specs, key=_not_primary))  # primary first, else AWS's order (stable sort)
    privates = [spec.private_ip_address for spec in specs]
    publics = [
        spec.association.public_ip for spec in specs if spec.association and spec.association.public_ip
    ]
    if eni.private_ip_address and eni.private_ip_address not in privates:
        privates.insert(0, eni.private_ip_address)
    if eni.association and eni.association.public_ip and eni.association.public_ip not in publics:
        publics.insert(0, eni.association.public_ip)
    # Most interfaces have no IPv6 addresses, prefixes or tags: skip building empty values for them.
    return NetworkInterface(
        interface_id=eni.network_interface_id,
        vpc_id=eni.vpc_id,
        subnet_id=eni.subnet_id,
        availability_zone=eni.availability_zone,
        owner_id=eni.owner_id,
        group_ids=tuple(dict.fromkeys([g.group_id for g in eni.groups])) if eni.groups else (),
        private_ips=tuple(privates),
        public_ips=tuple(publics),
        ipv6_addresses=tuple([a.ipv6_address for a in eni.ipv6_addresses]) if eni.ipv6_addresses else (),
        ipv4_prefixes=tuple([p.ipv4_prefix for p in eni.ipv4_prefixes]) if eni.ipv4_prefixes else (),
        ipv6_prefixes=tuple([p.ipv6_prefix for p in eni.ipv6_prefixes]) if eni.ipv6_prefixes else (),
        interface_type=eni.interface_type,
        description=eni.description or "",
        requester_id=eni.requester_id,
        requester_managed=eni.requester_managed,
        instance_id=eni.attachment.instance_id if eni.attachment else None,
        status=eni.status,
        source_dest_check=eni.source_dest_check,
        owner=owner,
        tags=tag_map(eni.tag_set) if eni.tag_set else {},
    )


def _task_from_raw(raw: EcsTaskRaw) -> EcsTask:
    eni_att = next((a for a in raw.attachments if a.type == "ElasticNetworkInterface"), None)
    service = raw.group[len("service:") :] if raw.group and raw.group.startswith("service:") else None
    details: dict[str, str | None] = {}
    if eni_att:
        for d in eni_att.details:
            details.setdefault(d.name, d.value)  # the first detail of a name, as TaskAttachment.detail
    return EcsTask(
        task_arn=raw.task_arn,
        task_id=raw.task_arn.rsplit("/", 1)[-1],
        cluster_arn=raw.cluster_arn,
        service_name=service,
        task_definition_arn=raw.task_definition_arn,
        last_status=raw.last_status,
        desired_status=raw.desired_status,
        launch_type=raw.launch_type,
        attachment_id=eni_att.id if eni_att else None,
        eni_id=details.get("networkInterfaceId") if eni_att else None,
        subnet_id=details.get("subnetId") if eni_att else None,
        private_ip=details.get("privateIPv4Address") if eni_att else None,
        container_instance_arn=raw.container_instance_arn,
    )


def _first_wins(target: dict[str, T], key: str, value: T, scope: ScopeInfo, inv: Inventory) -> None:
    if key not in target:
        target[key] = value
        inv.resource_scope.setdefault(key, scope)


def _merge(
    items: Iterable[T], key: Callable[[T], str], target: dict[str, T], scope: ScopeInfo, inv: Inventory
) -> None:
    """Index resources by id; the first scope that has an id keeps it (ids are unique across AWS)."""
    for value in items:
        _first_wins(target, key(value), value, scope, inv)


def build_inventory(snapshot: Snapshot) -> Inventory:
    """Normalise and join the snapshot's scopes into one inventory."""
    with collector_paused():
        return _build_inventory(snapshot)


def _build_inventory(snapshot: Snapshot) -> Inventory:
    inv = Inventory(source=snapshot.source, complete=snapshot.complete)
    if snapshot.manifest is not None:
        inv.global_errors = list(snapshot.manifest.errors)
        inv.created_at = snapshot.manifest.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest_scopes = {s.path: s for s in (snapshot.manifest.scopes if snapshot.manifest else [])}
    raw_enis: dict[str, NetworkInterfaceRaw] = {}
    raw_groups: dict[str, SecurityGroupRaw] = {}
    records: dict[str, list[SecurityGroupRuleRecord]] = defaultdict(list)
    raw_tasks: list[tuple[EcsTaskRaw, ScopeInfo]] = []
    loose_entries: dict[str, list[PrefixListEntry]] = {}
    for raw in snapshot.scopes:
        rec = manifest_scopes.get(raw.path)
        scope = ScopeInfo(
            account=raw.account or _guess_account(raw),
            region=raw.region or _guess_region(raw),
            path=raw.path,
            errors=tuple(rec.errors) if rec else (),
        )
        inv.scopes.append(scope)
        _merge(raw.vpcs, lambda v: v.vpc_id, inv.vpcs, scope, inv)
        _merge(raw.subnets, lambda s: s.subnet_id, inv.subnets, scope, inv)
        _merge(raw.route_tables, lambda r: r.route_table_id, inv.route_tables, scope, inv)
        _merge(raw.network_acls, lambda a: a.network_acl_id, inv.network_acls, scope, inv)
        _merge(raw.internet_gateways, lambda g: g.internet_gateway_id, inv.internet_gateways, scope, inv)
        _merge(
            raw.egress_only_internet_gateways,
            lambda g: g.egress_only_internet_gateway_id,
            inv.egress_only_internet_gateways,
            scope,
            inv,
        )
        _merge(raw.nat_gateways, lambda n: n.nat_gateway_id, inv.nat_gateways, scope, inv)
        _merge(
            raw.vpc_peering_connections,
            lambda p: p.vpc_peering_connection_id,
            inv.peering_connections,
            scope,
            inv,
        )
        _merge(raw.vpc_endpoints, lambda e: e.vpc_endpoint_id, inv.vpc_endpoints, scope, inv)
        for pl in raw.prefix_lists:
            existing = inv.prefix_lists.get(pl.prefix_list_id)
            # A list may appear twice (describe-managed-prefix-lists and describe-prefix-lists): keep entries.
            if existing is None or (existing.entry_cidrs is None and pl.entry_cidrs is not None):
                inv.prefix_lists[pl.prefix_list_id] = pl
                inv.resource_scope.setdefault(pl.prefix_list_id, scope)
        for pl_id, entries in raw.loose_prefix_list_entries.items():
            loose_entries.setdefault(pl_id, []).extend(entries)
        for g in raw.security_groups:
            raw_groups.setdefault(g.group_id, g)
            inv.resource_scope.setdefault(g.group_id, scope)
        for r in raw.security_group_rules:
            records[r.group_id].append(r)
            inv.resource_scope.setdefault(r.group_id, scope)
        for sg in raw.stale_security_groups:
            inv.stale_security_groups.setdefault(sg.group_id, sg)
        for e in raw.network_interfaces:
            raw_enis.setdefault(e.network_interface_id, e)
            inv.resource_scope.setdefault(e.network_interface_id, scope)
        for res in raw.reservations:
            for i in res.instances:
                _first_wins(inv.instances, i.instance_id, i, scope, inv)
        _merge(raw.ecs_clusters, lambda c: c.cluster_arn, inv.ecs_clusters, scope, inv)
        _merge(raw.ecs_services, lambda s: s.service_arn, inv.ecs_services, scope, inv)
        raw_tasks += [(t, scope) for t in raw.ecs_tasks]
        _merge(raw.task_definitions, lambda t: t.task_definition_arn, inv.task_definitions, scope, inv)
        _merge(
            raw.container_instances, lambda c: c.container_instance_arn, inv.container_instances, scope, inv
        )
        _merge(raw.db_instances, lambda d: d.db_instance_identifier, inv.db_instances, scope, inv)
        _merge(raw.db_clusters, lambda d: d.db_cluster_identifier, inv.db_clusters, scope, inv)
        _merge(raw.db_subnet_groups, lambda d: d.db_subnet_group_name, inv.db_subnet_groups, scope, inv)
        _merge(raw.load_balancers, lambda lb: lb.load_balancer_arn, inv.load_balancers, scope, inv)
        _merge(raw.target_groups, lambda t: t.target_group_arn, inv.target_groups, scope, inv)
        _merge(raw.target_health, lambda t: t.target_group_arn, inv.target_health, scope, inv)
        _merge(raw.listeners, lambda li: li.listener_arn, inv.listeners, scope, inv)
        _merge(raw.lambda_functions, lambda f: f.function_name, inv.lambda_functions, scope, inv)

    for pl_id, entries in loose_entries.items():
        if pl_id in inv.prefix_lists and inv.prefix_lists[pl_id].entry_cidrs is None:
            inv.prefix_lists[pl_id] = inv.prefix_lists[pl_id].model_copy(update={"entries": tuple(entries)})

    rule_maker = _RuleMaker()
    for gid in sorted(set(raw_groups) | set(records)):
        try:
            inv.security_groups[gid] = rule_maker.build_group(raw_groups.get(gid), gid, records.get(gid, []))
        except (SnapshotError, ValueError) as exc:
            raise SnapshotError(f"{snapshot.source}: security group {gid}: {exc}") from None

    for raw_task, scope in raw_tasks:
        task = _task_from_raw(raw_task)
        _first_wins(inv.ecs_tasks, task.task_arn, task, scope, inv)

    _add_instance_interfaces(inv, raw_enis)
    classifier = _Classifier(
        inv=inv,
        task_by_eni={t.eni_id: t.task_arn for t in inv.ecs_tasks.values() if t.eni_id},
        task_by_attachment={t.attachment_id: t.task_arn for t in inv.ecs_tasks.values() if t.attachment_id},
        instance_by_eni={
            ni.network_interface_id: i.instance_id
            for i in inv.instances.values()
            for ni in i.network_interfaces
        },
        nat_by_eni={
            a.network_interface_id: n.nat_gateway_id
            for n in inv.nat_gateways.values()
            for a in n.nat_gateway_addresses
            if a.network_interface_id
        },
        vpce_by_eni={
            i: e.vpc_endpoint_id for e in inv.vpc_endpoints.values() for i in e.network_interface_ids
        },
        lb_by_suffix={
            lb.load_balancer_arn.split("loadbalancer/", 1)[-1]: arn for arn, lb in inv.load_balancers.items()
        },
        lb_by_name=_group_by_name(inv.load_balancers.values()),
    )
    members: dict[str, list[str]] = defaultdict(list)
    for eid in sorted(raw_enis):
        eni = _interface_from_raw(raw_enis[eid], classifier.classify(raw_enis[eid]))
        inv.network_interfaces[eid] = eni
        for gid in eni.group_ids:
            members[gid].append(eid)
    inv.group_members = {g: tuple(v) for g, v in members.items()}
    _associate_subnets(inv)
    return inv


def _group_by_name(lbs: Iterable[LoadBalancer]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for lb in lbs:
        out[lb.load_balancer_name].append(lb.load_balancer_arn)
    return out


def _add_instance_interfaces(inv: Inventory, raw_enis: dict[str, NetworkInterfaceRaw]) -> None:
    """``describe-instances`` names each interface's groups: use it when the interface file lacks one."""
    for inst in inv.instances.values():
        if inst.state.name in ("terminated", "shutting-down"):
            continue
        for i, ni in enumerate(inst.network_interfaces):
            if ni.network_interface_id in raw_enis:
                continue
            primary = i == 0
            private = inst.private_ip_address if primary else None
            public = inst.public_ip_address if primary else None
            raw_enis[ni.network_interface_id] = NetworkInterfaceRaw(
                network_interface_id=ni.network_interface_id,
                vpc_id=inst.vpc_id,
                subnet_id=ni.subnet_id or inst.subnet_id,
                groups=ni.groups or (inst.security_groups if primary else ()),
                private_ip_address=private,
                private_ip_addresses=(
                    (
                        PrivateIpAddressSpec(
                            private_ip_address=private,
                            primary=True,
                            association=PublicIpAssociation(public_ip=public) if public else None,
                        ),
                    )
                    if private
                    else ()
                ),
                attachment=InterfaceAttachment(instance_id=inst.instance_id, device_index=i),
            )


def _associate_subnets(inv: Inventory) -> None:
    main_rtb = {rt.vpc_id: rt.route_table_id for rt in inv.route_tables.values() if rt.is_main}
    default_acl = {a.vpc_id: a.network_acl_id for a in inv.network_acls.values() if a.is_default}
    explicit_rtb = {
        assoc.subnet_id: rt.route_table_id
        for rt in inv.route_tables.values()
        for assoc in rt.associations
        if assoc.subnet_id
    }
    explicit_acl = {
        a.subnet_id: acl.network_acl_id for acl in inv.network_acls.values() for a in acl.associations
    }
    for sid, subnet in inv.subnets.items():
        rtb = explicit_rtb.get(sid) or main_rtb.get(subnet.vpc_id)
        if rtb:
            inv.subnet_route_table[sid] = rtb
        acl = explicit_acl.get(sid) or default_acl.get(subnet.vpc_id)
        if acl:
            inv.subnet_network_acl[sid] = acl


def _guess_account(raw: RawScope) -> str | None:
    for v in raw.vpcs:
        if v.owner_id:
            return v.owner_id
    for g in raw.security_groups:
        if g.owner_id:
            return g.owner_id
    for e in raw.network_interfaces:
        if e.owner_id:
            return e.owner_id
    return None


def _guess_region(raw: RawScope) -> str | None:
    for s in raw.subnets:
        if s.availability_zone:
            return s.availability_zone[:-1]
    for e in raw.network_interfaces:
        if e.availability_zone:
            return e.availability_zone[:-1]
    return None


def load_inventory(source: Path | str) -> Inventory:
    """Load a snapshot and build its inventory."""
    with collector_paused():
        return build_inventory(load_snapshot(source))
