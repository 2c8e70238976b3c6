"""The reachability matrix: every allowed flow between endpoints, by equivalence classes.

``compute_matrix(engine, sources, destinations, include_internet)`` lists, for every ordered pair of
endpoints, the traffic that at least one of its pairs reaches (DESIGN.md sections 4 and 6, semantics in
`/work/notes/semantics.md`): one `Flow` per protocol and merged port range. `compute_matrix_rows` adds
each row's verdict for the text and CSV formats: ``reachable`` (every pair of the two endpoints),
``partial`` (some pairs), and ``unknown`` (no pair is known to reach it but some might: a prefix list or
group the snapshot cannot read). JSON has no room for the verdict, so it lists reachable and partial
flows only.

How it avoids N^2 Python loops over interfaces:

1. Placements are grouped into classes: same kind, VPC, subnet, region, group set, public address,
   client kind and address *segment*. Segments are the pieces of the address space cut by every CIDR
   the estate mentions (rule peers, prefix-list entries, NACL entries, routes, VPCs, subnets), so two
   addresses of one segment are treated identically by every layer. A range placement (RDS, internet)
   becomes one point per segment it covers; an interface is one point.
2. Each destination point is joined only with the source points its ingress rules can admit: the
   members of each referenced group (an index by group) and the points inside each CIDR (a bisect over
   points sorted by address). Those candidates are bucketed by what else matters about them (their
   egress rule *content*, subnet, route and NACL segment, client kind), and each bucket is evaluated
   once: egress and ingress as `Traffic` unions, routes by longest prefix match and NACLs by first match
   as sets, every piece cached by the keys it depends on.
3. Class results are aggregated per pair of endpoint classes (endpoints with the same classes) and only
   then expanded to endpoint pairs and rows.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple

from sgaudit.engine.models import Endpoint, Flow, Placement, Tri
from sgaudit.inventory import Direction, Inventory, PeerKind, SecurityGroupRule
from sgaudit.model.ec2 import NetworkAclEntry, RouteTable
from sgaudit.netalgebra import ICMP_CODES, OTHER_PROTOCOLS, PORTS, IntervalSet, MatrixEntry, Traffic

if TYPE_CHECKING:
    from sgaudit.engine.core import Engine

RowVerdict = Literal["reachable", "partial", "unknown"]
_PRIVATE_KINDS = frozenset({"interface", "subnet-range"})
_EXTERNAL_KINDS = frozenset({"internet", "cidr"})
_MIDDLEBOX_PREFIXES = ("eni-", "i-", "vpce-")
_TOP = {4: 2**32 - 1, 6: 2**128 - 1}
_ALL = Traffic.ALL
_NONE = Traffic.NONE


# ---- public shapes ------------------------------------------------------------------------------


class PairTraffic(NamedTuple):
    """One ordered endpoint pair with some flow: what every pair reaches, what some pair reaches,
    and what no pair is known to reach but some pair might (``unknown``; disjoint from ``some``)."""

    source: str
    destination: str
    every: Traffic
    some: Traffic
    unknown: Traffic


class MatrixRow(NamedTuple):
    """One row of the text and CSV matrix: a `Flow` and its verdict."""

    source: str
    destination: str
    protocol: str
    ports: str
    verdict: RowVerdict


_DIM_RANK = {"all": 0, "tcp": 1, "udp": 2, "icmp": 3, "icmpv6": 4}


def _entry_key(entry: MatrixEntry) -> tuple[int, int]:
    """Rows of one pair in protocol order, then by first port (or ICMP type/code)."""
    proto, ports = entry.protocol, entry.ports
    rank = _DIM_RANK.get(proto)
    if rank is None:
        return (5 + int(proto), 0)
    if ports == "all":
        return (rank, -1)
    if ":" in ports:
        t, codes = ports.split(":", 1)
        return (rank, int(t) * 256 + int(codes.split("-", 1)[0]))
    first = int(ports.split("-", 1)[0])
    return (rank, first * 256 if rank >= 3 else first)


def row_entries(every: Traffic, some: Traffic, unknown: Traffic) -> list[tuple[str, str, RowVerdict]]:
    """The (protocol, ports, verdict) rows of one endpoint pair, in a fixed order."""
    parts: list[tuple[tuple[int, int], MatrixEntry, RowVerdict]] = []
    for traffic, verdict in ((every, "reachable"), (some - every, "partial"), (unknown, "unknown")):
        for e in traffic.matrix_entries():
            parts.append((_entry_key(e), e, verdict))  # type: ignore[arg-type]
    parts.sort(key=lambda p: p[0])
    return [(e.protocol, e.ports, v) for _, e, v in parts]


def rows_from_pairs(pairs: Iterable[PairTraffic]) -> list[MatrixRow]:
    """Matrix rows (with verdicts), sorted by source, destination, protocol and port."""
    out: list[MatrixRow] = []
    for p in sorted(pairs, key=lambda p: (p.source, p.destination)):
        out.extend(MatrixRow(p.source, p.destination, pr, po, v) for pr, po, v in row_entries(*p[2:]))
    return out


def flows_from_pairs(pairs: Iterable[PairTraffic]) -> list[Flow]:
    """The DESIGN.md section 6 flows (reachable for at least one pair), sorted."""
    out: list[Flow] = []
    for p in sorted(pairs, key=lambda p: (p.source, p.destination)):
        entries = sorted(p.some.matrix_entries(), key=_entry_key)
        out.extend(
            Flow(source=p.source, destination=p.destination, protocol=e.protocol, ports=e.ports)
            for e in entries
        )
    return out


def select_endpoints(
    engine: Engine,
    sources: Sequence[Endpoint] | None,
    destinations: Sequence[Endpoint] | None,
    include_internet: bool,
) -> tuple[list[Endpoint], list[Endpoint]]:
    """The source and destination endpoints of a matrix, each sorted by selector and unique.

    ``None`` means every workload endpoint, plus the internet when ``include_internet``.
    """
    everything: list[Endpoint] = []
    if sources is None or destinations is None:
        everything = list(engine.endpoints())
        if include_internet:
            everything.append(engine.resolve("internet"))

    def unique(items: Iterable[Endpoint]) -> list[Endpoint]:
        by_selector: dict[str, Endpoint] = {}
        for e in items:
            by_selector.setdefault(e.selector, e)
        return [by_selector[k] for k in sorted(by_selector)]

    return (
        unique(everything if sources is None else sources),
        unique(everything if destinations is None else destinations),
    )


# ---- small helpers ------------------------------------------------------------------------------


def _span(cidr: str) -> tuple[int, int, int, int]:
    """(family, first, last, prefix length) of a CIDR."""
    n = ipaddress.ip_network(cidr, strict=False)
    return n.version, int(n.network_address), int(n.broadcast_address), n.prefixlen


def _one(dim: str, points: IntervalSet) -> Traffic:
    return Traffic(**{dim: points})


_PROTO_DIM = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6"}


def _proto_number(value: str) -> int:
    text = value.strip().lower()
    named = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1}
    return named[text] if text in named else int(text)


def _icmp_points(t: int | None, c: int | None) -> IntervalSet:
    if t is None or t == -1:
        return ICMP_CODES
    if c is None or c == -1:
        return IntervalSet.span(t * 256, t * 256 + 255)
    return IntervalSet.point(t * 256 + c)


def _rule_traffic(rule: SecurityGroupRule) -> Traffic:
    """What one security-group rule allows (AWS: -1 and other protocols ignore ports)."""
    num = _proto_number(rule.protocol)
    if num == -1:
        return _ALL
    if num in (6, 17):
        lo = 0 if rule.from_port is None else rule.from_port
        hi = 65535 if rule.to_port is None else rule.to_port
        return _one("tcp" if num == 6 else "udp", IntervalSet.span(lo, hi))
    if num in (1, 58):
        return _one("icmp" if num == 1 else "icmpv6", _icmp_points(rule.from_port, rule.to_port))
    return _one("other", IntervalSet.point(num) & OTHER_PROTOCOLS)


def _nacl_traffic(entry: NetworkAclEntry) -> Traffic:
    """What one NACL entry matches (ICMPv6 on an IPv4 entry is every type and code)."""
    num = _proto_number(entry.protocol)
    if num == -1:
        return _ALL
    if num in (6, 17):
        pr = entry.port_range
        lo = 0 if pr is None or pr.from_ is None else pr.from_
        hi = 65535 if pr is None or pr.to is None else pr.to
        return _one("tcp" if num == 6 else "udp", IntervalSet.span(lo, hi))
    if num in (1, 58):
        if num == 58 and entry.cidr_block is not None:
            return _one("icmpv6", ICMP_CODES)
        itc = entry.icmp_type_code
        t = None if itc is None else itc.type
        c = None if itc is None else itc.code
        return _one("icmp" if num == 1 else "icmpv6", _icmp_points(t, -1 if c is None else c))
    return _one("other", IntervalSet.point(num) & OTHER_PROTOCOLS)


# Three-valued traffic: (allowed, unknown), disjoint. Conjunction: a deny anywhere wins.
_TV = tuple[Traffic, Traffic]
_TV_ALL: _TV = (_ALL, _NONE)
_TV_NONE: _TV = (_NONE, _NONE)
_TV_UNKNOWN: _TV = (_NONE, _ALL)


def _conj(x: _TV, y: _TV) -> _TV:
    a = x[0] & y[0]
    return a, ((x[0] | x[1]) & (y[0] | y[1])) - a


def _tri(t: Tri) -> _TV:
    return _TV_ALL if t is Tri.ALLOW else (_TV_NONE if t is Tri.DENY else _TV_UNKNOWN)


# ---- rule profiles: the content of one direction of a group set ---------------------------------


@dataclass(frozen=True)
class _Profile:
    """Every rule of one direction of a set of groups, by content (group ids do not matter)."""

    direction: Direction
    cidrs: tuple[tuple[int, int, int, Traffic], ...]  # (family, lo, hi, traffic): CIDRs and known lists
    pl_unknown: Traffic  # rules naming a prefix list whose entries are unknown
    refs: tuple[tuple[str, Traffic], ...]  # known referenced groups
    foreign: tuple[tuple[str, Traffic], ...]  # referenced groups of accounts the snapshot lacks
    missing: bool  # a group of the set is not in the snapshot: its rules are unknown

    def cidr_traffic(self, family: int, address: int) -> Traffic:
        parts = [t for f, lo, hi, t in self.cidrs if f == family and lo <= address <= hi]
        return Traffic.union(parts) if parts else _NONE


@dataclass(slots=True, eq=False)
class _Class:
    """Placements that every layer treats alike (see the module docstring)."""

    idx: int
    kind: str
    vpc: str | None
    subnet: str | None
    region: str | None
    groups: tuple[str, ...]
    public: bool
    client_kind: str
    sg_filtered: bool
    interface: bool
    points: list[_Point] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Point:
    """One address of a class per family (an interface), or one segment of a range (single family)."""

    idx: int
    cls: _Class
    addr: dict[int, int]  # family -> representative address
    seg: dict[int, tuple[int, int, int, int]]  # family -> (global, ingress, egress, route/nacl) segment ids


# ---- the computation ------------------------------------------------------------------------------


class _Segments:
    """Sorted boundaries of one family: segment index of an address = bisect."""

    def __init__(self, bounds: set[int]) -> None:
        self.bounds = sorted(bounds | {0})

    def index(self, address: int) -> int:
        return bisect.bisect_right(self.bounds, address) - 1

    def split(self, lo: int, hi: int) -> list[int]:
        """Start addresses of the segments that make up [lo, hi]."""
        i = bisect.bisect_right(self.bounds, lo)
        out = [lo]
        while i < len(self.bounds) and self.bounds[i] <= hi:
            out.append(self.bounds[i])
            i += 1
        return out


class _Matrix:
    def __init__(self, engine: Engine) -> None:
        self.inv: Inventory = engine.inventory
        self.options = engine.options
        inv = self.inv
        accounts = {s.account for s in inv.scopes if s.account}
        accounts |= {v.owner_id for v in inv.vpcs.values() if v.owner_id}
        accounts |= {g.owner_id for g in inv.security_groups.values() if g.owner_id}
        self.accounts = frozenset(accounts)
        self.results: list[_TV] = [_TV_NONE]
        self._rid: dict[_TV, int] = {_TV_NONE: 0}
        self.profiles: dict[_Profile, int] = {}
        self.profile_list: list[_Profile] = []
        self._profile_of: dict[tuple[tuple[str, ...], Direction], int] = {}
        self._cache: dict[tuple[object, ...], object] = {}
        self._peered: dict[tuple[str | None, str | None], bool] = {}
        self._rules = self._compile_rules()
        self._build_segments()

    # -- interning ----------------------------------------------------------------------------

    def rid(self, tv: _TV) -> int:
        r = self._rid.get(tv)
        if r is None:
            r = self._rid[tv] = len(self.results)
            self.results.append(tv)
        return r

    # -- static data --------------------------------------------------------------------------

    def _compile_rules(self) -> dict[str, list[tuple[Direction, Traffic, SecurityGroupRule]]]:
        out: dict[str, list[tuple[Direction, Traffic, SecurityGroupRule]]] = {}
        for gid, g in self.inv.security_groups.items():
            out[gid] = [(r.direction, _rule_traffic(r), r) for r in g.rules]
        return out

    def _pl_cidrs(self, pl_id: str) -> tuple[str, ...] | None:
        pl = self.inv.prefix_lists.get(pl_id)
        return None if pl is None else pl.entry_cidrs

    def _build_segments(self) -> None:
        """Boundaries per family and role: all, ingress peers, egress peers, routes and NACLs."""
        roles: dict[str, dict[int, set[int]]] = {r: {4: set(), 6: set()} for r in ("all", "in", "out", "net")}

        def add(role: str, cidr: str) -> None:
            fam, lo, hi, _ = _span(cidr)
            for r in (role, "all"):
                roles[r][fam].add(lo)
                if hi < _TOP[fam]:
                    roles[r][fam].add(hi + 1)

        for g in self.inv.security_groups.values():
            for r in g.rules:
                role = "out" if r.direction is Direction.EGRESS else "in"
                if r.peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
                    add(role, r.peer.value)
                elif r.peer.kind is PeerKind.PREFIX_LIST:
                    for c in self._pl_cidrs(r.peer.value) or ():
                        add(role, c)
        for acl in self.inv.network_acls.values():
            for e in acl.entries:
                for c in (e.cidr_block, e.ipv6_cidr_block):
                    if c:
                        add("net", c)
        for rt in self.inv.route_tables.values():
            for route in rt.routes:
                for c in (route.destination_cidr_block, route.destination_ipv6_cidr_block):
                    if c:
                        add("net", c)
                if route.destination_prefix_list_id:
                    for c in self._pl_cidrs(route.destination_prefix_list_id) or ():
                        add("net", c)
        for vpc in self.inv.vpcs.values():
            for c in vpc.cidrs4 + vpc.cidrs6:
                add("net", c)
        for sn in self.inv.subnets.values():
            for c in ([sn.cidr_block] if sn.cidr_block else []) + list(sn.cidrs6):
                add("all", c)
        self._roles = roles

    def finish_segments(self, placements: Iterable[Placement]) -> None:
        for p in placements:
            for fam in (4, 6):
                for lo, hi in p.addresses(fam).points.intervals:
                    self._roles["all"][fam].add(lo)
                    if hi < _TOP[fam]:
                        self._roles["all"][fam].add(hi + 1)
        self.segs = {r: {f: _Segments(b) for f, b in fams.items()} for r, fams in self._roles.items()}

    def seg_ids(self, family: int, address: int) -> tuple[int, int, int, int]:
        s = self.segs
        return (
            s["all"][family].index(address),
            s["in"][family].index(address),
            s["out"][family].index(address),
            s["net"][family].index(address),
        )

    # -- profiles -----------------------------------------------------------------------------

    def profile(self, groups: tuple[str, ...], direction: Direction) -> int:
        key = (groups, direction)
        pid = self._profile_of.get(key)
        if pid is not None:
            return pid
        cidrs: set[tuple[int, int, int, Traffic]] = set()
        pl_unknown: list[Traffic] = []
        refs: dict[str, list[Traffic]] = defaultdict(list)
        foreign: dict[str, list[Traffic]] = defaultdict(list)
        missing = False
        for gid in groups:
            rules = self._rules.get(gid)
            if rules is None:
                missing = True
                continue
            for d, traffic, rule in rules:
                if d is not direction:
                    continue
                peer = rule.peer
                if peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
                    fam, lo, hi, _ = _span(peer.value)
                    cidrs.add((fam, lo, hi, traffic))
                elif peer.kind is PeerKind.PREFIX_LIST:
                    entries = self._pl_cidrs(peer.value)
                    if entries is None:
                        pl_unknown.append(traffic)
                    for c in entries or ():
                        fam, lo, hi, _ = _span(c)
                        cidrs.add((fam, lo, hi, traffic))
                elif peer.value in self.inv.security_groups:
                    refs[peer.value].append(traffic)
                elif not (peer.user_id is None or peer.user_id in self.accounts):
                    foreign[peer.value].append(traffic)
                # else: a stale reference matches nothing
        prof = _Profile(
            direction=direction,
            cidrs=tuple(sorted(cidrs, key=lambda c: (c[0], c[1], c[2], hash(c[3])))),
            pl_unknown=Traffic.union(pl_unknown),
            refs=tuple(sorted((g, Traffic.union(t)) for g, t in refs.items())),
            foreign=tuple(sorted((g, Traffic.union(t)) for g, t in foreign.items())),
            missing=missing,
        )
        pid = self.profiles.get(prof)
        if pid is None:
            pid = self.profiles[prof] = len(self.profile_list)
            self.profile_list.append(prof)
        self._profile_of[key] = pid
        return pid

    def sg_side(
        self,
        pid: int,
        family: int,
        seg: int,
        address: int,
        other: _Class,
        private: bool,
        middlebox: bool,
    ) -> _TV:
        """One direction of the security-group layer: the union of the profile's rules that match."""
        key = (
            "sg",
            pid,
            family,
            seg,
            other.groups if other.kind in _PRIVATE_KINDS and private else None,
            middlebox,
        )
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        prof = self.profile_list[pid]
        allow = self._cidr_part(pid, family, seg, address)
        unknown = [prof.pl_unknown]
        if prof.missing:
            unknown.append(_ALL)
        if other.kind in _PRIVATE_KINDS and private:
            carried = other.groups
            for g, t in prof.refs:
                if g in carried:
                    if middlebox:
                        unknown.append(t)  # references are not preserved through a middlebox
                    else:
                        allow = allow | t
            for g, t in prof.foreign:
                if g in carried:
                    unknown.append(t)
        out = (allow, Traffic.union(unknown) - allow)
        self._cache[key] = out
        return out

    def _cidr_part(self, pid: int, family: int, seg: int, address: int) -> Traffic:
        key = ("cidr", pid, family, seg)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self.profile_list[pid].cidr_traffic(family, address)
        return hit  # type: ignore[return-value]

    # -- routes -------------------------------------------------------------------------------

    def peered(self, a: str | None, b: str | None) -> bool:
        key = (a, b)
        hit = self._peered.get(key)
        if hit is None:
            hit = False
            if a is not None and b is not None:
                for pcx in self.inv.peering_connections.values():
                    ends = {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id}
                    if pcx.active and ends == {a, b}:
                        hit = True
                        break
            self._peered[key] = hit
        return hit

    def private(self, s: _Class, d: _Class) -> bool:
        return (s.vpc is not None and s.vpc == d.vpc) or (s.region == d.region and self.peered(s.vpc, d.vpc))

    def lookup(self, subnet: str | None, family: int, seg: int, address: int) -> tuple[Tri, str | None]:
        """Longest prefix match in a subnet's table: (ALLOW, target), (DENY, None) or UNKNOWN."""
        key = ("lpm", subnet, family, seg)
        hit = self._cache.get(key)
        if hit is None:
            table = self.inv.route_table_for(subnet) if subnet else None
            hit = self._cache[key] = (
                (Tri.UNKNOWN, None) if table is None else self._lpm(table, family, address)
            )
        return hit  # type: ignore[return-value]

    def _lpm(self, table: RouteTable, family: int, address: int) -> tuple[Tri, str | None]:
        best: tuple[int, int] | None = None
        target: str | None = None
        own: set[tuple[int, int, int]] = set()
        for route in table.routes:
            for c in (route.destination_cidr_block, route.destination_ipv6_cidr_block):
                if c:
                    f, lo, hi, _ = _span(c)
                    own.add((f, lo, hi))
            if route.state != "active":
                continue
            rank = 0 if route.origin == "EnableVgwRoutePropagation" else 2
            spans: list[tuple[int, int, int, int]] = []
            if route.destination_cidr_block and family == 4:
                spans = [_span(route.destination_cidr_block)]
            elif route.destination_ipv6_cidr_block and family == 6:
                spans = [_span(route.destination_ipv6_cidr_block)]
            elif route.destination_prefix_list_id:
                rank = 1
                pl = self.inv.prefix_lists.get(route.destination_prefix_list_id)
                cidrs = None if pl is None else pl.entry_cidrs
                if cidrs is None:
                    fam = None if pl is None else pl.address_family
                    if fam is None or fam == f"IPv{family}":
                        return Tri.UNKNOWN, None
                    continue
                spans = [s for s in map(_span, cidrs) if s[0] == family]
            for f, lo, hi, plen in spans:
                if f == family and lo <= address <= hi and (best is None or (plen, rank) > best):
                    best, target = (plen, rank), route.target
        vpc = self.inv.vpcs.get(table.vpc_id)
        if vpc is not None:
            for c in vpc.cidrs4 if family == 4 else vpc.cidrs6:
                f, lo, hi, plen = _span(c)
                if (f, lo, hi) not in own and lo <= address <= hi and (best is None or (plen, 2) > best):
                    best, target = (plen, 2), "local"
        return (Tri.DENY, None) if best is None else (Tri.ALLOW, target)

    def gateway(self, gw_id: str, vpc: str | None) -> Tri:
        """Is an internet or egress-only gateway attached to the VPC?"""
        if gw_id.startswith("igw-"):
            igw = self.inv.internet_gateways.get(gw_id)
            atts = None if igw is None else igw.attachments
        else:
            eigw = self.inv.egress_only_internet_gateways.get(gw_id)
            atts = None if eigw is None else eigw.attachments
        if atts is None:
            return Tri.UNKNOWN
        ok = any(a.vpc_id == vpc and a.state in ("available", "attached") for a in atts)
        return Tri.ALLOW if ok else Tri.DENY

    def via_peering(self, hit: tuple[Tri, str | None], a: str | None, b: str | None) -> Tri:
        result, target = hit
        if result is not Tri.ALLOW or target is None:
            return result
        if not target.startswith("pcx-"):
            return Tri.DENY
        pcx = self.inv.peering_connections.get(target)
        if pcx is None:
            return Tri.UNKNOWN
        ends = {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id}
        return Tri.ALLOW if pcx.active and ends == {a, b} else Tri.DENY

    def private_route(self, s: _Class, ps: _Point, d: _Class, pd: _Point, family: int) -> tuple[Tri, bool]:
        if s.subnet is not None and s.subnet == d.subnet:
            return Tri.ALLOW, False
        if s.subnet is None or self.inv.route_table_for(s.subnet) is None:
            return Tri.UNKNOWN, False
        fwd = self.lookup(s.subnet, family, pd.seg[family][3], pd.addr[family])
        if s.vpc is not None and s.vpc == d.vpc:
            if fwd[0] is not Tri.ALLOW or fwd[1] is None:
                return fwd[0], False
            if fwd[1] == "local":
                return Tri.ALLOW, False
            if fwd[1].startswith(_MIDDLEBOX_PREFIXES):
                return Tri.ALLOW, True
            return Tri.DENY, False
        forward = self.via_peering(fwd, s.vpc, d.vpc)
        if d.subnet is None or self.inv.route_table_for(d.subnet) is None:
            back = Tri.UNKNOWN
        else:
            ret = self.lookup(d.subnet, family, ps.seg[family][3], ps.addr[family])
            back = self.via_peering(ret, s.vpc, d.vpc)
            if back is Tri.ALLOW and ret[1] != fwd[1]:
                back = Tri.DENY
        return forward & back, False

    # -- NACLs --------------------------------------------------------------------------------

    def _acl_entries(self, acl_id: str, egress: bool, family: int) -> list[tuple[int, int, bool, Traffic]]:
        key = ("acl", acl_id, egress, family)
        hit = self._cache.get(key)
        if hit is None:
            acl = self.inv.network_acls[acl_id]
            out = []
            for e in sorted(acl.entries, key=lambda e: e.rule_number):
                if e.egress != egress:
                    continue
                c = e.cidr_block if family == 4 else e.ipv6_cidr_block
                if not c:
                    continue
                _, lo, hi, _ = _span(c)
                out.append((lo, hi, e.rule_action.lower() == "allow", _nacl_traffic(e)))
            hit = self._cache[key] = out
        return hit  # type: ignore[return-value]

    def nacl_allowed(
        self, subnet: str | None, egress: bool, family: int, seg: int, address: int
    ) -> Traffic | None:
        """First match over one direction: the traffic to/from ``address`` it allows (None: no NACL)."""
        key = ("nacl", subnet, egress, family, seg)
        if key in self._cache:
            return self._cache[key]  # type: ignore[return-value]
        acl = self.inv.network_acl_for(subnet) if subnet else None
        out: Traffic | None = None
        if acl is not None:
            allowed = _NONE
            remaining = _ALL
            for lo, hi, allow, traffic in self._acl_entries(acl.network_acl_id, egress, family):
                if lo <= address <= hi:
                    part = remaining & traffic
                    if allow:
                        allowed = allowed | part
                    remaining = remaining - part
                    if not remaining:
                        break
            out = allowed
        self._cache[key] = out
        return out

    def _leg(self, subnet: str | None, egress: bool, family: int, seg: int, address: int) -> _TV:
        allowed = self.nacl_allowed(subnet, egress, family, seg, address)
        return _TV_UNKNOWN if allowed is None else (allowed, _NONE)

    def _return_leg(
        self, subnet: str | None, egress: bool, family: int, seg: int, address: int, client_kind: str
    ) -> _TV:
        """The forward flows whose replies this leg lets through (replies to ``address``'s side)."""
        key = ("ret", subnet, egress, family, seg, client_kind)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        allowed = self.nacl_allowed(subnet, egress, family, seg, address)
        if allowed is None:
            out = _TV_UNKNOWN
        else:
            lo, hi = self.options.ephemeral_range(client_kind)
            eph = IntervalSet.span(lo, hi)
            echo4 = IntervalSet.span(8 * 256, 8 * 256 + 255)
            echo6 = IntervalSet.span(128 * 256, 128 * 256 + 255)
            icmp = ICMP_CODES - echo4 if not allowed.icmp.contains(0) else ICMP_CODES
            icmpv6 = ICMP_CODES - echo6 if not allowed.icmpv6.contains(129 * 256) else ICMP_CODES
            out = (
                Traffic(
                    tcp=PORTS if allowed.tcp.covers(eph) else IntervalSet(),
                    udp=PORTS if allowed.udp.covers(eph) else IntervalSet(),
                    icmp=icmp,
                    icmpv6=icmpv6,
                    other=allowed.other,
                ),
                _NONE,
            )
        self._cache[key] = out
        return out

    def nacl_private(self, s: _Class, ps: _Point, d: _Class, pd: _Point, family: int) -> _TV:
        ns, nd = ps.seg[family][3], pd.seg[family][3]
        key = ("np", s.subnet, d.subnet, family, ns, nd, s.client_kind)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        a, b = ps.addr[family], pd.addr[family]
        out = self._leg(s.subnet, True, family, nd, b)
        out = _conj(out, self._leg(d.subnet, False, family, ns, a))
        out = _conj(out, self._return_leg(d.subnet, True, family, ns, a, s.client_kind))
        out = _conj(out, self._return_leg(s.subnet, False, family, nd, b, s.client_kind))
        self._cache[key] = out
        return out

    # -- one pair of points in one family -------------------------------------------------------

    def evaluate(self, ps: _Point, pd: _Point, family: int) -> int:
        """The (allowed, unknown) traffic from ``ps`` to ``pd`` in one family, as a result id."""
        s, d = ps.cls, pd.cls
        s_ext, d_ext = s.kind in _EXTERNAL_KINDS, d.kind in _EXTERNAL_KINDS
        if s_ext and d_ext:
            return 0
        if s_ext:
            return self.rid(self._from_outside(ps, pd, family))
        if d_ext:
            return self.rid(self._to_outside(ps, pd, family))
        private = self.private(s, d)
        route, middlebox = self.private_route(s, ps, d, pd, family)
        if route is Tri.DENY:
            return 0
        out = _tri(route)
        if s.sg_filtered:
            eg = self.sg_side(
                self.profile(s.groups, Direction.EGRESS),
                family,
                pd.seg[family][2],
                pd.addr[family],
                d,
                private,
                middlebox,
            )
            out = _conj(out, eg)
        if d.sg_filtered:
            ing = self.sg_side(
                self.profile(d.groups, Direction.INGRESS),
                family,
                ps.seg[family][1],
                ps.addr[family],
                s,
                private,
                middlebox,
            )
            out = _conj(out, ing)
        if s.subnet != d.subnet and (out[0] or out[1]):
            out = _conj(out, self.nacl_private(s, ps, d, pd, family))
        return self.rid(out)

    def _from_outside(self, ps: _Point, pd: _Point, family: int) -> _TV:
        s, d = ps.cls, pd.cls
        a = ps.addr[family]
        ns = ps.seg[family][3]
        hit = self.lookup(d.subnet, family, ns, a)
        if hit[0] is not Tri.ALLOW or hit[1] is None:
            route = hit[0]
        elif hit[1].startswith("igw-"):
            route = self.gateway(hit[1], d.vpc)
        else:
            route = Tri.DENY
        if not (family == 6 or d.public):
            route = Tri.DENY
        if route is Tri.DENY:
            return _TV_NONE
        out = _tri(route)
        out = _conj(out, self._leg(d.subnet, False, family, ns, a))
        out = _conj(out, self._return_leg(d.subnet, True, family, ns, a, s.client_kind))
        if d.sg_filtered:
            pid = self.profile(d.groups, Direction.INGRESS)
            out = _conj(out, self.sg_side(pid, family, ps.seg[family][1], a, s, False, False))
        return out

    def _to_outside(self, ps: _Point, pd: _Point, family: int) -> _TV:
        s, d = ps.cls, pd.cls
        b = pd.addr[family]
        nd = pd.seg[family][3]
        out = _TV_ALL
        if s.sg_filtered:
            pid = self.profile(s.groups, Direction.EGRESS)
            out = self.sg_side(pid, family, pd.seg[family][2], b, d, False, False)
            if not (out[0] or out[1]):
                return _TV_NONE
        hit = self.lookup(s.subnet, family, nd, b)
        if hit[0] is not Tri.ALLOW or hit[1] is None:
            return _conj(out, _tri(hit[0]))
        target = hit[1]
        own = _conj(
            self._leg(s.subnet, True, family, nd, b),
            self._return_leg(s.subnet, False, family, nd, b, s.client_kind),
        )
        if target.startswith("igw-"):
            route = self.gateway(target, s.vpc)
            if not (family == 6 or s.public):
                route = Tri.DENY
            return _conj(_conj(out, _tri(route)), own)
        if target.startswith("eigw-") and family == 6:
            return _conj(_conj(out, _tri(self.gateway(target, s.vpc))), own)
        if target.startswith("nat-"):
            nat = self.inv.nat_gateways.get(target)
            if nat is None:
                return _conj(out, _TV_UNKNOWN)
            if nat.subnet_id is None or self.inv.route_table_for(nat.subnet_id) is None:
                route = Tri.UNKNOWN
            else:
                nhit = self.lookup(nat.subnet_id, family, nd, b)
                if nhit[0] is not Tri.ALLOW or nhit[1] is None:
                    route = nhit[0]
                elif nhit[1].startswith("igw-"):
                    route = self.gateway(nhit[1], nat.vpc_id)
                else:
                    route = Tri.DENY
            out = _conj(out, _tri(route))
            a, ns = ps.addr[family], ps.seg[family][3]
            if nat.subnet_id != s.subnet:
                out = _conj(out, own)
                out = _conj(out, self._leg(nat.subnet_id, False, family, ns, a))
                out = _conj(out, self._return_leg(nat.subnet_id, True, family, ns, a, s.client_kind))
            out = _conj(out, self._leg(nat.subnet_id, True, family, nd, b))
            return _conj(out, self._return_leg(nat.subnet_id, False, family, nd, b, "nat"))
        return _TV_NONE


# ---- classes of placements --------------------------------------------------------------------------


def _class_key(p: Placement, m: _Matrix) -> tuple[object, ...]:
    base = (
        p.kind,
        p.vpc_id,
        p.subnet_id,
        p.region,
        tuple(sorted(set(p.group_ids))),
        bool(p.public_ips) or p.public,
        p.client_kind,
        p.sg_filtered,
    )
    if p.kind == "interface":
        segs = []
        for fam in (4, 6):
            space = p.addresses(fam)
            segs.append(-1 if space.is_empty else m.segs["all"][fam].index(space.points.intervals[0][0]))
        return (*base, *segs)
    return (*base, p.addresses4, p.addresses6)


@dataclass
class _Side:
    """The endpoints of one side, their placements' classes and endpoint classes."""

    endpoints: list[Endpoint]
    classes_of: list[tuple[int, ...]]  # endpoint index -> sorted class indices
    groups: dict[tuple[int, ...], list[int]]  # class tuple -> endpoint indices (an "endpoint class")


class _Builder:
    """Assigns placements to classes and classes to points."""

    def __init__(self, m: _Matrix) -> None:
        self.m = m
        self.classes: list[_Class] = []
        self.points: list[_Point] = []
        self._by_key: dict[tuple[object, ...], _Class] = {}
        self.class_of_placement: dict[str, int] = {}

    def add(self, p: Placement) -> int:
        known = self.class_of_placement.get(p.id)
        if known is not None:
            return known
        key = _class_key(p, self.m)
        c = self._by_key.get(key)
        if c is None:
            c = _Class(
                idx=len(self.classes),
                kind=p.kind,
                vpc=p.vpc_id,
                subnet=p.subnet_id,
                region=p.region,
                groups=tuple(sorted(set(p.group_ids))),
                public=bool(p.public_ips) or p.public,
                client_kind=p.client_kind,
                sg_filtered=p.sg_filtered,
                interface=p.kind == "interface",
            )
            self._by_key[key] = c
            self.classes.append(c)
            self._points(c, p)
        self.class_of_placement[p.id] = c.idx
        return c.idx

    def _points(self, c: _Class, p: Placement) -> None:
        m = self.m
        if c.interface:
            addr: dict[int, int] = {}
            seg: dict[int, tuple[int, int, int, int]] = {}
            for fam in (4, 6):
                space = p.addresses(fam)
                if not space.is_empty:
                    a = space.points.intervals[0][0]
                    addr[fam] = m.segs["all"][fam].bounds[m.segs["all"][fam].index(a)]
                    seg[fam] = m.seg_ids(fam, addr[fam])
            self._new_point(c, addr, seg)
            return
        for fam in (4, 6):
            for lo, hi in p.addresses(fam).points.intervals:
                for start in m.segs["all"][fam].split(lo, hi):
                    self._new_point(c, {fam: start}, {fam: m.seg_ids(fam, start)})

    def _new_point(self, c: _Class, addr: dict[int, int], seg: dict[int, tuple[int, int, int, int]]) -> None:
        pt = _Point(len(self.points), c, addr, seg)
        self.points.append(pt)
        c.points.append(pt)

    def side(self, endpoints: list[Endpoint]) -> _Side:
        classes_of: list[tuple[int, ...]] = []
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, e in enumerate(endpoints):
            cls = tuple(sorted({self.add(p) for p in e.placements}))
            classes_of.append(cls)
            if cls:
                groups[cls].append(i)
        return _Side(endpoints, classes_of, dict(groups))


def _pair_count(cs: _Class, cd: _Class) -> int:
    """How many pairs one placement of ``cs`` and one of ``cd`` make (semantics.md, range placements)."""
    if cs.interface and cd.interface:
        return 1
    n = 0
    for fam in (4, 6):
        a = sum(1 for p in cs.points if fam in p.addr)
        b = sum(1 for p in cd.points if fam in p.addr)
        n += a * b
    return n or 1


def _combine(x: _TV, y: _TV) -> _TV:
    """Two families of one interface pair: the best counts (a client uses whichever works)."""
    a = x[0] | y[0]
    return a, (x[1] | y[1]) - a


class _Join:
    """Destination-major join of points: for each destination point, the sources that can reach it."""

    def __init__(self, m: _Matrix, b: _Builder, src_classes: set[int]) -> None:
        self.m = m
        self.b = b
        # Source points of the source side, per family, sorted by address; and by group carried.
        self.src_points = [p for c in sorted(src_classes) for p in b.classes[c].points]
        self.by_addr: dict[int, tuple[list[int], list[_Point]]] = {}
        for fam in (4, 6):
            pts = sorted((p for p in self.src_points if fam in p.addr), key=lambda p: p.addr[fam])
            self.by_addr[fam] = ([p.addr[fam] for p in pts], pts)
        self.by_group: dict[str, list[_Point]] = defaultdict(list)
        for p in self.src_points:
            if p.cls.kind in _PRIVATE_KINDS:
                for g in p.cls.groups:
                    self.by_group[g].append(p)
        self._bucket: dict[int, tuple[object, ...]] = {}

    def bucket(self, p: _Point, family: int) -> tuple[object, ...]:
        """What about a source matters besides the ingress rules it matches."""
        key = p.idx * 2 + (family == 6)
        hit = self._bucket.get(key)
        if hit is None:
            c = p.cls
            eg = self.m.profile(c.groups, Direction.EGRESS) if c.sg_filtered else -1
            hit = (
                eg,
                c.kind,
                c.vpc,
                c.subnet,
                c.region,
                c.public,
                c.client_kind,
                c.sg_filtered,
                p.seg[family][3],
            )
            self._bucket[key] = hit
        return hit

    def sources_for(self, pd: _Point, family: int) -> dict[int, int]:
        """Source point index -> result id (non-empty results only) for one destination point."""
        m = self.m
        d = pd.cls
        masks: dict[int, int] = {}
        pts: dict[int, _Point] = {}
        filtered = d.kind in _PRIVATE_KINDS and d.sg_filtered
        everyone = not filtered
        if filtered:
            prof = m.profile_list[m.profile(d.groups, Direction.INGRESS)]
            everyone = prof.missing or bool(prof.pl_unknown)
        if everyone:
            for p in self.by_addr[family][1]:
                masks[p.idx] = 0
                pts[p.idx] = p
        if filtered:
            # The ingress rules a source matches decide its ingress result: one bit per rule peer.
            starts, ordered = self.by_addr[family]
            bit = 1
            for fam, lo, hi, _ in prof.cidrs:
                if fam == family:
                    for p in ordered[bisect.bisect_left(starts, lo) : bisect.bisect_right(starts, hi)]:
                        masks[p.idx] = masks.get(p.idx, 0) | bit
                        pts[p.idx] = p
                bit <<= 1
            for g, _ in (*prof.refs, *prof.foreign):
                for p in self.by_group.get(g, ()):
                    if family in p.addr:
                        masks[p.idx] = masks.get(p.idx, 0) | bit
                        pts[p.idx] = p
                bit <<= 1
        out: dict[int, int] = {}
        done: dict[tuple[object, ...], int] = {}
        for idx, mask in masks.items():
            p = pts[idx]
            key = (self.bucket(p, family), mask)
            r = done.get(key)
            if r is None:
                r = done[key] = m.evaluate(p, pd, family)
            if r:
                out[idx] = r
        return out


@dataclass
class _ClassResult:
    rids: set[int]
    nonempty: int


def _class_results(m: _Matrix, b: _Builder, join: _Join, cd: _Class) -> dict[int, _ClassResult]:
    """Source class -> the result ids of its pairs with one destination class, and how many are non-empty."""
    out: dict[int, _ClassResult] = {}
    if cd.interface:
        (pd,) = cd.points
        per_source: dict[int, _TV] = {}
        for fam in pd.addr:
            for sidx, r in join.sources_for(pd, fam).items():
                ps = b.points[sidx]
                if ps.cls.interface:
                    prev = per_source.get(sidx)
                    per_source[sidx] = m.results[r] if prev is None else _combine(prev, m.results[r])
                else:
                    cr = out.setdefault(ps.cls.idx, _ClassResult(set(), 0))
                    cr.rids.add(r)
                    cr.nonempty += 1
        for sidx, tv in per_source.items():
            ps = b.points[sidx]
            cr = out.setdefault(ps.cls.idx, _ClassResult(set(), 0))
            cr.rids.add(m.rid(tv))
            cr.nonempty += 1
        return out
    for pd in cd.points:
        (fam,) = pd.addr
        for sidx, r in join.sources_for(pd, fam).items():
            ps = b.points[sidx]
            cr = out.setdefault(ps.cls.idx, _ClassResult(set(), 0))
            cr.rids.add(r)
            cr.nonempty += 1
    return out


class _Aggregate(NamedTuple):
    every: Traffic
    some: Traffic
    unknown: Traffic


def _aggregate(m: _Matrix, rids: frozenset[int], complete: bool) -> _Aggregate:
    every: Traffic | None = None
    some: list[Traffic] = []
    unknown: list[Traffic] = []
    for r in rids:
        a, u = m.results[r]
        every = a if every is None else every & a
        some.append(a)
        unknown.append(u)
    s = Traffic.union(some)
    return _Aggregate(every if complete and every is not None else _NONE, s, Traffic.union(unknown) - s)


def compute_pair_traffic(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[PairTraffic]:
    """For every ordered endpoint pair with some flow: (every, some, unknown) traffic, sorted."""
    srcs, dsts = select_endpoints(engine, sources, destinations, include_internet)
    return [
        PairTraffic(srcs[i].selector, dsts[j].selector, *agg) for i, j, agg in _compute(engine, srcs, dsts)
    ]


def _compute(engine: Engine, srcs: list[Endpoint], dsts: list[Endpoint]) -> list[tuple[int, int, _Aggregate]]:
    m = _Matrix(engine)
    m.finish_segments(p for e in (*srcs, *dsts) for p in e.placements)
    b = _Builder(m)
    src_side = b.side(srcs)
    dst_side = b.side(dsts)
    join = _Join(m, b, {c for cls in src_side.classes_of for c in cls})

    # Endpoint pairs that share a placement are judged one by one (the shared placement does not pair
    # with itself); every other pair follows from its endpoint classes.
    shared = _shared_pairs(srcs, dsts)
    src_groups_of_class: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for key in src_side.groups:
        for c in key:
            src_groups_of_class[c].append(key)

    class_results: dict[int, dict[int, _ClassResult]] = {}

    def results_for(cd: int) -> dict[int, _ClassResult]:
        hit = class_results.get(cd)
        if hit is None:
            hit = class_results[cd] = _class_results(m, b, join, b.classes[cd])
        return hit

    aggregates: dict[tuple[frozenset[int], bool], _Aggregate] = {}

    def aggregate(rids: frozenset[int], complete: bool) -> _Aggregate:
        key = (rids, complete)
        hit = aggregates.get(key)
        if hit is None:
            hit = aggregates[key] = _aggregate(m, rids, complete)
        return hit

    out: list[tuple[int, int, _Aggregate]] = []
    for dkey, d_members in dst_side.groups.items():
        acc: dict[tuple[int, ...], tuple[set[int], list[int]]] = {}
        for cd in dkey:
            cdc = b.classes[cd]
            for cs, cr in results_for(cd).items():
                full = cr.nonempty == _pair_count(b.classes[cs], cdc)
                for skey in src_groups_of_class.get(cs, ()):
                    entry = acc.get(skey)
                    if entry is None:
                        entry = acc[skey] = (set(), [0])
                    entry[0].update(cr.rids)
                    if full:
                        entry[1][0] += 1
        for skey, (rids, full_count) in acc.items():
            complete = full_count[0] == len(skey) * len(dkey)
            agg = aggregate(frozenset(rids), complete)
            if not (agg.some or agg.unknown):
                continue
            for i in src_side.groups[skey]:
                for j in d_members:
                    if (i, j) not in shared and srcs[i].selector != dsts[j].selector:
                        out.append((i, j, agg))
    for i, j in shared:
        if srcs[i].selector == dsts[j].selector:
            continue
        agg = _exact_pair(m, b, srcs[i], dsts[j], results_for, aggregate)
        if agg is not None and (agg.some or agg.unknown):
            out.append((i, j, agg))
    out.sort(key=lambda t: (t[0], t[1]))
    return out


def _shared_pairs(srcs: list[Endpoint], dsts: list[Endpoint]) -> set[tuple[int, int]]:
    by_placement: dict[str, list[int]] = defaultdict(list)
    for j, e in enumerate(dsts):
        for p in e.placements:
            by_placement[p.id].append(j)
    out: set[tuple[int, int]] = set()
    for i, e in enumerate(srcs):
        for p in e.placements:
            for j in by_placement.get(p.id, ()):
                out.add((i, j))
    return out


def _exact_pair(
    m: _Matrix,
    b: _Builder,
    src: Endpoint,
    dst: Endpoint,
    results_for: object,
    aggregate: object,
) -> _Aggregate | None:
    """One endpoint pair whose endpoints share placements: only the class combinations of distinct
    placements count."""
    combos: set[tuple[int, int]] = set()
    for s in src.placements:
        for d in dst.placements:
            if s.id != d.id:
                combos.add((b.class_of_placement[s.id], b.class_of_placement[d.id]))
    if not combos:
        return None
    rids: set[int] = set()
    full = 0
    for cs, cd in combos:
        cr = results_for(cd).get(cs)  # type: ignore[operator]
        if cr is None:
            continue
        rids.update(cr.rids)
        if cr.nonempty == _pair_count(b.classes[cs], b.classes[cd]):
            full += 1
    return aggregate(frozenset(rids), full == len(combos))  # type: ignore[operator, no-any-return]


def compute_matrix_rows(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[MatrixRow]:
    """Every flow reachable or possibly reachable for some pair, with its verdict, sorted."""
    srcs, dsts = select_endpoints(engine, sources, destinations, include_internet)
    templates: dict[int, list[tuple[str, str, RowVerdict]]] = {}
    out: list[MatrixRow] = []
    for i, j, agg in _compute(engine, srcs, dsts):
        t = templates.get(id(agg))
        if t is None:
            t = templates[id(agg)] = row_entries(*agg)
        s, d = srcs[i].selector, dsts[j].selector
        out.extend(MatrixRow(s, d, pr, po, v) for pr, po, v in t)
    return out


def compute_matrix(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[Flow]:
    """Every allowed flow between endpoints (DESIGN.md section 6), sorted and merged.

    A flow is listed when at least one pair of the two endpoints reaches it (the verdict is
    ``reachable`` or ``partial``); see `compute_matrix_rows` for the verdict of each row.
    """
    srcs, dsts = select_endpoints(engine, sources, destinations, include_internet)
    templates: dict[int, list[MatrixEntry]] = {}
    out: list[Flow] = []
    for i, j, agg in _compute(engine, srcs, dsts):
        t = templates.get(id(agg))
        if t is None:
            t = templates[id(agg)] = sorted(agg.some.matrix_entries(), key=_entry_key)
        s, d = srcs[i].selector, dsts[j].selector
        out.extend(Flow(source=s, destination=d, protocol=e.protocol, ports=e.ports) for e in t)
    return out
