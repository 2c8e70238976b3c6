"""Precomputed, cached views of an inventory that pair evaluation needs in its inner loop.

Everything here is derived once per `Inventory` (or lazily once per object): security groups compiled
to `Traffic` and address sets per rule, route tables sorted for longest-prefix match, NACL entries in
rule order with their traffic, prefix lists expanded, and the owner indices that let a selector
resolve without scanning every interface. Pair evaluation then does no parsing and no scanning.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from sgaudit.errors import SnapshotError
from sgaudit.inventory import Direction, Inventory, NetworkInterface, PeerKind, SecurityGroupRule
from sgaudit.model.ec2 import NatGateway, NetworkAclEntry, Route, VpcPeeringConnection
from sgaudit.netalgebra import (
    AddressSet,
    IntervalSet,
    InvalidCidrError,
    NetAlgebraError,
    Traffic,
    parse_network,
)

Family = Literal[4, 6]
FAMILIES: tuple[Family, Family] = (4, 6)

_PRIVATE_V4 = AddressSet.from_cidrs(4, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])
"""RFC 1918 and RFC 6598 space: never "the internet" (semantics.md, internet placement)."""

TargetKind = Literal["local", "igw", "nat", "pcx", "eigw", "tgw", "vgw", "vpce", "middlebox", "other"]


_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
"""Exactly the IPv4 texts `ipaddress` accepts: four ASCII decimal octets 0-255 without leading zeros."""
_CIDR4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/(3[0-2]|[12]?[0-9]))?")
"""An IPv4 address with an optional plain prefix length 0-32 (no leading zero): the common case."""


def _octets(m: re.Match[str]) -> int:
    a, b, c, d = m.group(1, 2, 3, 4)
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


def cidr_span(cidr: str) -> tuple[int, int, int]:
    """(family, first, last address) of a CIDR block or bare address, host bits cleared.

    The same answer (and the same `InvalidCidrError`) as `AddressSet.from_cidr`: canonical IPv4 text
    is decoded here, everything else (IPv6, netmasks, odd spellings, errors) goes through `ipaddress`.
    Snapshots hold tens of thousands of blocks, and `ipaddress` objects are slow to build.
    """
    m = _CIDR4.fullmatch(cidr.strip())
    if m is None:
        net = parse_network(cidr)
        return net.version, int(net.network_address), int(net.broadcast_address)
    prefix = 32 if m.group(5) is None else int(m.group(5))
    host = (1 << (32 - prefix)) - 1
    lo = _octets(m) & ~host
    return 4, lo, lo | host


def ip_value(address: str) -> tuple[int, int] | None:
    """(family, integer) of an address as `ipaddress.ip_address` reads it; None when it does not."""
    m = _IPV4.fullmatch(address)
    if m is not None:
        return 4, _octets(m)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return ip.version, int(ip)


def _addr_set(cidr: str) -> AddressSet:
    try:
        family, lo, hi = cidr_span(cidr)
    except InvalidCidrError as exc:
        raise SnapshotError(str(exc)) from None
    return AddressSet(family, IntervalSet.span(lo, hi))


def single_address(address: str | None) -> AddressSet | None:
    """One address as a one-element set, or None when absent or unparsable."""
    if not address:
        return None
    found = ip_value(address)
    if found is None:
        return None
    # Straight from the integer: going through ip_network formats and re-parses the address.
    return AddressSet(found[0], IntervalSet.point(found[1]))


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One security-group rule with its traffic and peer parsed for fast matching."""

    rule: SecurityGroupRule
    traffic: Traffic
    peer_kind: PeerKind
    family: int | None
    cidr: AddressSet | None
    peer_id: str
    owner: str | None = None

    @property
    def label(self) -> str:
        """The ``sgr-`` id, or a readable stand-in when the snapshot has none."""
        return self.rule.rule_id or f"{self.rule.group_id}/{self.rule.direction.value}:{self.describe()}"

    def describe(self) -> str:
        """``tcp 5432 from sg-0abc`` style text (direction-aware preposition)."""
        prep = "to" if self.rule.direction is Direction.EGRESS else "from"
        peer = self.rule.peer
        own = peer.kind is PeerKind.SECURITY_GROUP and peer.user_id == self.owner
        label = peer.value if own else peer.label()
        return f"{self.traffic.describe()} {prep} {label}"


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    """A security group's rules, split by direction."""

    group_id: str
    name: str
    is_default: bool
    ingress: tuple[CompiledRule, ...]
    egress: tuple[CompiledRule, ...]

    def rules(self, direction: Direction) -> tuple[CompiledRule, ...]:
        """The rules of one direction."""
        return self.egress if direction is Direction.EGRESS else self.ingress


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One route (a prefix-list destination contributes one entry per list CIDR)."""

    lo: int
    hi: int
    prefixlen: int
    priority: int
    destination: str
    target: str
    target_kind: TargetKind
    route: Route


@dataclass(frozen=True, slots=True)
class RouteHit:
    """The route that longest-prefix match picked."""

    route_table_id: str
    destination: str
    target: str
    target_kind: TargetKind

    @property
    def text(self) -> str:
        """``10.0.0.0/16 -> local``."""
        return f"{self.destination} -> {self.target}"


@dataclass(frozen=True, slots=True)
class NaclRule:
    """One NACL entry of one direction and family, parsed."""

    number: int
    allow: bool
    cidr: AddressSet
    traffic: Traffic

    @property
    def label(self) -> str:
        """The rule number, ``*`` for AWS's catch-all deny entries."""
        return "*" if self.number >= 32767 else str(self.number)


@dataclass(frozen=True, slots=True)
class NaclDecision:
    """Which entry decided which part of the traffic."""

    rule: str
    allow: bool
    traffic: Traffic


def _target_kind(route: Route) -> tuple[str, TargetKind]:
    gw = route.gateway_id or ""
    if gw == "local":
        return "local", "local"
    if gw.startswith("igw-"):
        return gw, "igw"
    if gw.startswith("vgw-"):
        return gw, "vgw"
    if gw.startswith("vpce-"):
        return gw, "vpce"
    if route.nat_gateway_id:
        return route.nat_gateway_id, "nat"
    if route.vpc_peering_connection_id:
        return route.vpc_peering_connection_id, "pcx"
    if route.egress_only_internet_gateway_id:
        return route.egress_only_internet_gateway_id, "eigw"
    if route.transit_gateway_id:
        return route.transit_gateway_id, "tgw"
    if route.core_network_arn:
        return route.core_network_arn, "tgw"  # Cloud WAN: a transit router whose tables are not read
    if route.network_interface_id or route.instance_id:
        return (route.network_interface_id or route.instance_id or ""), "middlebox"
    return route.target, "other"


def _route_priority(route: Route) -> int:
    # route-tables-priority: for equal prefixes, static routes beat prefix-list routes, which beat
    # propagated ones.
    if route.origin == "EnableVgwRoutePropagation":
        return 2
    if route.destination_prefix_list_id:
        return 1
    return 0


class NetIndex:
    """Lookups over one inventory, built once and cached."""

    def __init__(self, inventory: Inventory) -> None:
        self.inv = inventory
        self._groups: dict[str, CompiledGroup | None] = {}
        self._routes: dict[tuple[str, int], tuple[RouteEntry, ...] | None] = {}
        self._nacls: dict[tuple[str, bool, int], tuple[NaclRule, ...]] = {}
        self._pls: dict[str, tuple[AddressSet, AddressSet] | None] = {}
        self._nacl_memo: dict[
            tuple[str, bool, int, int, Traffic], tuple[Traffic, tuple[NaclDecision, ...]]
        ] = {}
        self._describe: dict[Traffic, str] = {}
        self._cidr_text: dict[AddressSet, tuple[str, ...]] = {}
        self._route_cuts: dict[tuple[str, int], list[AddressSet]] = {}

        # Owner indices: one pass over the interfaces so selectors never scan.
        self.enis_by_instance: dict[str, list[str]] = defaultdict(list)
        self.enis_by_lb: dict[str, list[str]] = defaultdict(list)
        self.enis_by_lambda: dict[str, list[str]] = defaultdict(list)
        self.enis_by_vpce: dict[str, list[str]] = defaultdict(list)
        self.eni_by_ip: dict[str, str] = {}
        for eid, eni in inventory.network_interfaces.items():
            owner = eni.owner
            if eni.instance_id:
                self.enis_by_instance[eni.instance_id].append(eid)
            elif owner.kind.value == "ec2_instance" and owner.resource_id:
                self.enis_by_instance[owner.resource_id].append(eid)
            if owner.resource_id:
                if owner.kind.value == "load_balancer":
                    self.enis_by_lb[owner.resource_id].append(eid)
                elif owner.kind.value == "lambda":
                    self.enis_by_lambda[owner.resource_id].append(eid)
                elif owner.kind.value == "vpc_endpoint":
                    self.enis_by_vpce[owner.resource_id].append(eid)
            for ip in (*eni.private_ips, *eni.ipv6_addresses):
                self.eni_by_ip.setdefault(_canonical_ip(ip), eid)
        for vpce in inventory.vpc_endpoints.values():
            for eid in vpce.network_interface_ids:
                if eid in inventory.network_interfaces and eid not in self.enis_by_vpce[vpce.vpc_endpoint_id]:
                    self.enis_by_vpce[vpce.vpc_endpoint_id].append(eid)
        self.tasks_by_service: dict[tuple[str | None, str], list[str]] = defaultdict(list)
        for arn, task in sorted(inventory.ecs_tasks.items()):
            if task.service_name and task.running:
                self.tasks_by_service[(task.cluster_arn, task.service_name)].append(arn)
        self.peerings_by_pair: dict[frozenset[str], list[VpcPeeringConnection]] = defaultdict(list)
        for pcx in inventory.peering_connections.values():
            a, b = pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id
            if a and b:
                self.peerings_by_pair[frozenset((a, b))].append(pcx)
        self.igws_by_vpc: dict[str, list[str]] = defaultdict(list)
        for igw in inventory.internet_gateways.values():
            for att in igw.attachments:
                if att.state in ("available", "attached"):
                    self.igws_by_vpc[att.vpc_id].append(igw.internet_gateway_id)
        self.eigws_by_vpc: dict[str, list[str]] = defaultdict(list)
        for eigw in inventory.egress_only_internet_gateways.values():
            for att in eigw.attachments:
                if att.state in ("available", "attached"):
                    self.eigws_by_vpc[att.vpc_id].append(eigw.egress_only_internet_gateway_id)

    def warm(self) -> None:
        """Compute the per-snapshot address tables now, so the first query does not pay for them."""
        _ = (self.accounts, self.vpc_cidrs, self._subnet_cidrs, self.all_vpc_space, self.internet)

    # ---- accounts, regions, VPC and subnet address space ----------------------------------------

    @cached_property
    def accounts(self) -> frozenset[str]:
        """Accounts whose data the snapshot holds."""
        out = {s.account for s in self.inv.scopes if s.account}
        out |= {v.owner_id for v in self.inv.vpcs.values() if v.owner_id}
        out |= {g.owner_id for g in self.inv.security_groups.values() if g.owner_id}
        return frozenset(out)

    def region_of(self, resource_id: str | None) -> str | None:
        """The region of the scope a resource was read from."""
        if not resource_id:
            return None
        scope = self.inv.resource_scope.get(resource_id)
        return scope.region if scope else None

    def account_of(self, resource_id: str | None) -> str | None:
        """The account of the scope a resource was read from."""
        if not resource_id:
            return None
        scope = self.inv.resource_scope.get(resource_id)
        return scope.account if scope else None

    @cached_property
    def vpc_cidrs(self) -> dict[str, tuple[AddressSet, AddressSet]]:
        """VPC id -> (IPv4 CIDRs, IPv6 CIDRs)."""
        out: dict[str, tuple[AddressSet, AddressSet]] = {}
        for vid, vpc in self.inv.vpcs.items():
            out[vid] = (AddressSet.from_cidrs(4, vpc.cidrs4), AddressSet.from_cidrs(6, vpc.cidrs6))
        return out

    @cached_property
    def all_vpc_space(self) -> tuple[AddressSet, AddressSet]:
        """Every VPC CIDR of the snapshot, per family."""
        v4, v6 = AddressSet.empty(4), AddressSet.empty(6)
        for a4, a6 in self.vpc_cidrs.values():
            v4, v6 = v4 | a4, v6 | a6
        return v4, v6

    @cached_property
    def internet(self) -> tuple[AddressSet, AddressSet]:
        """The internet placement's addresses: outside every VPC (and, for IPv4, private space)."""
        v4, v6 = self.all_vpc_space
        return (AddressSet.universe(4) - v4 - _PRIVATE_V4, AddressSet.universe(6) - v6)

    def subnet_cidrs(self, subnet_id: str | None) -> tuple[AddressSet, AddressSet] | None:
        """A subnet's (IPv4, IPv6) blocks, or None when the subnet is not in the snapshot."""
        if not subnet_id or subnet_id not in self.inv.subnets:
            return None
        return self._subnet_cidrs[subnet_id]

    @cached_property
    def _subnet_cidrs(self) -> dict[str, tuple[AddressSet, AddressSet]]:
        out: dict[str, tuple[AddressSet, AddressSet]] = {}
        for sid, s in self.inv.subnets.items():
            v4 = AddressSet.from_cidrs(4, [s.cidr_block] if s.cidr_block else [])
            out[sid] = (v4, AddressSet.from_cidrs(6, s.cidrs6))
        return out

    def vpc_of_address(self, family: int, address: int) -> str | None:
        """The VPC whose CIDRs contain an address, if any."""
        for vid, (a4, a6) in self.vpc_cidrs.items():
            if (a4 if family == 4 else a6).points.contains(address):
                return vid
        return None

    # ---- security groups --------------------------------------------------------------------------

    def group(self, group_id: str) -> CompiledGroup | None:
        """A group compiled for matching, or None when it is not in the snapshot."""
        if group_id in self._groups:
            return self._groups[group_id]
        sg = self.inv.security_groups.get(group_id)
        compiled = None
        if sg is not None:
            ingress: list[CompiledRule] = []
            egress: list[CompiledRule] = []
            for rule in sg.rules:
                target = egress if rule.direction is Direction.EGRESS else ingress
                target.append(_compile_rule(rule, sg.owner_id))
            compiled = CompiledGroup(group_id, sg.display_name, sg.is_default, tuple(ingress), tuple(egress))
        self._groups[group_id] = compiled
        return compiled

    def group_exists(self, group_id: str) -> bool:
        """True if the snapshot has the group, or an interface carries it."""
        return group_id in self.inv.security_groups or group_id in self.inv.group_members

    def group_label(self, group_id: str) -> str:
        """``sg-0abc (api)``."""
        sg = self.inv.security_groups.get(group_id)
        return f"{group_id} ({sg.display_name})" if sg and sg.display_name != group_id else group_id

    def member_count(self, group_id: str) -> int:
        """How many interfaces carry the group."""
        return len(self.inv.group_members.get(group_id, ()))

    # ---- prefix lists -------------------------------------------------------------------------------

    def prefix_list(self, pl_id: str) -> tuple[AddressSet, AddressSet] | None:
        """A prefix list's (IPv4, IPv6) entries, or None when missing or without readable entries."""
        if pl_id in self._pls:
            return self._pls[pl_id]
        pl = self.inv.prefix_lists.get(pl_id)
        out = None
        if pl is not None and pl.entry_cidrs is not None:
            v4: list[str] = []
            v6: list[str] = []
            for c in pl.entry_cidrs:
                (v6 if ":" in c else v4).append(c)
            try:
                out = (AddressSet.from_cidrs(4, v4), AddressSet.from_cidrs(6, v6))
            except InvalidCidrError as exc:
                raise SnapshotError(f"prefix list {pl_id}: {exc}") from None
        self._pls[pl_id] = out
        return out

    # ---- routes ---------------------------------------------------------------------------------

    def route_table_id(self, subnet_id: str | None) -> str | None:
        """The subnet's route table id (explicit association, else the main table)."""
        if not subnet_id:
            return None
        rtb = self.inv.subnet_route_table.get(subnet_id)
        return rtb if rtb in self.inv.route_tables else None

    def routes(self, rtb_id: str, family: int) -> tuple[RouteEntry, ...] | None:
        """A table's active routes of one family, most specific first; None when a destination
        prefix list has no readable entries (the table cannot be decided)."""
        key = (rtb_id, family)
        if key in self._routes:
            return self._routes[key]
        table = self.inv.route_tables[rtb_id]
        entries: list[RouteEntry] = []
        undecidable = False
        for route in table.routes:
            if route.state != "active":
                continue  # blackhole routes drop nothing into the lookup: AWS skips them
            target, kind = _target_kind(route)
            prio = _route_priority(route)
            if route.destination_prefix_list_id:
                pl = self.prefix_list(route.destination_prefix_list_id)
                if pl is None:
                    raw_pl = self.inv.prefix_lists.get(route.destination_prefix_list_id)
                    fam = raw_pl.address_family if raw_pl else None
                    if fam is None or fam == f"IPv{family}":
                        undecidable = True
                    continue
                cidrs = (pl[0] if family == 4 else pl[1]).to_cidrs()
                dest = route.destination_prefix_list_id
            else:
                raw = route.destination_cidr_block if family == 4 else route.destination_ipv6_cidr_block
                if not raw:
                    continue
                try:
                    cidrs = [ipaddress.ip_network(raw, strict=False)]
                except ValueError:
                    raise SnapshotError(f"route table {rtb_id}: invalid destination {raw!r}") from None
                dest = raw
            for net in cidrs:
                entries.append(
                    RouteEntry(
                        int(net.network_address),
                        int(net.broadcast_address),
                        net.prefixlen,
                        prio,
                        dest,
                        target,
                        kind,
                        route,
                    )
                )
        # The VPC's CIDRs always route locally, also in a hand-made dump that omits the local route,
        # unless the table names that exact block itself.
        named = {
            str(ipaddress.ip_network(c, strict=False))
            for r in table.routes
            for c in (r.destination_cidr_block, r.destination_ipv6_cidr_block)
            if c
        }
        vpc = self.inv.vpcs.get(table.vpc_id)
        for c in (vpc.cidrs4 if family == 4 else vpc.cidrs6) if vpc else ():
            net = ipaddress.ip_network(c, strict=False)
            if str(net) not in named:
                local = Route(destination_cidr_block=c, gateway_id="local")
                entries.append(
                    RouteEntry(
                        int(net.network_address),
                        int(net.broadcast_address),
                        net.prefixlen,
                        0,
                        str(net),
                        "local",
                        "local",
                        local,
                    )
                )
        entries.sort(key=lambda e: (-e.prefixlen, e.priority))
        out = None if undecidable else tuple(entries)
        self._routes[key] = out
        return out

    def lookup(self, rtb_id: str, family: int, address: int) -> RouteHit | None:
        """Longest-prefix match of an address in a route table; None when no route matches."""
        entries = self.routes(rtb_id, family)
        for e in entries or ():
            if e.lo <= address <= e.hi:
                return RouteHit(rtb_id, e.destination, e.target, e.target_kind)
        return None

    def route_cuts(self, rtb_id: str | None, family: int) -> list[AddressSet]:
        """The destination blocks of a table: the boundaries that can change its decision."""
        if rtb_id is None:
            return []
        key = (rtb_id, family)
        found = self._route_cuts.get(key)
        if found is None:
            found = [
                AddressSet(family, IntervalSet.span(e.lo, e.hi)) for e in self.routes(rtb_id, family) or ()
            ]
            self._route_cuts[key] = found
        return found

    def active_peering(self, vpc_a: str, vpc_b: str) -> VpcPeeringConnection | None:
        """The active peering connection between two VPCs, if there is one."""
        for pcx in self.peerings_by_pair.get(frozenset((vpc_a, vpc_b)), ()):
            if pcx.active:
                return pcx
        return None

    def nat(self, nat_id: str) -> NatGateway | None:
        """A NAT gateway by id."""
        return self.inv.nat_gateways.get(nat_id)

    # ---- NACLs ----------------------------------------------------------------------------------

    def nacl_id(self, subnet_id: str | None) -> str | None:
        """The subnet's NACL id (association, else the VPC default)."""
        if not subnet_id:
            return None
        acl = self.inv.subnet_network_acl.get(subnet_id)
        return acl if acl in self.inv.network_acls else None

    def nacl_rules(self, acl_id: str, egress: bool, family: int) -> tuple[NaclRule, ...]:
        """A NACL's entries of one direction and family, in evaluation order."""
        key = (acl_id, egress, family)
        if key in self._nacls:
            return self._nacls[key]
        acl = self.inv.network_acls[acl_id]
        out: list[NaclRule] = []
        for e in sorted(acl.entries, key=lambda x: x.rule_number):
            if e.egress != egress:
                continue
            cidr = e.cidr_block if family == 4 else e.ipv6_cidr_block
            if not cidr:
                continue
            out.append(
                NaclRule(
                    e.rule_number, e.rule_action == "allow", _addr_set(cidr), nacl_entry_traffic(acl_id, e)
                )
            )
        rules = tuple(out)
        self._nacls[key] = rules
        return rules

    def nacl_eval(
        self, acl_id: str, egress: bool, family: int, address: int, traffic: Traffic
    ) -> tuple[Traffic, list[NaclDecision]]:
        """First-match evaluation of ``traffic`` to/from ``address``: (allowed part, decisions)."""
        key = (acl_id, egress, family, address, traffic)
        found = self._nacl_memo.get(key)
        if found is None:
            found = self._nacl_eval(acl_id, egress, family, address, traffic)
            if len(self._nacl_memo) > 100_000:
                self._nacl_memo.clear()
            self._nacl_memo[key] = found
        return found[0], list(found[1])

    def _nacl_eval(
        self, acl_id: str, egress: bool, family: int, address: int, traffic: Traffic
    ) -> tuple[Traffic, tuple[NaclDecision, ...]]:
        allowed = Traffic.NONE
        remaining = traffic
        decisions: list[NaclDecision] = []
        for rule in self.nacl_rules(acl_id, egress, family):
            if not rule.cidr.points.contains(address):
                continue
            part = remaining & rule.traffic
            if part:
                decisions.append(NaclDecision(rule.label, rule.allow, part))
                if rule.allow:
                    allowed = allowed | part
                remaining = remaining - part
                if not remaining:
                    break
        if remaining:
            decisions.append(NaclDecision("*", False, remaining))
        return allowed, tuple(decisions)

    def nacl_cuts(self, acl_id: str | None, family: int) -> list[AddressSet]:
        """Every CIDR of a NACL's entries of one family (both directions)."""
        if acl_id is None:
            return []
        return [r.cidr for eg in (False, True) for r in self.nacl_rules(acl_id, eg, family)]

    def nacl_numbers(self, acl_id: str, egress: bool) -> set[int]:
        """Rule numbers in use in one direction (both families share the number space)."""
        return {e.rule_number for e in self.inv.network_acls[acl_id].entries if e.egress == egress}

    def cidrs(self, block: AddressSet) -> tuple[str, ...]:
        """``block.to_cidr_strings()``, cached (atoms and subnets are rendered for every pair)."""
        text = self._cidr_text.get(block)
        if text is None:
            if len(self._cidr_text) > 100_000:
                self._cidr_text.clear()
            text = self._cidr_text[block] = tuple(block.to_cidr_strings())
        return text

    def describe(self, traffic: Traffic) -> str:
        """``traffic.describe()``, cached (hop details name the same few sets again and again)."""
        text = self._describe.get(traffic)
        if text is None:
            text = self._describe[traffic] = traffic.describe()
        return text

    # ---- interfaces -----------------------------------------------------------------------------

    def interface(self, eni_id: str) -> NetworkInterface | None:
        """An interface by id."""
        return self.inv.network_interfaces.get(eni_id)


def _canonical_ip(ip: str) -> str:
    if _IPV4.fullmatch(ip):
        return ip  # already how ipaddress writes it
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


@lru_cache(maxsize=16384)
def rule_traffic(protocol: str, from_port: int | None, to_port: int | None) -> Traffic:
    """``Traffic.from_rule``, cached: estates repeat a few hundred port ranges over thousands of rules
    (``Traffic`` is immutable, so one value serves them all; errors are raised every time)."""
    return Traffic.from_rule(protocol, from_port, to_port)


def _compile_rule(rule: SecurityGroupRule, owner: str | None) -> CompiledRule:
    try:
        traffic = rule_traffic(rule.protocol, rule.from_port, rule.to_port)
    except NetAlgebraError as exc:
        raise SnapshotError(f"security group {rule.group_id} rule {rule.rule_id or ''}: {exc}") from None
    peer = rule.peer
    family: int | None = None
    cidr: AddressSet | None = None
    if peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
        cidr = _addr_set(peer.value)
        family = cidr.version
    return CompiledRule(rule, traffic, peer.kind, family, cidr, peer.value, owner)


def nacl_entry_traffic(acl_id: str, e: NetworkAclEntry) -> Traffic:
    """``Traffic.from_nacl_entry`` of one entry of NACL ``acl_id``; an invalid entry is a
    `SnapshotError` naming both (the path engine and the matrix read entries through this)."""
    try:
        return Traffic.from_nacl_entry(
            e.protocol,
            port_from=e.port_range.from_ if e.port_range else None,
            port_to=e.port_range.to if e.port_range else None,
            icmp_type=e.icmp_type_code.type if e.icmp_type_code else None,
            icmp_code=e.icmp_type_code.code if e.icmp_type_code else None,
            ipv6=e.ipv6_cidr_block is not None,
        )
    except NetAlgebraError as exc:
        raise SnapshotError(f"network ACL {acl_id} entry {e.rule_number}: {exc}") from None
