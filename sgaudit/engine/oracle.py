"""A brute-force reference evaluator of `docs/semantics.md`, for tests only.

It is deliberately slow and literal: for one concrete flow (a protocol and one port, or one ICMP
type/code), one source address and one destination address it walks every layer by scanning every
rule of every group, every route and every NACL entry in order. It shares no evaluation code with
the engine or the matrix; it reads the engine's endpoints and placements, parses CIDRs itself, and
uses the traffic algebra only to assemble (and render) the final answer. Pure layer functions are
memoised, since the same question comes up many times; that changes no answer.

Exactness without enumerating 2^32 addresses and 65536 ports: every layer is piecewise constant in
the address and in the port, with breaks only at the boundaries of the CIDRs and ranges the estate
mentions. The oracle evaluates one representative per piece: for ports and ICMP type/codes every
``lo - 1``, ``lo``, ``hi`` and ``hi + 1`` of every rule and NACL entry (and the echo types, whose
replies are checked); for the addresses of a range placement its first address and every ``lo`` and
``hi + 1`` of every rule peer, prefix-list entry, NACL entry, route, VPC and subnet inside it (a piece
of address space always starts at one of those). Extra representatives are harmless: endpoint
verdicts are "for every pair" / "for some pair".

Decisions where semantics.md is silent, shared with the matrix (and, as the property tests show,
with `Engine.path`): a referenced group absent from the snapshot only matters for a placement that
carries it (its groups are known), and is then UNKNOWN for a foreign account and stale otherwise; a
prefix list with an empty (readable) entry list matches nothing; a route to a prefix list whose entries
are unknown makes the table UNKNOWN; inside one VPC a best route other than ``local`` or a middlebox
(``eni-``, ``i-``, ``vpce-``) denies; traffic to the internet through a gateway endpoint's prefix-list
route is not internet traffic (denied for those addresses); a NAT path checks the source subnet's and
the NAT subnet's NACL legs, the internet-side reply on the NAT's own ephemeral range.

Public API: `oracle_verdict` (one endpoint pair, one flow), `oracle_pairs`, `oracle_pair_traffic`
and `oracle_matrix` / `oracle_matrix_rows` (the same shapes as `sgaudit.engine.matrix`).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from sgaudit.engine.matrix import MatrixRow, PairTraffic, flows_from_pairs, rows_from_pairs, select_endpoints
from sgaudit.engine.models import Endpoint, EngineOptions, Flow, PairVerdict, Placement, Tri, Verdict
from sgaudit.errors import UsageError
from sgaudit.inventory import Direction, Inventory, PeerKind, SecurityGroupRule
from sgaudit.model.ec2 import NetworkAcl, NetworkAclEntry, RouteTable
from sgaudit.netalgebra import ICMP_CODES, OTHER_PROTOCOLS, PORTS, IntervalSet, Traffic

if TYPE_CHECKING:
    from sgaudit.engine.core import Engine

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
_NAMES = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6, "all": -1, "-1": -1}
_MIDDLEBOX_PREFIXES = ("eni-", "i-", "vpce-")
_PRIVATE_KINDS = ("interface", "subnet-range")
_EXTERNAL_KINDS = ("internet", "cidr")


@functools.lru_cache(maxsize=1024)
def _proto_number(value: str | int) -> int:
    """A protocol name or number as its number (-1 for all); our own, not netalgebra's."""
    if isinstance(value, int):
        return value
    text = value.strip().lower()
    if text in _NAMES:
        return _NAMES[text]
    return int(text)


class Probe(NamedTuple):
    """One concrete flow: a protocol number and its value (port; ICMP ``type*256+code``; None)."""

    proto: int
    value: int | None


@dataclass(frozen=True)
class _Net:
    """A parsed CIDR as an inclusive integer range of one family."""

    family: int
    lo: int
    hi: int
    prefixlen: int

    def contains(self, family: int, address: int) -> bool:
        return self.family == family and self.lo <= address <= self.hi


@functools.lru_cache(maxsize=65536)
def _net(cidr: str) -> _Net:
    n = ipaddress.ip_network(cidr, strict=False)
    return _Net(n.version, int(n.network_address), int(n.broadcast_address), n.prefixlen)


def _address(text: str) -> tuple[int, int]:
    a = ipaddress.ip_address(text)
    return a.version, int(a)


# ---- literal matching of one rule / one NACL entry against one probe ---------------------------------


def _sg_rule_matches_traffic(rule: SecurityGroupRule, probe: Probe) -> bool:
    num = _proto_number(rule.protocol)
    if num == -1:
        return True
    if num != probe.proto:
        return False
    if num in (TCP, UDP):
        lo = 0 if rule.from_port is None else rule.from_port
        hi = 65535 if rule.to_port is None else rule.to_port
        assert probe.value is not None
        return lo <= probe.value <= hi
    if num in (ICMP, ICMPV6):
        assert probe.value is not None
        t, c = rule.from_port, rule.to_port
        if t is None or t == -1:
            return True  # every type (icmpv6 without a range is every type and code too)
        ptype, pcode = divmod(probe.value, 256)
        return ptype == t and (c is None or c in (-1, pcode))
    return True  # any other protocol: ports are ignored


def _nacl_entry_matches_traffic(entry: NetworkAclEntry, probe: Probe) -> bool:
    num = _proto_number(entry.protocol)
    if num == -1:
        return True
    if num != probe.proto:
        return False
    if num in (TCP, UDP):
        assert probe.value is not None
        pr = entry.port_range
        lo = 0 if pr is None or pr.from_ is None else pr.from_
        hi = 65535 if pr is None or pr.to is None else pr.to
        return lo <= probe.value <= hi
    if num in (ICMP, ICMPV6):
        assert probe.value is not None
        if num == ICMPV6 and entry.cidr_block is not None:
            return True  # AWS: ICMPv6 on an IPv4 entry means every type and code
        itc = entry.icmp_type_code
        t = -1 if itc is None or itc.type is None else itc.type
        c = -1 if itc is None or itc.code is None else itc.code
        if t == -1:
            return True
        ptype, pcode = divmod(probe.value, 256)
        return ptype == t and c in (-1, pcode)
    return True


# ---- the evaluation context ------------------------------------------------------------------------


@dataclass
class _Ctx:
    inv: Inventory
    options: EngineOptions
    accounts: frozenset[str]
    nacl_cache: dict[str, list[tuple[NetworkAclEntry, _Net | None]]] = field(default_factory=dict)
    # Memoised results of the pure layer functions below (the same question is asked many times).
    memo: dict[tuple[object, ...], object] = field(default_factory=dict)

    def ephemeral(self, client_kind: str) -> tuple[int, int]:
        return self.options.ephemeral_range(client_kind)

    def peered(self, vpc_a: str | None, vpc_b: str | None) -> bool:
        """An active peering connects exactly these two VPCs."""
        if vpc_a is None or vpc_b is None:
            return False
        key = ("peered", vpc_a, vpc_b)
        if key not in self.memo:
            self.memo[key] = any(
                pcx.active and {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id} == {vpc_a, vpc_b}
                for pcx in self.inv.peering_connections.values()
            )
        return bool(self.memo[key])

    def igw_attached(self, igw_id: str, vpc_id: str | None) -> Tri:
        igw = self.inv.internet_gateways.get(igw_id)
        if igw is None:
            return Tri.UNKNOWN
        return Tri.ALLOW if any(_attached(a.vpc_id, a.state, vpc_id) for a in igw.attachments) else Tri.DENY

    def eigw_attached(self, eigw_id: str, vpc_id: str | None) -> Tri:
        eigw = self.inv.egress_only_internet_gateways.get(eigw_id)
        if eigw is None:
            return Tri.UNKNOWN
        return Tri.ALLOW if any(_attached(a.vpc_id, a.state, vpc_id) for a in eigw.attachments) else Tri.DENY


def _attached(gateway_vpc: str, state: str, vpc_id: str | None) -> bool:
    return gateway_vpc == vpc_id and state in ("available", "attached")


def _context(engine: Engine) -> _Ctx:
    inv = engine.inventory
    # The accounts whose data the snapshot holds: a missing group of one of them is stale.
    accounts = {s.account for s in inv.scopes if s.account}
    accounts |= {v.owner_id for v in inv.vpcs.values() if v.owner_id}
    accounts |= {g.owner_id for g in inv.security_groups.values() if g.owner_id}
    return _Ctx(inv=inv, options=engine.options, accounts=frozenset(accounts))


# ---- layer 1 and 4: security groups -----------------------------------------------------------------


class Case(NamedTuple):
    """One concrete question: an address family, a source address, a destination address, a flow."""

    family: int
    a: int
    b: int
    probe: Probe


class _SgAsk(NamedTuple):
    """One side's security-group question: its groups and direction, the other side and its address."""

    groups: tuple[str, ...]
    direction: Direction
    address: int
    other: Placement
    private: bool  # group references can match: same VPC or an active peering in one region
    middlebox: bool  # the path crosses a middlebox, which does not preserve references


def _sg_peer(ctx: _Ctx, rule: SecurityGroupRule, ask: _SgAsk, family: int) -> Tri:
    peer = rule.peer
    if peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
        return Tri.ALLOW if _net(peer.value).contains(family, ask.address) else Tri.DENY
    if peer.kind is PeerKind.PREFIX_LIST:
        pl = ctx.inv.prefix_lists.get(peer.value)
        cidrs = None if pl is None else pl.entry_cidrs
        if cidrs is None:
            return Tri.UNKNOWN
        return Tri.ALLOW if any(_net(c).contains(family, ask.address) for c in cidrs) else Tri.DENY
    # A referenced group: members' private addresses, on a private path only.
    gid = peer.value
    if ask.other.kind not in _PRIVATE_KINDS or gid not in ask.other.group_ids or not ask.private:
        return Tri.DENY
    if gid not in ctx.inv.security_groups:
        stale = peer.user_id is None or peer.user_id in ctx.accounts
        return Tri.DENY if stale else Tri.UNKNOWN
    if ask.middlebox:
        return Tri.UNKNOWN  # SG references are not preserved through a middlebox
    return Tri.ALLOW


def _sg_layer(ctx: _Ctx, ask: _SgAsk, family: int, probe: Probe) -> Tri:
    key: tuple[object, ...] = ("sg", *ask[:4], ask.other.kind, ask.other.group_ids, *ask[4:], family, probe)
    hit = ctx.memo.get(key)
    if hit is None:
        hit = ctx.memo[key] = _sg_layer_scan(ctx, ask, family, probe)
    return hit  # type: ignore[return-value]


def _sg_layer_scan(ctx: _Ctx, ask: _SgAsk, family: int, probe: Probe) -> Tri:
    """The union of every rule of every group: ALLOW if one matches, else UNKNOWN if one might."""
    result = Tri.DENY
    for gid in ask.groups:
        group = ctx.inv.security_groups.get(gid)
        if group is None:
            result = result | Tri.UNKNOWN  # the group's rules are not in the snapshot
            continue
        for rule in group.rules:
            if rule.direction is not ask.direction or not _sg_rule_matches_traffic(rule, probe):
                continue
            match = _sg_peer(ctx, rule, ask, family)
            if match is Tri.ALLOW:
                return Tri.ALLOW
            result = result | match
    return result


def _egress(ctx: _Ctx, s: Placement, d: Placement, case: Case, path: tuple[bool, bool]) -> Tri:
    """Layer 1: the source's egress rules, toward the destination address ``case.b``."""
    if not s.sg_filtered:
        return Tri.ALLOW  # an interface that security groups do not filter
    ask = _SgAsk(s.group_ids, Direction.EGRESS, case.b, d, *path)
    return _sg_layer(ctx, ask, case.family, case.probe)


def _ingress(ctx: _Ctx, s: Placement, d: Placement, case: Case, path: tuple[bool, bool]) -> Tri:
    """Layer 4: the destination's ingress rules, from the source address ``case.a``."""
    if not d.sg_filtered:
        return Tri.ALLOW
    ask = _SgAsk(d.group_ids, Direction.INGRESS, case.a, s, *path)
    return _sg_layer(ctx, ask, case.family, case.probe)


# ---- layer 2: routes ---------------------------------------------------------------------------------


class _Best(NamedTuple):
    result: Tri  # ALLOW: target found; DENY: nothing matches; UNKNOWN: undecidable
    target: str | None


def _lookup(ctx: _Ctx, table: RouteTable, family: int, address: int) -> _Best:
    key = ("route", table.route_table_id, family, address)
    hit = ctx.memo.get(key)
    if hit is None:
        hit = ctx.memo[key] = _lookup_scan(ctx, table, family, address)
    return hit  # type: ignore[return-value]


def _lookup_scan(ctx: _Ctx, table: RouteTable, family: int, address: int) -> _Best:
    """Longest prefix match; CIDR routes beat prefix-list routes of the same length; VPC CIDRs are local."""
    best: tuple[int, int] | None = None
    target: str | None = None
    for route in table.routes:
        if route.state != "active":
            continue  # blackhole (and filtered) routes carry nothing
        nets: list[_Net] = []
        # For equal prefixes: static routes, then prefix-list routes, then propagated ones.
        rank = 0 if route.origin == "EnableVgwRoutePropagation" else 2
        if route.destination_cidr_block and family == 4:
            nets = [_net(route.destination_cidr_block)]
        elif route.destination_ipv6_cidr_block and family == 6:
            nets = [_net(route.destination_ipv6_cidr_block)]
        elif route.destination_prefix_list_id:
            rank = 1
            pl = ctx.inv.prefix_lists.get(route.destination_prefix_list_id)
            cidrs = None if pl is None else pl.entry_cidrs
            if cidrs is None:
                fam = None if pl is None else pl.address_family
                if fam is None or fam == f"IPv{family}":
                    return _Best(Tri.UNKNOWN, None)
                continue
            nets = [n for n in map(_net, cidrs) if n.family == family]
        for n in nets:
            if n.contains(family, address):
                key = (n.prefixlen, rank)
                if best is None or key > best:
                    best, target = key, route.target
    # The VPC's own CIDRs always route locally unless the table says otherwise for that exact block.
    vpc = ctx.inv.vpcs.get(table.vpc_id)
    if vpc is not None:
        own = {
            _net(c)
            for r in table.routes
            for c in (r.destination_cidr_block, r.destination_ipv6_cidr_block)
            if c
        }
        for cidr in vpc.cidrs4 if family == 4 else vpc.cidrs6:
            n = _net(cidr)
            if n not in own and n.contains(family, address):
                key = (n.prefixlen, 2)
                if best is None or key > best:
                    best, target = key, "local"
    if best is None:
        return _Best(Tri.DENY, None)
    return _Best(Tri.ALLOW, target)


def _table(ctx: _Ctx, subnet_id: str | None) -> RouteTable | None:
    return ctx.inv.route_table_for(subnet_id) if subnet_id else None


def _private_route(ctx: _Ctx, s: Placement, d: Placement, case: Case) -> tuple[Tri, bool]:
    """(routing result, through a middlebox) between two private placements."""
    family, a, b = case.family, case.a, case.b
    if s.subnet_id is not None and s.subnet_id == d.subnet_id:
        return Tri.ALLOW, False
    s_table = _table(ctx, s.subnet_id)
    if s_table is None:
        return Tri.UNKNOWN, False
    fwd = _lookup(ctx, s_table, family, b)
    if s.vpc_id is not None and s.vpc_id == d.vpc_id:
        if fwd.result is not Tri.ALLOW or fwd.target is None:
            return fwd.result, False
        if fwd.target == "local":
            return Tri.ALLOW, False
        if fwd.target.startswith(_MIDDLEBOX_PREFIXES):
            return Tri.ALLOW, True
        return Tri.DENY, False
    forward = _via_peering(ctx, fwd, s.vpc_id, d.vpc_id)
    transit = fwd.result is Tri.ALLOW and _transit(fwd.target)
    d_table = _table(ctx, d.subnet_id)
    if d_table is None:
        back = Tri.UNKNOWN
    else:
        ret = _lookup(ctx, d_table, family, a)
        back = _via_peering(ctx, ret, s.vpc_id, d.vpc_id)
        transit = transit or (ret.result is Tri.ALLOW and _transit(ret.target))
    return forward & back, transit  # references across a transit gateway: undecidable, as a middlebox


def _via_peering(ctx: _Ctx, best: _Best, vpc_a: str | None, vpc_b: str | None) -> Tri:
    if best.result is not Tri.ALLOW or best.target is None:
        return best.result
    if _transit(best.target):
        return Tri.UNKNOWN  # what a transit gateway does with it is not in the snapshot
    if not best.target.startswith("pcx-"):
        return Tri.DENY
    pcx = ctx.inv.peering_connections.get(best.target)
    if pcx is None:
        return Tri.UNKNOWN
    ends = {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id}
    return Tri.ALLOW if pcx.active and ends == {vpc_a, vpc_b} else Tri.DENY


def _transit(target: str | None) -> bool:
    """A transit gateway or a Cloud WAN core network."""
    return target is not None and (target.startswith("tgw-") or ":core-network/" in target)


def _is_public(p: Placement, family: int) -> bool:
    return family == 6 or bool(p.public_ips) or p.public


# ---- layer 3: network ACLs ----------------------------------------------------------------------------


def _entries(ctx: _Ctx, acl: NetworkAcl) -> list[tuple[NetworkAclEntry, _Net | None]]:
    cached = ctx.nacl_cache.get(acl.network_acl_id)
    if cached is None:
        cached = []
        for e in sorted(acl.entries, key=lambda e: e.rule_number):
            cidr = e.cidr_block or e.ipv6_cidr_block
            cached.append((e, _net(cidr) if cidr else None))
        ctx.nacl_cache[acl.network_acl_id] = cached
    return cached


class _Leg(NamedTuple):
    """One NACL check: a subnet's ACL, a direction, and the address on the far side."""

    subnet_id: str | None
    egress: bool
    family: int
    address: int


def _nacl(ctx: _Ctx, leg: _Leg, probe: Probe) -> Tri:
    key = ("nacl", leg, probe)
    hit = ctx.memo.get(key)
    if hit is None:
        hit = ctx.memo[key] = _nacl_scan(ctx, leg, probe)
    return hit  # type: ignore[return-value]


def _nacl_scan(ctx: _Ctx, leg: _Leg, probe: Probe) -> Tri:
    """First match in rule-number order over the entries of the flow's family; implicit deny."""
    acl = ctx.inv.network_acl_for(leg.subnet_id) if leg.subnet_id else None
    if acl is None:
        return Tri.UNKNOWN
    for entry, net in _entries(ctx, acl):
        if entry.egress != leg.egress or net is None or not net.contains(leg.family, leg.address):
            continue
        if _nacl_entry_matches_traffic(entry, probe):
            return Tri.ALLOW if entry.rule_action == "allow" else Tri.DENY
    return Tri.DENY


def _nacl_ports(ctx: _Ctx, leg: _Leg, proto: int, lo: int, hi: int) -> Tri:
    """A return leg over a whole ephemeral range: ALLOW only if every port of it is allowed."""
    key = ("ports", leg, proto, lo, hi)
    if key in ctx.memo:
        return ctx.memo[key]  # type: ignore[return-value]
    ctx.memo[key] = result = _nacl_ports_scan(ctx, leg, proto, lo, hi)
    return result


def _nacl_ports_scan(ctx: _Ctx, leg: _Leg, proto: int, lo: int, hi: int) -> Tri:
    acl = ctx.inv.network_acl_for(leg.subnet_id) if leg.subnet_id else None
    if acl is None:
        return Tri.UNKNOWN
    # First match is constant between entry boundaries: checking each boundary checks every port.
    ports = {lo}
    for entry, _ in _entries(ctx, acl):
        if entry.port_range is not None:
            for p in (
                entry.port_range.from_,
                None if entry.port_range.to is None else entry.port_range.to + 1,
            ):
                if p is not None and lo < p <= hi:
                    ports.add(p)
    result = Tri.ALLOW
    for port in sorted(ports):
        result = result & _nacl(ctx, leg, Probe(proto, port))
    return result


def _return_probe(probe: Probe) -> Probe | None:
    """The reply of an ICMP echo; the same protocol back for other numbers; None when there is none."""
    if probe.proto == ICMP:
        return Probe(ICMP, 0) if probe.value is not None and probe.value // 256 == 8 else None
    if probe.proto == ICMPV6:
        return Probe(ICMPV6, 129 * 256) if probe.value is not None and probe.value // 256 == 128 else None
    return probe


def _nacl_return(
    ctx: _Ctx,
    server_subnet: str | None,
    client_subnet: str | None,
    case: Case,
    client_kind: str,
    *,
    server_side: bool = True,
    client_side: bool = True,
) -> Tri:
    """The return legs: out of the server's subnet to the client ``case.a``, into the client's subnet
    from the server ``case.b`` (each side only when asked)."""
    legs = []
    if server_side:
        legs.append(_Leg(server_subnet, True, case.family, case.a))
    if client_side:
        legs.append(_Leg(client_subnet, False, case.family, case.b))
    result = Tri.ALLOW
    probe = case.probe
    if probe.proto in (TCP, UDP):
        lo, hi = ctx.ephemeral(client_kind)
        for leg in legs:
            result = result & _nacl_ports(ctx, leg, probe.proto, lo, hi)
        return result
    back = _return_probe(probe)
    if back is None:
        return result
    for leg in legs:
        result = result & _nacl(ctx, leg, back)
    return result


# ---- one pair, one family, one address each, one probe ------------------------------------------------


def evaluate(ctx: _Ctx, s: Placement, d: Placement, case: Case) -> Tri:
    """Every layer for source address ``case.a`` of ``s`` to destination address ``case.b`` of ``d``."""
    s_ext, d_ext = s.kind in _EXTERNAL_KINDS, d.kind in _EXTERNAL_KINDS
    if s_ext and d_ext:
        return Tri.DENY  # no AWS network between two outside addresses
    if d.listeners is not None and not _listens(d.listeners.ports, case.probe):
        return Tri.DENY  # a load balancer accepts nothing but its listeners, whatever its groups say
    if s_ext:
        return _from_outside(ctx, s, d, case)
    if d_ext:
        return _to_outside(ctx, s, d, case)
    private = (s.vpc_id is not None and s.vpc_id == d.vpc_id) or (
        s.region == d.region and ctx.peered(s.vpc_id, d.vpc_id)
    )
    route, middlebox = _private_route(ctx, s, d, case)
    if route is Tri.DENY:
        return Tri.DENY  # a definite deny decides, whatever the other layers say
    # A transit gateway path (flagged as a middlebox) lets references match, undecidably.
    egress = _egress(ctx, s, d, case, (private or middlebox, middlebox))
    ingress = _ingress(ctx, s, d, case, (private or middlebox, middlebox))
    nacl = Tri.ALLOW
    if s.subnet_id != d.subnet_id:
        f, a, b, probe = case
        nacl = _nacl(ctx, _Leg(s.subnet_id, True, f, b), probe) & _nacl(
            ctx, _Leg(d.subnet_id, False, f, a), probe
        )
        nacl = nacl & _nacl_return(ctx, d.subnet_id, s.subnet_id, case, s.client_kind)
    return egress & route & nacl & ingress


def _listens(ports: tuple[tuple[str, int], ...], probe: Probe) -> bool:
    """A listener list (raw protocol names and ports) against one concrete flow."""
    name = {TCP: "tcp", UDP: "udp"}.get(probe.proto)
    return name is not None and (name, probe.value) in ports


def _from_outside(ctx: _Ctx, s: Placement, d: Placement, case: Case) -> Tri:
    f, a, _, probe = case
    table = _table(ctx, d.subnet_id)
    if table is None:
        route = Tri.UNKNOWN
    else:
        best = _lookup(ctx, table, f, a)
        if best.result is not Tri.ALLOW or best.target is None:
            route = best.result
        elif best.target.startswith("igw-"):
            route = ctx.igw_attached(best.target, d.vpc_id)
        else:
            route = Tri.DENY
    if not _is_public(d, f):
        route = Tri.DENY
    nacl = _nacl(ctx, _Leg(d.subnet_id, False, f, a), probe)
    nacl = nacl & _nacl_return(ctx, d.subnet_id, None, case, s.client_kind, client_side=False)
    ingress = _ingress(ctx, s, d, case, (False, False))
    return route & nacl & ingress


def _to_outside(ctx: _Ctx, s: Placement, d: Placement, case: Case) -> Tri:
    f, a, b, probe = case
    egress = _egress(ctx, s, d, case, (False, False))
    table = _table(ctx, s.subnet_id)
    if table is None:
        return egress & Tri.UNKNOWN
    best = _lookup(ctx, table, f, b)
    if best.result is not Tri.ALLOW or best.target is None:
        return egress & best.result
    target = best.target
    own_legs = _nacl(ctx, _Leg(s.subnet_id, True, f, b), probe) & _nacl_return(
        ctx, None, s.subnet_id, case, s.client_kind, server_side=False
    )
    if target.startswith("igw-"):
        route = ctx.igw_attached(target, s.vpc_id)
        if not _is_public(s, f):
            route = Tri.DENY
        return egress & route & own_legs
    if target.startswith("eigw-") and f == 6:
        return egress & ctx.eigw_attached(target, s.vpc_id) & own_legs
    if _transit(target):
        return egress & Tri.UNKNOWN & own_legs
    if not target.startswith("nat-"):
        return Tri.DENY
    nat = ctx.inv.nat_gateways.get(target)
    if nat is None:
        return egress & Tri.UNKNOWN
    nat_table = _table(ctx, nat.subnet_id)
    if nat_table is None:
        route = Tri.UNKNOWN
    else:
        out = _lookup(ctx, nat_table, f, b)
        if out.result is not Tri.ALLOW or out.target is None:
            route = out.result
        elif out.target.startswith("igw-"):
            route = ctx.igw_attached(out.target, nat.vpc_id)
        else:
            route = Tri.DENY
    # Legs: source subnet -> NAT subnet (when they differ), NAT subnet -> internet, and the replies.
    legs = Tri.ALLOW
    if nat.subnet_id != s.subnet_id:
        legs = own_legs & _nacl(ctx, _Leg(nat.subnet_id, False, f, a), probe)
        legs = legs & _nacl_return(ctx, nat.subnet_id, None, case, s.client_kind, client_side=False)
    legs = legs & _nacl(ctx, _Leg(nat.subnet_id, True, f, b), probe)
    legs = legs & _nacl_return(ctx, None, nat.subnet_id, case, "nat", server_side=False)
    return egress & route & legs


# ---- representatives ----------------------------------------------------------------------------------


@dataclass
class _Reps:
    """Representative addresses (per family) and flow values (per protocol) of one estate."""

    points: dict[int, list[int]]
    probes: list[tuple[int, int | None, IntervalSet]]  # (protocol, value, the values it stands for)


def _around(lo: int, hi: int, top: int) -> Iterable[int]:
    for p in (lo - 1, lo, hi, hi + 1):
        if 0 <= p <= top:
            yield p


def _representatives(ctx: _Ctx, placements: Iterable[Placement]) -> _Reps:
    inv = ctx.inv
    placements = list(placements)
    cidrs: list[str] = []
    for g in inv.security_groups.values():
        for r in g.rules:
            if r.peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
                cidrs.append(r.peer.value)
    for pl in inv.prefix_lists.values():
        cidrs.extend(pl.entry_cidrs or ())
    for acl in inv.network_acls.values():
        cidrs.extend(c for e in acl.entries for c in (e.cidr_block, e.ipv6_cidr_block) if c)
    for rt in inv.route_tables.values():
        cidrs.extend(
            c for r in rt.routes for c in (r.destination_cidr_block, r.destination_ipv6_cidr_block) if c
        )
    for vpc in inv.vpcs.values():
        cidrs.extend(vpc.cidrs4 + vpc.cidrs6)
    for sn in inv.subnets.values():
        cidrs.extend(([sn.cidr_block] if sn.cidr_block else []) + list(sn.cidrs6))
    # Every piece of address space starts at 0, at the first address of a CIDR or just after its last.
    points: dict[int, set[int]] = {4: {0}, 6: {0}}
    tops = {4: 2**32 - 1, 6: 2**128 - 1}
    for c in cidrs:
        n = _net(c)
        points[n.family].update(p for p in (n.lo, n.hi + 1) if p <= tops[n.family])
    for p in placements:
        for fam in (4, 6):
            for lo, hi in p.addresses(fam).points.intervals:
                points[fam].update(x for x in (lo, hi + 1) if x <= tops[fam])

    # Flow values: every boundary of every rule and entry, per protocol.
    values: dict[int, set[int]] = {TCP: {0}, UDP: {0}, ICMP: {0}, ICMPV6: {0}}
    others: set[int] = set()
    # The ICMP echo types have a return leg, other types do not: they are boundaries too.
    values[ICMP].update(_around(8 * 256, 8 * 256 + 255, 65535))
    values[ICMPV6].update(_around(128 * 256, 128 * 256 + 255, 65535))

    def note(num: int, lo: int | None, hi: int | None) -> None:
        if num == -1:
            return
        if num in (TCP, UDP):
            values[num].update(_around(0 if lo is None else lo, 65535 if hi is None else hi, 65535))
        elif num in (ICMP, ICMPV6):
            if lo is None or lo == -1:
                return
            if hi is None or hi == -1:
                values[num].update(_around(lo * 256, lo * 256 + 255, 65535))
            else:
                values[num].update(_around(lo * 256 + hi, lo * 256 + hi, 65535))
        else:
            others.add(num)

    for g in inv.security_groups.values():
        for r in g.rules:
            note(_proto_number(r.protocol), r.from_port, r.to_port)
    for p in placements:
        for proto, port in p.listeners.ports if p.listeners else ():
            note(_NAMES[proto], port, port)
    for acl in inv.network_acls.values():
        for e in acl.entries:
            num = _proto_number(e.protocol)
            if num in (TCP, UDP) and e.port_range is not None:
                note(num, e.port_range.from_, e.port_range.to)
            elif num in (ICMP, ICMPV6) and e.icmp_type_code is not None:
                note(num, e.icmp_type_code.type, e.icmp_type_code.code)
            elif num not in (TCP, UDP, ICMP, ICMPV6):
                note(num, None, None)
    probes: list[tuple[int, int | None, IntervalSet]] = []
    for num, universe in ((TCP, PORTS), (UDP, PORTS), (ICMP, ICMP_CODES), (ICMPV6, ICMP_CODES)):
        reps = sorted(values[num])
        for i, v in enumerate(reps):
            end = reps[i + 1] - 1 if i + 1 < len(reps) else universe.intervals[-1][1]
            probes.append((num, v, IntervalSet.span(v, end)))
    mentioned = IntervalSet.from_points(others) & OTHER_PROTOCOLS
    for number in sorted(x for x in others if OTHER_PROTOCOLS.contains(x)):
        probes.append((number, None, IntervalSet.point(number)))
    rest = OTHER_PROTOCOLS - mentioned
    if rest:
        probes.append((rest.intervals[0][0], None, rest))
    return _Reps(points={f: sorted(v) for f, v in points.items()}, probes=probes)


def _address_reps(ctx: _Ctx, p: Placement, family: int, reps: _Reps) -> list[int]:
    """The addresses a placement is judged at: its primary address, or one per piece of a range."""
    space = p.addresses(family)
    if space.is_empty:
        return []
    if p.kind == "interface":
        eni = ctx.inv.network_interfaces.get(p.interface_id or "")
        if eni is not None:
            chosen = (
                eni.primary_ip if family == 4 else (eni.ipv6_addresses[0] if eni.ipv6_addresses else None)
            )
            if chosen is not None and space.contains(chosen):
                return [_address(chosen)[1]]
        return [space.points.intervals[0][0]]
    return sorted(
        {lo for lo, _ in space.points.intervals}
        | {x for x in reps.points[family] if space.points.contains(x)}
    )


# ---- pairs and endpoints --------------------------------------------------------------------------------


class OraclePair(NamedTuple):
    """One judged pair: placements, the addresses used, the result per family and overall."""

    source: str
    destination: str
    families: dict[int, PairVerdict]
    verdict: PairVerdict


_RANK = {"blocked": 0, "unknown": 1, "reachable": 2}
_OF_TRI: dict[Tri, PairVerdict] = {Tri.ALLOW: "reachable", Tri.DENY: "blocked", Tri.UNKNOWN: "unknown"}


def _best(verdicts: Iterable[PairVerdict]) -> PairVerdict:
    out: PairVerdict = "blocked"
    for v in verdicts:
        if _RANK[v] > _RANK[out]:
            out = v
    return out


def _sub_pairs(ctx: _Ctx, s: Placement, d: Placement, reps: _Reps) -> list[list[tuple[int, int, int]]]:
    """The pairs of one placement pair, each a list of (family, a, b) of which the best counts.

    Two interfaces make one pair judged per family (best wins); a range is one pair per address piece.
    An empty list means no common address family (the pair is blocked).
    """
    families = [f for f in (4, 6) if not s.addresses(f).is_empty and not d.addresses(f).is_empty]
    if s.kind == "interface" and d.kind == "interface":
        one = [(f, _address_reps(ctx, s, f, reps)[0], _address_reps(ctx, d, f, reps)[0]) for f in families]
        return [one]
    out: list[list[tuple[int, int, int]]] = []
    for f in families:
        for a in _address_reps(ctx, s, f, reps):
            for b in _address_reps(ctx, d, f, reps):
                out.append([(f, a, b)])
    return out or [[]]


def _placement_pairs(src: Endpoint, dst: Endpoint) -> list[tuple[Placement, Placement]]:
    return [(s, d) for s in src.placements for d in dst.placements if s.id != d.id]


def _probe_of(protocol: str, port: int | None, code: int | None) -> Probe:
    num = _proto_number(protocol)
    if num == -1:
        raise UsageError("a flow needs one protocol, not all")
    if num in (TCP, UDP):
        if port is None or not 0 <= port <= 65535:
            raise UsageError(f"{protocol} needs a port 0-65535")
        return Probe(num, port)
    if num in (ICMP, ICMPV6):
        if port is None:
            raise UsageError(f"{protocol} needs a type")
        return Probe(num, port * 256 + (0 if code is None else code))
    return Probe(num, None)


def oracle_pairs(
    engine: Engine,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int | None = None,
    *,
    code: int | None = None,
) -> list[OraclePair]:
    """Every pair (placement pair and address piece) of one flow, literally evaluated."""
    ctx = _context(engine)
    probe = _probe_of(protocol, port, code)
    reps = _representatives(ctx, [*src.placements, *dst.placements])
    out: list[OraclePair] = []
    for s, d in _placement_pairs(src, dst):
        for sub in _sub_pairs(ctx, s, d, reps):
            fams = {f: _OF_TRI[evaluate(ctx, s, d, Case(f, a, b, probe))] for f, a, b in sub}
            out.append(OraclePair(s.id, d.id, fams, _best(fams.values())))
    return out


def aggregate(verdicts: Sequence[PairVerdict]) -> Verdict:
    """DESIGN.md section 4: all reachable, all blocked, some reachable, else unknown."""
    if not verdicts:
        return "blocked"
    if all(v == "reachable" for v in verdicts):
        return "reachable"
    if all(v == "blocked" for v in verdicts):
        return "blocked"
    if any(v == "reachable" for v in verdicts):
        return "partial"
    return "unknown"


def oracle_verdict(
    engine: Engine,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int | None = None,
    *,
    code: int | None = None,
) -> Verdict:
    """The endpoint verdict of one flow (``port`` is the ICMP type for icmp/icmpv6, ``code`` its code)."""
    return aggregate([p.verdict for p in oracle_pairs(engine, src, dst, protocol, port, code=code)])


# ---- the matrix ---------------------------------------------------------------------------------------


def _traffic(num: int, values: IntervalSet) -> Traffic:
    if num == TCP:
        return Traffic(tcp=values)
    if num == UDP:
        return Traffic(udp=values)
    if num == ICMP:
        return Traffic(icmp=values)
    if num == ICMPV6:
        return Traffic(icmpv6=values)
    return Traffic(other=values)


def oracle_pair_traffic(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[PairTraffic]:
    """For every endpoint pair with some flow: traffic reachable for every pair, for some, and unknown."""
    ctx = _context(engine)
    srcs, dsts = select_endpoints(engine, sources, destinations, include_internet)
    reps = _representatives(ctx, [p for e in (*srcs, *dsts) for p in e.placements])
    cache: dict[tuple[str, str], list[tuple[list[Traffic], list[Traffic]]]] = {}
    out: list[PairTraffic] = []
    for src in srcs:
        for dst in dsts:
            if src.selector == dst.selector:
                continue
            every: Traffic | None = None
            some = Traffic.NONE
            unknown = Traffic.NONE
            for s, d in _placement_pairs(src, dst):
                key = (s.id, d.id)
                if key not in cache:
                    cache[key] = _judge(ctx, s, d, reps)
                for reach, unk in cache[key]:
                    r = Traffic.union(reach)
                    every = r if every is None else every & r
                    some = some | r
                    unknown = unknown | Traffic.union(unk)
            if every is None:
                continue  # no pairs at all
            unknown = unknown - some
            if some or unknown:
                out.append(PairTraffic(src.selector, dst.selector, every, some, unknown))
    return out


def _judge(ctx: _Ctx, s: Placement, d: Placement, reps: _Reps) -> list[tuple[list[Traffic], list[Traffic]]]:
    """Per pair of one placement pair: the pieces of traffic it reaches and those it may reach."""
    out: list[tuple[list[Traffic], list[Traffic]]] = []
    for sub in _sub_pairs(ctx, s, d, reps):
        reach: list[Traffic] = []
        unknown: list[Traffic] = []
        for num, value, span in reps.probes:
            probe = Probe(num, value)
            best = _best(_OF_TRI[evaluate(ctx, s, d, Case(f, a, b, probe))] for f, a, b in sub)
            if best == "reachable":
                reach.append(_traffic(num, span))
            elif best == "unknown":
                unknown.append(_traffic(num, span))
        out.append((reach, unknown))
    return out


def oracle_matrix_rows(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[MatrixRow]:
    """The matrix rows with their verdicts, like `sgaudit.engine.matrix.compute_matrix_rows`."""
    return rows_from_pairs(oracle_pair_traffic(engine, sources, destinations, include_internet))


def oracle_matrix(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[Flow]:
    """Every allowed flow, like `sgaudit.engine.matrix.compute_matrix`."""
    return flows_from_pairs(oracle_pair_traffic(engine, sources, destinations, include_internet))
