"""The reachability matrix: every allowed flow between endpoints, computed by equivalence classes.

``compute_matrix(engine, sources, destinations, include_internet)`` lists, for every ordered pair of
distinct endpoints, the traffic that at least one of its pairs reaches (DESIGN.md sections 4 and 6;
the semantics are `/work/notes/semantics.md`): one `Flow` per protocol and merged port range, sorted by
source, destination, protocol and port. `compute_matrix_rows` gives the rows of the text and CSV
formats, each with a verdict: ``reachable`` (every pair of the two endpoints), ``partial`` (some pairs)
or ``unknown`` (no pair is known to reach it but some might: a prefix list or group the snapshot cannot
read, missing route or NACL data). A flow's traffic is split into rows by verdict, so the text rows of a
pair may cut one JSON flow in two (``tcp 1000-2000 reachable`` and ``tcp 2001-3000 partial``). JSON has
no field for the verdict: it lists what some pair reaches (reachable and partial), never unknown rows.

Pairs, as the oracle (`sgaudit.engine.oracle`) and the engine count them: a placement never pairs with
itself and an endpoint never with itself; two interfaces make one pair whatever their families (the
best family counts); a range placement (an RDS subnet, the internet) makes one pair per piece of its
address space that the layers treat alike; placements with no address family in common make one
blocked pair.

How it avoids N^2 Python loops over interfaces:

1. Placements are grouped into classes, separately as sources and as destinations: same kind, VPC,
   subnet, region, group set, public address, (for sources) client kind and address *segment*. As a
   source an address matters through the ingress peers of others, routes and NACL entries; as a
   destination through egress peers, routes and NACL entries; the segments are the pieces of the
   address space those CIDRs cut, so two addresses of one segment are treated identically. A range
   placement becomes one point per segment it covers, an interface one point.
2. Each destination point is joined only with the source points its ingress rules can admit: the
   members of each referenced group (an index by group) and the points inside each CIDR peer (a
   bisect over points sorted by address). Along the address-sorted sources the set of matched peers
   changes only at peer boundaries, and within such a run the result depends only on a source's
   bucket (egress rule *content*, VPC, subnet, route/NACL segment, client kind): each (bucket,
   matched peers) is evaluated once, and the run is filled in bulk. The layers are set-valued
   (`Traffic` allowed and unknown), every piece cached by exactly the keys it depends on, and results
   are interned as small ints so that their algebra runs once per distinct question. A source's
   result is its outer result (every layer but the destination's ingress rules: a function of its
   bucket and the destination's location) joined with the ingress result of the matched peers on
   its kind of path (references apply or not, middlebox or not). So the table bucket -> result is
   keyed by (location, the four ingress results of the mask) and shared by every destination with
   that key, and a run's filling (run, table) is kept once asked for twice: many destinations share
   a CIDR peer's run.
3. Class results are aggregated per pair of endpoint classes (endpoints whose placements fall in the
   same classes) and only then expanded to endpoint pairs; endpoints that share a placement are
   judged pair by pair. Rows of ``(destination index, aggregate)`` grow per source endpoint class
   (one list extension per class pair, the extension built once per result and destination
   class), are copied per endpoint, sorted by destination, and patched by bisection for the
   endpoint itself and the endpoints that share a placement with it.
"""

from __future__ import annotations

import bisect
import functools
import gc
import ipaddress
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
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
_MISSING = object()  # a cache miss, where None is a value
_FIRST = operator.itemgetter(0)
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


@functools.lru_cache(maxsize=1 << 16)
def _span(cidr: str) -> tuple[int, int, int, int]:
    """(family, first, last, prefix length) of a CIDR."""
    n = ipaddress.ip_network(cidr, strict=False)
    return n.version, int(n.network_address), int(n.broadcast_address), n.prefixlen


def _cidr_entry_key(entry: tuple[int, int, int, Traffic]) -> tuple[object, ...]:
    """A total order of a profile's CIDR entries by content (it fixes their bits in a mask)."""
    fam, lo, hi, t = entry
    return (
        fam,
        lo,
        hi,
        t.tcp.intervals,
        t.udp.intervals,
        t.icmp.intervals,
        t.icmpv6.intervals,
        t.other.intervals,
    )


def _is_transit(target: str | None) -> bool:
    """A transit gateway or Cloud WAN core network: routes whose delivery cannot be decided."""
    return target is not None and (target.startswith("tgw-") or ":core-network/" in target)


def _one(dim: str, points: IntervalSet) -> Traffic:
    return Traffic(**{dim: points})


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


# ---- interned three-valued results -------------------------------------------------------------------

_TV = tuple[Traffic, Traffic]
"""Three-valued traffic: (allowed, unknown), disjoint; everything else is denied."""

R_NONE, R_ALL, R_UNKNOWN = 0, 1, 2


class _Results:
    """Every distinct three-valued result gets a small int; operations on ints are cached, so the
    exact (and slow) `Traffic` algebra runs once per distinct question."""

    def __init__(self) -> None:
        self.tv: list[_TV] = [(_NONE, _NONE), (_ALL, _NONE), (_NONE, _ALL)]
        self._ids: dict[_TV, int] = {tv: i for i, tv in enumerate(self.tv)}
        self._conj: dict[tuple[int, int], int] = {}
        self._best: dict[tuple[int, int], int] = {}

    def rid(self, allowed: Traffic, unknown: Traffic) -> int:
        tv = (allowed, unknown - allowed)
        r = self._ids.get(tv)
        if r is None:
            r = self._ids[tv] = len(self.tv)
            self.tv.append(tv)
        return r

    def conj(self, a: int, b: int) -> int:
        """Both layers: a deny in either wins, then an unknown."""
        if R_NONE in (a, b):
            return R_NONE
        if a == R_ALL:
            return b
        if b in (R_ALL, a):
            return a
        key = (a, b) if a < b else (b, a)
        r = self._conj.get(key)
        if r is None:
            (xa, xu), (ya, yu) = self.tv[a], self.tv[b]
            allowed = xa & ya
            r = self._conj[key] = self.rid(allowed, (xa | xu) & (ya | yu))
        return r

    def best(self, a: int, b: int) -> int:
        """Two address families of one interface pair: a client uses whichever works."""
        if a in (R_NONE, b):
            return b
        if b == R_NONE:
            return a
        key = (a, b) if a < b else (b, a)
        r = self._best.get(key)
        if r is None:
            (xa, xu), (ya, yu) = self.tv[a], self.tv[b]
            r = self._best[key] = self.rid(xa | ya, xu | yu)
        return r

    def of_tri(self, t: Tri) -> int:
        return R_ALL if t is Tri.ALLOW else (R_NONE if t is Tri.DENY else R_UNKNOWN)


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
    """Placements that every layer treats alike in one role (source or destination)."""

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
    pid: int = -1  # egress profile of a source class, ingress profile of a destination class
    accepts: int = R_ALL  # a load-balancer destination: its listeners (a result id); R_ALL otherwise
    points: list[_Point] = field(default_factory=list)
    per_family: dict[int, int] = field(default_factory=dict)  # family -> how many points have it


@dataclass(slots=True, eq=False)
class _Point:
    """An interface class's addresses (one per family), or one piece of a range (one family)."""

    idx: int
    cls: _Class
    addr: dict[int, int]  # family -> representative address
    seg: dict[int, tuple[int, int]]  # family -> (peer segment, route/NACL segment)


class _Segments:
    """Sorted boundaries of one family: the segment of an address is a bisect."""

    def __init__(self, bounds: set[int]) -> None:
        self.bounds = sorted(bounds | {0})

    def index(self, address: int) -> int:
        return bisect.bisect_right(self.bounds, address) - 1

    def split(self, lo: int, hi: int) -> list[int]:
        """Start addresses of the pieces of [lo, hi]."""
        i = bisect.bisect_right(self.bounds, lo)
        out = [lo]
        while i < len(self.bounds) and self.bounds[i] <= hi:
            out.append(self.bounds[i])
            i += 1
        return out


_ROLES = ("in", "out", "net", "src", "dst")


class _Matrix:
    """The layers of semantics.md as cached set-valued functions of classes and segments."""

    def __init__(self, engine: Engine) -> None:
        self.inv: Inventory = engine.inventory
        self.options = engine.options
        inv = self.inv
        accounts = {s.account for s in inv.scopes if s.account}
        accounts |= {v.owner_id for v in inv.vpcs.values() if v.owner_id}
        accounts |= {g.owner_id for g in inv.security_groups.values() if g.owner_id}
        self.accounts = frozenset(accounts)
        self.res = _Results()
        self.profiles: dict[_Profile, int] = {}
        self.profile_list: list[_Profile] = []
        self._profile_of: dict[tuple[tuple[str, ...], Direction], int] = {}
        self._cache: dict[tuple[object, ...], object] = {}
        self._peered: dict[tuple[str | None, str | None], bool] = {}
        self._rules = {
            gid: [(r.direction, _rule_traffic(r), r) for r in g.rules]
            for gid, g in inv.security_groups.items()
        }
        self._bounds: dict[str, dict[int, set[int]]] = {r: {4: set(), 6: set()} for r in _ROLES}
        self._collect_bounds()
        self.segs: dict[str, dict[int, _Segments]] = {}

    # -- segments -----------------------------------------------------------------------------

    def _pl_cidrs(self, pl_id: str) -> tuple[str, ...] | None:
        pl = self.inv.prefix_lists.get(pl_id)
        return None if pl is None else pl.entry_cidrs

    def _add(self, roles: tuple[str, ...], fam: int, lo: int, hi: int) -> None:
        for r in roles:
            self._bounds[r][fam].add(lo)
            if hi < _TOP[fam]:
                self._bounds[r][fam].add(hi + 1)

    def _collect_bounds(self) -> None:
        """Where a layer's decision can change: ingress peers matter for source addresses, egress
        peers for destination addresses, routes and NACL entries for both."""
        for g in self.inv.security_groups.values():
            for r in g.rules:
                roles = ("out", "dst") if r.direction is Direction.EGRESS else ("in", "src")
                cidrs: Iterable[str] = ()
                if r.peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
                    cidrs = (r.peer.value,)
                elif r.peer.kind is PeerKind.PREFIX_LIST:
                    cidrs = self._pl_cidrs(r.peer.value) or ()
                for c in cidrs:
                    fam, lo, hi, _ = _span(c)
                    self._add(roles, fam, lo, hi)
        net: list[str] = []
        for acl in self.inv.network_acls.values():
            net += [c for e in acl.entries for c in (e.cidr_block, e.ipv6_cidr_block) if c]
        for rt in self.inv.route_tables.values():
            for route in rt.routes:
                net += [c for c in (route.destination_cidr_block, route.destination_ipv6_cidr_block) if c]
                if route.destination_prefix_list_id:
                    net += self._pl_cidrs(route.destination_prefix_list_id) or ()
        for vpc in self.inv.vpcs.values():
            net += [*vpc.cidrs4, *vpc.cidrs6]
        for c in net:
            fam, lo, hi, _ = _span(c)
            self._add(("net", "src", "dst"), fam, lo, hi)

    def finish_segments(self, placements: Iterable[Placement]) -> None:
        """Ranges are cut at their own ends too (an interface is a point, never a cut)."""
        for p in placements:
            if p.kind == "interface":
                continue
            for fam in (4, 6):
                for lo, hi in p.addresses(fam).points.intervals:
                    self._add(("src", "dst"), fam, lo, hi)
        self.segs = {r: {f: _Segments(b) for f, b in fams.items()} for r, fams in self._bounds.items()}

    def seg_ids(self, role: str, family: int, address: int) -> tuple[int, int]:
        """(peer segment, route/NACL segment) of an address in a role."""
        peer = self.segs["in" if role == "src" else "out"][family].index(address)
        return peer, self.segs["net"][family].index(address)

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
                # else: a stale reference, which matches nothing
        prof = _Profile(
            direction=direction,
            cidrs=tuple(sorted(cidrs, key=_cidr_entry_key)),
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
        self, pid: int, family: int, seg: int, address: int, other: _Class, *, private: bool, middlebox: bool
    ) -> int:
        """One direction of the security-group layer: the union of the profile's matching rules."""
        prof = self.profile_list[pid]
        refs: tuple[int, ...] = ()
        foreign: tuple[int, ...] = ()
        if other.kind in _PRIVATE_KINDS and private and (prof.refs or prof.foreign):
            carried = other.groups
            refs = tuple(i for i, (g, _) in enumerate(prof.refs) if g in carried)
            foreign = tuple(i for i, (g, _) in enumerate(prof.foreign) if g in carried)
        key = ("sg", pid, family, seg, refs, foreign, middlebox and bool(refs))
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        allow = prof.cidr_traffic(family, address)
        unknown = [prof.pl_unknown, *(prof.foreign[i][1] for i in foreign)]
        if prof.missing:
            unknown.append(_ALL)
        if middlebox:
            unknown += [prof.refs[i][1] for i in refs]  # references are not preserved through a middlebox
        else:
            allow = Traffic.union([allow, *(prof.refs[i][1] for i in refs)])
        r = self.res.rid(allow, Traffic.union(unknown))
        self._cache[key] = r
        return r

    # -- routes -------------------------------------------------------------------------------

    def peered(self, a: str | None, b: str | None) -> bool:
        key = (a, b)
        hit = self._peered.get(key)
        if hit is None:
            hit = (
                a is not None
                and b is not None
                and any(
                    pcx.active and {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id} == {a, b}
                    for pcx in self.inv.peering_connections.values()
                )
            )
            self._peered[key] = hit
        return hit

    def private(self, s: _Class, d: _Class) -> bool:
        """Same VPC, or an active peering in one region: where group references can match."""
        return (s.vpc is not None and s.vpc == d.vpc) or (s.region == d.region and self.peered(s.vpc, d.vpc))

    def lookup(self, subnet: str | None, family: int, seg: int, address: int) -> tuple[Tri, str | None]:
        """Longest prefix match in a subnet's table: (ALLOW, target), (DENY, None) or (UNKNOWN, None)."""
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
                    own.add(_span(c)[:3])
            if route.state != "active":
                continue  # blackhole (and filtered) routes carry nothing
            # For equal prefixes: static routes, then prefix-list routes, then propagated ones.
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
                        return Tri.UNKNOWN, None  # the list might hold any destination
                    continue
                spans = [s for s in map(_span, cidrs) if s[0] == family]
            for f, lo, hi, plen in spans:
                if f == family and lo <= address <= hi and (best is None or (plen, rank) > best):
                    best, target = (plen, rank), route.target
        vpc = self.inv.vpcs.get(table.vpc_id)
        if vpc is not None:
            # The VPC's CIDRs route locally unless the table lists that exact block itself.
            for c in vpc.cidrs4 if family == 4 else vpc.cidrs6:
                f, lo, hi, plen = _span(c)
                if (f, lo, hi) not in own and lo <= address <= hi and (best is None or (plen, 2) > best):
                    best, target = (plen, 2), "local"
        return (Tri.DENY, None) if best is None else (Tri.ALLOW, target)

    def gateway(self, gw_id: str, vpc: str | None) -> Tri:
        """Is this internet (or egress-only) gateway attached to the VPC?"""
        gw = (
            self.inv.internet_gateways.get(gw_id)
            if gw_id.startswith("igw-")
            else self.inv.egress_only_internet_gateways.get(gw_id)
        )
        if gw is None:
            return Tri.UNKNOWN
        ok = any(a.vpc_id == vpc and a.state in ("available", "attached") for a in gw.attachments)
        return Tri.ALLOW if ok else Tri.DENY

    def via_peering(self, hit: tuple[Tri, str | None], a: str | None, b: str | None) -> Tri:
        result, target = hit
        if result is not Tri.ALLOW or target is None:
            return result
        if _is_transit(target):
            return Tri.UNKNOWN  # a transit gateway's own route tables are not in the snapshot
        if not target.startswith("pcx-"):
            return Tri.DENY
        pcx = self.inv.peering_connections.get(target)
        if pcx is None:
            return Tri.UNKNOWN
        ends = {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id}
        return Tri.ALLOW if pcx.active and ends == {a, b} else Tri.DENY

    def private_route(self, ps: _Point, pd: _Point, family: int) -> tuple[Tri, bool]:
        """(routing result, through a middlebox) between two private placements."""
        s, d = ps.cls, pd.cls
        if s.subnet is not None and s.subnet == d.subnet:
            return Tri.ALLOW, False
        key = ("pr", s.subnet, s.vpc, d.subnet, d.vpc, family, ps.seg[family][1], pd.seg[family][1])
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._private_route(ps, pd, family)
        return hit  # type: ignore[return-value]

    def _private_route(self, ps: _Point, pd: _Point, family: int) -> tuple[Tri, bool]:
        s, d = ps.cls, pd.cls
        if s.subnet is None or self.inv.route_table_for(s.subnet) is None:
            return Tri.UNKNOWN, False
        fwd = self.lookup(s.subnet, family, pd.seg[family][1], pd.addr[family])
        if s.vpc is not None and s.vpc == d.vpc:
            if fwd[0] is not Tri.ALLOW or fwd[1] is None:
                return fwd[0], False
            if fwd[1] == "local":
                return Tri.ALLOW, False
            if fwd[1].startswith(_MIDDLEBOX_PREFIXES):
                return Tri.ALLOW, True
            return Tri.DENY, False
        forward = self.via_peering(fwd, s.vpc, d.vpc)
        transit = fwd[0] is Tri.ALLOW and _is_transit(fwd[1])
        if d.subnet is None or self.inv.route_table_for(d.subnet) is None:
            back = Tri.UNKNOWN
        else:
            ret = self.lookup(d.subnet, family, ps.seg[family][1], ps.addr[family])
            back = self.via_peering(ret, s.vpc, d.vpc)
            transit = transit or (ret[0] is Tri.ALLOW and _is_transit(ret[1]))
        # Through a transit gateway, group references may or may not match: the middlebox flag.
        return forward & back, transit

    # -- NACLs --------------------------------------------------------------------------------

    def _acl_entries(self, acl_id: str, egress: bool, family: int) -> list[tuple[int, int, bool, Traffic]]:
        key = ("acl", acl_id, egress, family)
        hit = self._cache.get(key)
        if hit is None:
            out = []
            for e in sorted(self.inv.network_acls[acl_id].entries, key=lambda e: e.rule_number):
                c = e.cidr_block if family == 4 else e.ipv6_cidr_block
                if e.egress == egress and c:
                    _, lo, hi, _ = _span(c)
                    out.append((lo, hi, e.rule_action.lower() == "allow", _nacl_traffic(e)))
            hit = self._cache[key] = out
        return hit  # type: ignore[return-value]

    def nacl_allowed(
        self, subnet: str | None, egress: bool, family: int, seg: int, address: int
    ) -> Traffic | None:
        """First match in one direction: what it allows to/from ``address`` (None: no NACL data)."""
        key = ("nacl", subnet, egress, family, seg)
        if key in self._cache:
            return self._cache[key]  # type: ignore[return-value]
        acl = self.inv.network_acl_for(subnet) if subnet else None
        out: Traffic | None = None
        if acl is not None:
            out = _NONE
            remaining = _ALL
            for lo, hi, allow, traffic in self._acl_entries(acl.network_acl_id, egress, family):
                if lo <= address <= hi:
                    part = remaining & traffic
                    if allow:
                        out = out | part
                    remaining = remaining - part
                    if not remaining:
                        break
        self._cache[key] = out
        return out

    def leg(self, subnet: str | None, egress: bool, family: int, seg: int, address: int) -> int:
        key = ("leg", subnet, egress, family, seg)
        hit = self._cache.get(key)
        if hit is None:
            allowed = self.nacl_allowed(subnet, egress, family, seg, address)
            hit = self._cache[key] = R_UNKNOWN if allowed is None else self.res.rid(allowed, _NONE)
        return hit  # type: ignore[return-value]

    def return_leg(
        self, subnet: str | None, egress: bool, family: int, seg: int, address: int, *, client_kind: str
    ) -> int:
        """The forward flows whose replies this leg lets through (replies go to/come from ``address``).

        tcp/udp replies use the client's whole ephemeral range; an ICMP echo's reply is type 0 (ICMPv6:
        129) code 0; other ICMP types have no reply; other protocols need the same protocol back.
        """
        key = ("ret", subnet, egress, family, seg, client_kind)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        allowed = self.nacl_allowed(subnet, egress, family, seg, address)
        if allowed is None:
            r = R_UNKNOWN
        else:
            lo, hi = self.options.ephemeral_range(client_kind)
            eph = IntervalSet.span(lo, hi)
            echo4 = IntervalSet.span(8 * 256, 8 * 256 + 255)
            echo6 = IntervalSet.span(128 * 256, 128 * 256 + 255)
            forward = Traffic(
                tcp=PORTS if allowed.tcp.covers(eph) else IntervalSet(),
                udp=PORTS if allowed.udp.covers(eph) else IntervalSet(),
                icmp=ICMP_CODES if allowed.icmp.contains(0) else ICMP_CODES - echo4,
                icmpv6=ICMP_CODES if allowed.icmpv6.contains(129 * 256) else ICMP_CODES - echo6,
                other=allowed.other,
            )
            r = self.res.rid(forward, _NONE)
        self._cache[key] = r
        return r

    def nacl_private(self, ps: _Point, pd: _Point, family: int) -> int:
        """All four legs between two subnets."""
        s, d = ps.cls, pd.cls
        ns, nd = ps.seg[family][1], pd.seg[family][1]
        key = ("np", s.subnet, d.subnet, family, ns, nd, s.client_kind)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        a, b = ps.addr[family], pd.addr[family]
        c = self.res.conj
        r = c(self.leg(s.subnet, True, family, nd, b), self.leg(d.subnet, False, family, ns, a))
        r = c(r, self.return_leg(d.subnet, True, family, ns, a, client_kind=s.client_kind))
        r = c(r, self.return_leg(s.subnet, False, family, nd, b, client_kind=s.client_kind))
        self._cache[key] = r
        return r

    # -- one pair of points in one family -------------------------------------------------------

    def ingress(
        self, ps: _Point, pd: _Point, family: int, refs_apply: bool, middlebox: bool, *, mask: int | None
    ) -> int:
        """The destination's ingress layer. ``refs_apply``: group references can match on this path;
        ``mask`` (when known) says which rule peers the source matches, in the bit order of
        `_Join._runs`: CIDR entries, then groups, then foreign groups."""
        s, d = ps.cls, pd.cls
        if mask is None:
            # refs_apply is "a private source on a private path": what sg_side checks with these.
            return self.sg_side(
                d.pid, family, ps.seg[family][0], ps.addr[family], s, private=refs_apply, middlebox=middlebox
            )
        key = ("im", d.pid, family, mask, refs_apply, middlebox)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        prof = self.profile_list[d.pid]
        # Bits and flags that cannot change the result are cleared first, so that equivalent
        # questions share one answer: group bits matter only where references apply, and the
        # middlebox flag only for matched references.
        n_cidrs = len(prof.cidrs)
        if not refs_apply:
            mask &= (1 << n_cidrs) - 1
            middlebox = False
        elif not (mask >> n_cidrs) & ((1 << len(prof.refs)) - 1):
            middlebox = False
        norm = ("im", d.pid, family, mask, refs_apply, middlebox)
        hit = self._cache.get(norm)
        if hit is not None:
            self._cache[key] = hit
            return hit  # type: ignore[return-value]
        allow: list[Traffic] = []
        unknown = [prof.pl_unknown]
        if prof.missing:
            unknown.append(_ALL)
        bit = 1
        for entry in prof.cidrs:
            if mask & bit:
                allow.append(entry[3])
            bit <<= 1
        for _, t in prof.refs:
            if mask & bit and refs_apply:
                (unknown if middlebox else allow).append(t)  # references do not cross a middlebox
            bit <<= 1
        for _, t in prof.foreign:
            if mask & bit and refs_apply:
                unknown.append(t)
            bit <<= 1
        r = self.res.rid(Traffic.union(allow), Traffic.union(unknown))
        self._cache[key] = self._cache[norm] = r
        return r

    def evaluate(self, ps: _Point, pd: _Point, family: int, mask: int | None = None) -> int:
        """What ``ps`` reaches of ``pd`` in one family (a result id); see `ingress` for ``mask``."""
        x, refs_apply, middlebox = self.outer(ps, pd, family)
        d = pd.cls
        if not x or not d.sg_filtered or d.kind in _EXTERNAL_KINDS:
            return x
        return self.res.conj(x, self.ingress(ps, pd, family, refs_apply, middlebox, mask=mask))

    def outer(self, ps: _Point, pd: _Point, family: int) -> tuple[int, bool, bool]:
        """Every layer but the destination's ingress rules: (result id, whether group references
        can match on this path, whether it crosses a middlebox). A load balancer then accepts
        only its listeners."""
        r, refs_apply, middlebox = self._outer(ps, pd, family)
        accepts = pd.cls.accepts
        if r and accepts != R_ALL:
            r = self.res.conj(r, accepts)
        return r, refs_apply, middlebox

    def _outer(self, ps: _Point, pd: _Point, family: int) -> tuple[int, bool, bool]:
        s, d = ps.cls, pd.cls
        s_ext, d_ext = s.kind in _EXTERNAL_KINDS, d.kind in _EXTERNAL_KINDS
        if s_ext and d_ext:
            return R_NONE, False, False  # no AWS network between two outside addresses
        if s_ext:
            return self._from_outside(ps, pd, family), False, False
        if d_ext:
            return self._to_outside(ps, pd, family), False, False
        route, middlebox = self.private_route(ps, pd, family)
        # References can match inside a VPC, across a peering, and (undecidably) across a transit gateway.
        private = self.private(s, d) or middlebox
        if route is Tri.DENY:
            return R_NONE, False, False
        c = self.res.conj
        r = self.res.of_tri(route)
        if s.sg_filtered:
            eg = self.sg_side(
                s.pid, family, pd.seg[family][0], pd.addr[family], d, private=private, middlebox=middlebox
            )
            r = c(r, eg)
        if s.subnet != d.subnet and r:
            r = c(r, self.nacl_private(ps, pd, family))
        return r, s.kind in _PRIVATE_KINDS and private, middlebox

    def _from_outside(self, ps: _Point, pd: _Point, family: int) -> int:
        """The internet (or an outside CIDR) to a placement, but for its ingress rules."""
        s, d = ps.cls, pd.cls
        a, ns = ps.addr[family], ps.seg[family][1]
        hit = self.lookup(d.subnet, family, ns, a)
        if hit[0] is not Tri.ALLOW or hit[1] is None:
            route = hit[0]
        elif hit[1].startswith("igw-"):
            route = self.gateway(hit[1], d.vpc)
        else:
            route = Tri.DENY
        if not (family == 6 or d.public):
            route = Tri.DENY  # no public IPv4 address
        if route is Tri.DENY:
            return R_NONE
        c = self.res.conj
        r = c(self.res.of_tri(route), self.leg(d.subnet, False, family, ns, a))
        return c(r, self.return_leg(d.subnet, True, family, ns, a, client_kind=s.client_kind))

    def _to_outside(self, ps: _Point, pd: _Point, family: int) -> int:
        s, d = ps.cls, pd.cls
        b, nd = pd.addr[family], pd.seg[family][1]
        c = self.res.conj
        r = R_ALL
        if s.sg_filtered:
            r = self.sg_side(s.pid, family, pd.seg[family][0], b, d, private=False, middlebox=False)
            if not r:
                return R_NONE
        hit = self.lookup(s.subnet, family, nd, b)
        if hit[0] is not Tri.ALLOW or hit[1] is None:
            return c(r, self.res.of_tri(hit[0]))
        target = hit[1]
        own = c(
            self.leg(s.subnet, True, family, nd, b),
            self.return_leg(s.subnet, False, family, nd, b, client_kind=s.client_kind),
        )
        if target.startswith("igw-"):
            route = self.gateway(target, s.vpc)
            if not (family == 6 or s.public):
                route = Tri.DENY
            return c(c(r, self.res.of_tri(route)), own)
        if target.startswith("eigw-") and family == 6:
            return c(c(r, self.res.of_tri(self.gateway(target, s.vpc))), own)
        if _is_transit(target):
            return c(c(r, R_UNKNOWN), own)  # centralised egress behind a transit gateway, maybe
        if not target.startswith("nat-"):
            return R_NONE
        nat = self.inv.nat_gateways.get(target)
        if nat is None:
            return c(r, R_UNKNOWN)
        if nat.subnet_id is None or self.inv.route_table_for(nat.subnet_id) is None:
            route = Tri.UNKNOWN
        else:
            out = self.lookup(nat.subnet_id, family, nd, b)
            if out[0] is not Tri.ALLOW or out[1] is None:
                route = out[0]
            elif out[1].startswith("igw-"):
                route = self.gateway(out[1], nat.vpc_id)
            else:
                route = Tri.DENY
        r = c(r, self.res.of_tri(route))
        # Legs: source subnet -> NAT subnet (when they differ), NAT subnet -> internet, and the replies.
        a, ns = ps.addr[family], ps.seg[family][1]
        if nat.subnet_id != s.subnet:
            r = c(r, own)
            r = c(r, self.leg(nat.subnet_id, False, family, ns, a))
            r = c(r, self.return_leg(nat.subnet_id, True, family, ns, a, client_kind=s.client_kind))
        r = c(r, self.leg(nat.subnet_id, True, family, nd, b))
        return c(r, self.return_leg(nat.subnet_id, False, family, nd, b, client_kind="nat"))


# ---- classes of placements --------------------------------------------------------------------------


class _Side:
    """The placements of one side (sources or destinations) grouped into classes, and the endpoints
    of that side grouped into endpoint classes (endpoints whose placements fall in the same classes)."""

    def __init__(self, m: _Matrix, role: str, endpoints: list[Endpoint]) -> None:
        self.m = m
        self.role = role
        self.endpoints = endpoints
        self.classes: list[_Class] = []
        self.points: list[_Point] = []
        self._by_key: dict[tuple[object, ...], _Class] = {}
        self.class_of: dict[str, int] = {}
        self.groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, e in enumerate(endpoints):
            key = tuple(sorted({self._add(p) for p in e.placements}))
            if key:
                self.groups[key].append(i)

    def _key(self, p: Placement) -> tuple[object, ...]:
        base = (
            p.kind,
            p.vpc_id,
            p.subnet_id,
            p.region,
            tuple(sorted(set(p.group_ids))),
            bool(p.public_ips) or p.public,
            p.client_kind if self.role == "src" else None,  # only the client's ephemeral range matters
            p.sg_filtered,
            p.listeners if self.role == "dst" else None,
        )
        if p.kind == "interface":
            segs = [
                None
                if p.addresses(f).is_empty
                else self.m.seg_ids(self.role, f, p.addresses(f).points.intervals[0][0])
                for f in (4, 6)
            ]
            return (*base, *segs)
        return (*base, p.addresses4, p.addresses6)

    def _add(self, p: Placement) -> int:
        known = self.class_of.get(p.id)
        if known is not None:
            return known
        key = self._key(p)
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
            if self.role == "dst" and p.listeners is not None:
                c.accepts = self.m.res.rid(p.listeners.traffic, _NONE)
            if c.sg_filtered and c.kind in _PRIVATE_KINDS:
                c.pid = self.m.profile(
                    c.groups, Direction.EGRESS if self.role == "src" else Direction.INGRESS
                )
            self._by_key[key] = c
            self.classes.append(c)
            self._make_points(c, p)
        self.class_of[p.id] = c.idx
        return c.idx

    def _make_points(self, c: _Class, p: Placement) -> None:
        m = self.m
        if c.interface:
            addr = {f: p.addresses(f).points.intervals[0][0] for f in (4, 6) if not p.addresses(f).is_empty}
            self._point(c, addr)
            return
        cuts = m.segs[self.role]
        for fam in (4, 6):
            for lo, hi in p.addresses(fam).points.intervals:
                for start in cuts[fam].split(lo, hi):
                    self._point(c, {fam: start})

    def _point(self, c: _Class, addr: dict[int, int]) -> None:
        pt = _Point(len(self.points), c, addr, {f: self.m.seg_ids(self.role, f, a) for f, a in addr.items()})
        self.points.append(pt)
        c.points.append(pt)
        for f in addr:
            c.per_family[f] = c.per_family.get(f, 0) + 1


def _pair_count(cs: _Class, cd: _Class) -> int:
    """How many pairs one placement of ``cs`` and one of ``cd`` make (semantics.md, range placements)."""
    if cs.interface and cd.interface:
        return 1
    a, b = cs.per_family, cd.per_family
    return a.get(4, 0) * b.get(4, 0) + a.get(6, 0) * b.get(6, 0) or 1


class _Arrays(NamedTuple):
    """Source points of one family and one shape (interfaces, or pieces of ranges), sorted by address."""

    starts: list[int]  # representative address
    points: list[_Point]
    keys: list[int]  # what results are keyed by: class index (interfaces) or point index (ranges)
    lam: list[int]  # bucket: everything about the source that matters besides the rules it matches
    pos: dict[int, int]  # point index -> position


class _Join:
    """Destination-major join: for each destination point, the source points its ingress rules admit.

    The sources inside one CIDR peer are a contiguous run of the address-sorted arrays; a run is cut
    where the set of matched peers changes, and inside a run the result depends only on the source's
    bucket, so each (bucket, matched peers) is evaluated once and the run is filled in bulk."""

    def __init__(self, m: _Matrix, src: _Side, pairs: _Pairs) -> None:
        self.m = m
        self.src = src
        self.pairs = pairs
        buckets: dict[tuple[object, ...], int] = {}
        self.arrays: dict[tuple[int, bool], _Arrays] = {}
        for fam in (4, 6):
            for iface in (True, False):
                pts = sorted(
                    (p for p in src.points if fam in p.addr and p.cls.interface == iface),
                    key=lambda p: p.addr[fam],
                )
                lam = []
                for p in pts:
                    c = p.cls
                    key = (
                        c.pid,
                        c.kind,
                        c.vpc,
                        c.subnet,
                        c.region,
                        c.public,
                        c.client_kind,
                        c.sg_filtered,
                        p.seg[fam][1],
                    )
                    lam.append(buckets.setdefault(key, len(buckets)))
                self.arrays[(fam, iface)] = _Arrays(
                    [p.addr[fam] for p in pts],
                    pts,
                    [p.cls.idx if iface else p.idx for p in pts],
                    lam,
                    {p.idx: i for i, p in enumerate(pts)},
                )
        self.by_group: dict[str, list[_Point]] = defaultdict(list)
        for p in src.points:
            if p.cls.kind in _PRIVATE_KINDS:
                for g in p.cls.groups:
                    self.by_group[g].append(p)
        self._outer: dict[int, dict[int, tuple[int, bool, bool]]] = {}  # dest key -> bucket -> outer
        # (dest key, its four ingress results) -> bucket -> result: see `sources_for`.
        self._done: dict[tuple[int, ...], dict[int, int]] = {}
        # (interface array?, run start, run end, table key) -> what that run fills: see `sources_for`.
        self._fills: dict[tuple[object, ...], dict[int, int]] = {}
        self._seen: set[tuple[object, ...]] = set()
        self._runs_of: dict[
            tuple[int, int, bool],
            tuple[list[tuple[int, int, int]], list[tuple[int, int, int]], list[tuple[int, list[int]]]],
        ] = {}
        self._members: dict[tuple[int, bool, str], list[int]] = {}
        # Per source class, for `_pair_count`: points per family, and whether it is an interface.
        self._pf4 = [c.per_family.get(4, 0) for c in src.classes]
        self._pf6 = [c.per_family.get(6, 0) for c in src.classes]
        self._src_iface = [c.interface for c in src.classes]
        self._dest_keys: dict[tuple[object, ...], int] = {}
        # The groups some egress rule names: the only ones of a destination that egress can depend on.
        self._egress_named = {
            r.peer.value
            for g in m.inv.security_groups.values()
            for r in g.rules
            if r.direction is Direction.EGRESS and r.peer.kind is PeerKind.SECURITY_GROUP
        }

    def _dest_key(self, pd: _Point, family: int) -> int:
        """What about a destination the layers other than its ingress rules depend on, as an id."""
        d = pd.cls
        named = tuple(g for g in d.groups if g in self._egress_named)
        key = (
            d.kind,
            d.vpc,
            d.subnet,
            d.region,
            d.public,
            d.sg_filtered,
            family,
            pd.seg[family],
            named,
            d.accepts,
        )
        return self._dest_keys.setdefault(key, len(self._dest_keys))

    def _group_positions(self, arr: _Arrays, family: int, iface: bool, group: str) -> list[int]:
        """Sorted positions, in one address-sorted array, of the source points carrying a group."""
        key = (family, iface, group)
        hit = self._members.get(key)
        if hit is None:
            pos = arr.pos
            hit = self._members[key] = sorted(
                i for i in (pos.get(p.idx) for p in self.by_group.get(group, ())) if i is not None
            )
        return hit

    def _runs(
        self, pd: _Point, arr: _Arrays, family: int, iface: bool
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]], list[tuple[int, list[int]]]]:
        """For one destination: the runs of source positions that may reach it (first, end, mask of
        the matched CIDR peers), every piece of [0, n) with its mask (runs and the gaps between them),
        and the positions carrying referenced groups with their bits. A position in no run and no
        group reaches nothing."""
        d = pd.cls
        n = len(arr.points)
        if not (d.kind in _PRIVATE_KINDS and d.sg_filtered):
            whole = [(0, n, 0)] if n else []
            return whole, whole, []
        # The runs depend on the destination's ingress profile only (read-only for callers).
        rkey = (d.pid, family, iface)
        hit = self._runs_of.get(rkey)
        if hit is None:
            hit = self._runs_of[rkey] = self._profile_runs(d.pid, arr, family, iface)
        return hit

    def _profile_runs(
        self, pid: int, arr: _Arrays, family: int, iface: bool
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]], list[tuple[int, list[int]]]]:
        n = len(arr.points)
        prof = self.m.profile_list[pid]
        events: list[tuple[int, int]] = []
        bit = 1
        for fam, lo, hi, _ in prof.cidrs:
            if fam == family:
                a, b = bisect.bisect_left(arr.starts, lo), bisect.bisect_right(arr.starts, hi)
                if a < b:
                    events += ((a, bit), (b, bit))
            bit <<= 1
        groups: list[tuple[int, list[int]]] = []
        for g, _ in (*prof.refs, *prof.foreign):
            positions = self._group_positions(arr, family, iface, g)
            if positions:
                groups.append((bit, positions))
            bit <<= 1
        if len(groups) > 1:
            # A source in several referenced groups matches several rules: regroup by combined bits.
            combined: dict[int, int] = defaultdict(int)
            for b, positions in groups:
                for i in positions:
                    combined[i] |= b
            by_bits: dict[int, list[int]] = defaultdict(list)
            for i in sorted(combined):
                by_bits[combined[i]].append(i)
            groups = list(by_bits.items())
        everyone = prof.missing or bool(prof.pl_unknown)
        events.sort()
        pieces: list[tuple[int, int, int]] = []
        mask, last = 0, 0
        for at, flip in events:
            if at > last:
                pieces.append((last, at, mask))
            mask ^= flip
            last = at
        if last < n:
            pieces.append((last, n, 0))
        runs = [p for p in pieces if p[2] or everyone]
        return runs, pieces, groups

    def sources_for(self, pd: _Point, family: int, iface: bool) -> dict[int, int]:
        """Source class -> result id (zero for nothing) of the sources of one shape, for one family.

        For range pieces the key is the point index instead, since a range has many."""
        arr = self.arrays[(family, iface)]
        runs, pieces, groups = self._runs(pd, arr, family, iface)
        m = self.m
        lam, points = arr.lam, arr.points
        keys = arr.keys
        out: dict[int, int] = {}
        d = pd.cls
        # Everything but the ingress rules depends on the source's bucket and the destination's
        # location only (`_dest_key`): one table per location, bucket -> outer result, shared by
        # every destination there.
        dx = self._dest_key(pd, family)
        xrow = self._outer.get(dx)
        if xrow is None:
            xrow = self._outer[dx] = {}
        ingress_applies = d.sg_filtered and d.kind in _PRIVATE_KINDS
        conj = m.res.conj
        shared = self._done
        ingress = m.ingress

        def table_key(mask: int) -> tuple[int, ...]:
            # A source's result is its outer result (by bucket) joined with the ingress result of
            # ``mask`` on its kind of path (whether references apply, whether through a middlebox):
            # four ingress results per mask, and the table bucket -> result is shared by every
            # destination point with the same location and the same four.
            if not ingress_applies:
                return (dx,)
            p0 = points[0]
            return (
                dx,
                ingress(p0, pd, family, False, False, mask=mask),
                ingress(p0, pd, family, False, True, mask=mask),
                ingress(p0, pd, family, True, False, mask=mask),
                ingress(p0, pd, family, True, True, mask=mask),
            )

        def fill(
            positions: Iterable[int],
            buckets: list[int],
            chosen_keys: Iterable[int],
            key: tuple[int, ...],
            into: dict[int, int],
        ) -> None:
            dm = shared.get(key)
            if dm is None:
                dm = shared[key] = {}
            missing = set(buckets).difference(dm)
            if missing:
                firsts = dict(zip(buckets, positions, strict=True))  # bucket -> a position holding it
                for bucket in missing:
                    x = xrow.get(bucket)
                    if x is None:
                        x = xrow[bucket] = m.outer(points[firsts[bucket]], pd, family)
                    r = x[0]
                    if r and ingress_applies:
                        r = conj(r, key[1 + 2 * x[1] + x[2]])
                    dm[bucket] = r
            # The positions that reach something, in bulk (C loops).
            found = list(map(dm.__getitem__, buckets))
            if any(found):
                into.update(zip(itertools.compress(chosen_keys, found), filter(None, found), strict=True))

        # Many destinations share a CIDR peer's run and a table: a run's filling is kept once it
        # has been asked for twice (most are never asked for again).
        fills, seen = self._fills, self._seen
        for a, b, mask in runs:
            key = table_key(mask)
            rkey = (iface, a, b, key)
            part = fills.get(rkey)
            if part is not None:
                out.update(part)
            elif rkey in seen:
                part = fills[rkey] = {}
                fill(range(a, b), lam[a:b], keys[a:b], key, part)
                out.update(part)
            else:
                seen.add(rkey)
                fill(range(a, b), lam[a:b], keys[a:b], key, out)
        # Members of referenced groups match more rules than their run says: they are filled again,
        # after the runs (a result only grows with the rules matched, so nothing is lost).
        for bits, positions in groups:
            for a, b, mask in pieces:
                sub = positions[bisect.bisect_left(positions, a) : bisect.bisect_left(positions, b)]
                if sub:
                    buckets = list(map(lam.__getitem__, sub))
                    fill(sub, buckets, map(keys.__getitem__, sub), table_key(mask | bits), out)
        return out

    def class_results(self, cd: _Class) -> tuple[dict[int, int], dict[int, int]]:
        """For one destination class: (interface source class -> result id, when both are interfaces),
        (source class -> class-pair id of `_Pairs`, when either is a range)."""
        src_points = self.src.points
        pieces: dict[int, list[int]] = defaultdict(list)
        singles: dict[int, int] = {}
        if cd.interface:
            (pd,) = cd.points
            fams = sorted(pd.addr)
            singles = self.sources_for(pd, fams[0], True)
            if len(fams) == 2:
                best = self.m.res.best
                for cs, r in self.sources_for(pd, fams[1], True).items():
                    singles[cs] = best(singles.get(cs, R_NONE), r)
            for fam in fams:
                for pidx, r in self.sources_for(pd, fam, False).items():
                    if r:
                        pieces[src_points[pidx].cls.idx].append(r)
        else:
            for pd in cd.points:
                (fam,) = pd.addr
                for cs, r in self.sources_for(pd, fam, True).items():
                    if r:
                        pieces[cs].append(r)
                for pidx, r in self.sources_for(pd, fam, False).items():
                    if r:
                        pieces[src_points[pidx].cls.idx].append(r)
        cpr, pf4, pf6, src_iface = self.pairs.cpr, self._pf4, self._pf6, self._src_iface
        b4, b6 = cd.per_family.get(4, 0), cd.per_family.get(6, 0)
        both_iface = cd.interface
        # len(rs) == _pair_count(source class, cd), inlined: it runs once per class pair.
        multis = {
            cs: cpr(
                frozenset(rs),
                len(rs) == (1 if both_iface and src_iface[cs] else (pf4[cs] * b4 + pf6[cs] * b6) or 1),
            )
            for cs, rs in pieces.items()
        }
        return singles, multis


class _Aggregate(NamedTuple):
    every: Traffic
    some: Traffic
    unknown: Traffic


class _Pairs:
    """Class-pair results, interned: a set of result ids and whether every pair of the two classes
    has a non-empty result (only then can some traffic be reachable for every pair)."""

    def __init__(self, m: _Matrix) -> None:
        self.m = m
        self.items: list[tuple[frozenset[int], bool]] = []
        self._ids: dict[tuple[frozenset[int], bool], int] = {}
        self._single: dict[int, int] = {}
        self._agg: dict[tuple[frozenset[int], bool], _Aggregate] = {}
        self._agg_one: dict[int, _Aggregate] = {}
        self._agg_rid: dict[int, _Aggregate] = {}
        self._agg_simple: dict[tuple[int, bool], _Aggregate] = {}

    def cpr(self, rids: frozenset[int], complete: bool) -> int:
        key = (rids, complete)
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = len(self.items)
            self.items.append(key)
        return i

    def single(self, rid: int) -> int:
        i = self._single.get(rid)
        if i is None:
            i = self._single[rid] = self.cpr(frozenset((rid,)), True)
        return i

    def aggregate(self, rids: frozenset[int], complete: bool) -> _Aggregate:
        """Every pair / some pair / unknown traffic of an endpoint pair from its results."""
        hit = self._agg.get((rids, complete))
        if hit is None:
            tvs = [self.m.res.tv[r] for r in rids]
            some = Traffic.union(a for a, _ in tvs)
            every = _NONE
            if complete:
                every = tvs[0][0]
                for a, _ in tvs[1:]:
                    every = every & a
            hit = self._agg[(rids, complete)] = _Aggregate(
                every, some, Traffic.union(u for _, u in tvs) - some
            )
        return hit

    def of_rid(self, rid: int) -> _Aggregate:
        """The traffic of an endpoint pair whose one pair has this result."""
        hit = self._agg_rid.get(rid)
        if hit is None:
            tv = self.m.res.tv[rid]
            hit = self._agg_rid[rid] = _Aggregate(tv[0], tv[0], tv[1])
        return hit

    def of_one(self, cpr: int) -> _Aggregate:
        hit = self._agg_one.get(cpr)
        if hit is None:
            hit = self._agg_one[cpr] = self.aggregate(*self.items[cpr])
        return hit

    def of_many(self, codes: list[int], expected: int) -> _Aggregate:
        """Aggregate coded results: ``rid * 2`` (one complete pair) or ``class-pair id * 2 + 1``."""
        distinct = set(codes)
        if len(distinct) == 1:
            (code,) = distinct
            if not code & 1:  # the common case: every class pair has the same single result
                key = (code >> 1, len(codes) == expected)
                hit = self._agg_simple.get(key)
                if hit is None:
                    hit = self._agg_simple[key] = self.aggregate(frozenset((key[0],)), key[1])
                return hit
        rids: set[int] = set()
        full = 0
        for code in codes:
            if code & 1:
                r, complete = self.items[code >> 1]
                rids |= r
                full += complete
            else:
                rids.add(code >> 1)
                full += 1
        return self.aggregate(frozenset(rids), full == expected)


def _compute(
    engine: Engine, srcs: list[Endpoint], dsts: list[Endpoint]
) -> list[list[tuple[int, _Aggregate]]]:
    """Per source endpoint: the destination indices of every pair with some flow (ascending), and
    the traffic of each."""
    m = _Matrix(engine)
    m.finish_segments(p for e in (*srcs, *dsts) for p in e.placements)
    src = _Side(m, "src", srcs)
    dst = _Side(m, "dst", dsts)
    pairs = _Pairs(m)
    join = _Join(m, src, pairs)

    # Source endpoint classes: those of one class (most) are looked up directly, the others accumulate.
    # Lists indexed by class, for speed: solo[c] = the endpoints whose only class is c.
    solo: list[list[int]] = [[] for _ in src.classes]
    # The others by number (a tuple key would be hashed anew at every lookup): multi_keys_of_class[c]
    # = the numbers of the multi-class endpoint classes with c; multi_members / multi_size by number.
    multi_keys_of_class: list[list[int]] = [[] for _ in src.classes]
    multi_members: list[list[int]] = []
    multi_size: list[int] = []
    for key, members in src.groups.items():
        if len(key) == 1:
            solo[key[0]] = members
        else:
            for c in key:
                multi_keys_of_class[c].append(len(multi_members))
            multi_members.append(members)
            multi_size.append(len(key))
    results: dict[int, tuple[dict[int, int], dict[int, int]]] = {}

    def results_for(cd: int) -> tuple[dict[int, int], dict[int, int]]:
        hit = results.get(cd)
        if hit is None:
            hit = results[cd] = join.class_results(dst.classes[cd])
        return hit

    # Endpoint pairs that share a placement are judged one by one at the end (a placement never
    # pairs with itself); an endpoint never pairs with itself at all.
    # Rows of (destination index, aggregate), one per source endpoint class: by class for the solo
    # ones (None for the other classes), by number for the others; copied per endpoint at the end.
    solo_rows: list[list[tuple[int, _Aggregate]] | None] = [[] if members else None for members in solo]
    multi_rows: list[list[tuple[int, _Aggregate]]] = [[] for _ in multi_members]
    of_rid, of_one, of_many = pairs.of_rid, pairs.of_one, pairs.of_many

    # Aggregates with no traffic at all are never emitted; `Traffic.__bool__` is not free, so the
    # verdict is cached: by result id (one interface pair), by class-pair id, and by coded results.
    live_rid: dict[int, _Aggregate | None] = {}
    live_cpr: dict[int, _Aggregate | None] = {}
    live_codes: dict[tuple[int, ...], _Aggregate | None] = {}

    def alive(agg: _Aggregate) -> _Aggregate | None:
        return agg if agg.some or agg.unknown else None

    def of_codes(key: tuple[int, ...]) -> _Aggregate | None:
        # ``key``: the codes then ``-expected`` (negative, so never mistaken for a code);
        # `of_many` does not depend on the order of the codes.
        hit = live_codes.get(key, _MISSING)
        if hit is _MISSING:
            hit = live_codes[key] = alive(of_many(list(key[:-1]), -key[-1]))
        return hit  # type: ignore[return-value]

    for dkey, d_members in dst.groups.items():
        # Accumulated results of multi-class source endpoint classes, coded: rid * 2 for a complete
        # single pair, class-pair id * 2 + 1 otherwise.
        acc: dict[int, list[int]] = defaultdict(list)
        # id of an aggregate -> (destination, that aggregate) per destination endpoint of this class.
        manys: dict[int, list[tuple[int, _Aggregate]]] = {}
        # Coded results (with ``-expected``) -> what to extend rows with, for this class.
        by_codes: dict[tuple[int, ...], list[tuple[int, _Aggregate]] | None] = {}

        # (Defaults bind this destination class's tables: the helpers are called only in this pass.)
        def many_of(
            agg: _Aggregate, manys: dict[int, list[tuple[int, _Aggregate]]] = manys, d: list[int] = d_members
        ) -> list[tuple[int, _Aggregate]]:
            hit = manys.get(id(agg))
            if hit is None:
                hit = manys[id(agg)] = [(j, agg) for j in d]
            return hit

        def many_of_codes(
            key: tuple[int, ...],
            by_codes: dict[tuple[int, ...], list[tuple[int, _Aggregate]] | None] = by_codes,
            many_of: Callable[[_Aggregate], list[tuple[int, _Aggregate]]] = many_of,
        ) -> list[tuple[int, _Aggregate]] | None:
            agg = of_codes(key)
            hit = by_codes[key] = None if agg is None else many_of(agg)
            return hit

        if len(dkey) == 1:
            (cd,) = dkey
            singles, multis = results_for(cd)
            # The common case: one interface class each side, one result per class pair, extended
            # in place (the list of aggregates is built once per result).
            by_rid: dict[int, list[tuple[int, _Aggregate]] | None] = {}
            for r in set(singles.values()):
                agg = live_rid[r] if r in live_rid else live_rid.setdefault(r, alive(of_rid(r)))
                by_rid[r] = None if agg is None else many_of(agg)
            for cs, r in singles.items():
                row = solo_rows[cs]
                if row is not None:
                    many = by_rid[r]
                    if many is not None:
                        row += many
                skeys = multi_keys_of_class[cs]
                if skeys and r:
                    code = r * 2
                    for skey in skeys:
                        acc[skey].append(code)
            for cs, cpr in multis.items():
                row = solo_rows[cs]
                if row is not None:
                    agg = live_cpr[cpr] if cpr in live_cpr else live_cpr.setdefault(cpr, alive(of_one(cpr)))
                    if agg is not None:
                        row += many_of(agg)
                for skey in multi_keys_of_class[cs]:
                    acc[skey].append(cpr * 2 + 1)
        else:
            # Solo source classes accumulate by class (no tuple keys), the others by endpoint class.
            acc1: dict[int, list[int]] = defaultdict(list)
            for cd in dkey:
                singles, multis = results_for(cd)
                for cs, r in singles.items():
                    if r:
                        if solo[cs]:
                            acc1[cs].append(r * 2)
                        for skey in multi_keys_of_class[cs]:
                            acc[skey].append(r * 2)
                for cs, cpr in multis.items():
                    if solo[cs]:
                        acc1[cs].append(cpr * 2 + 1)
                    for skey in multi_keys_of_class[cs]:
                        acc[skey].append(cpr * 2 + 1)
            expected = -len(dkey)
            for cs, codes in acc1.items():
                codes.append(expected)
                key = tuple(codes)
                many = by_codes[key] if key in by_codes else many_of_codes(key)
                row = solo_rows[cs]
                if many is not None and row is not None:  # (always a row: cs has solo endpoints)
                    row += many
        n_d = len(dkey)
        for skey, codes in acc.items():
            codes.append(-multi_size[skey] * n_d)
            key = tuple(codes)
            many = by_codes[key] if key in by_codes else many_of_codes(key)
            if many is not None:
                multi_rows[skey] += many

    shared = _shared_pairs(srcs, dsts)
    exact: dict[int, list[tuple[int, _Aggregate]]] = defaultdict(list)
    for i, shared_js in shared.items():
        for j in sorted(shared_js):
            combos = {
                (src.class_of[s.id], dst.class_of[d.id])
                for s in srcs[i].placements
                for d in dsts[j].placements
                if s.id != d.id
            }
            codes = []
            for cs, cd in combos:
                singles, multis = results_for(cd)
                rid = singles.get(cs)
                if rid:
                    codes.append(rid * 2)
                elif cs in multis:
                    codes.append(multis[cs] * 2 + 1)
            if codes:
                agg = of_many(codes, len(combos))
                if agg.some or agg.unknown:
                    exact[i].append((j, agg))
    # Each endpoint gets its class's row (a copy when the class has several endpoints).
    by_endpoint: list[list[tuple[int, _Aggregate]]] = [[] for _ in srcs]
    n_multi = 0
    for key, members in src.groups.items():
        if len(key) == 1:
            base = solo_rows[key[0]]
        else:
            base = multi_rows[n_multi]
            n_multi += 1
        assert base is not None  # every solo class has a row
        for i in members:
            by_endpoint[i] = base if len(members) == 1 else list(base)
    self_index = {e.selector: j for j, e in enumerate(dsts)}
    out = []
    for i, row in enumerate(by_endpoint):
        # Destinations were visited in nearly ascending order; a destination appears at most once
        # in a row, so the key never reaches the aggregates.
        row.sort(key=_FIRST)
        drop = set(shared.get(i, ()))
        me = self_index.get(srcs[i].selector)
        if me is not None:
            drop.add(me)
        # Drop by bisection, then insert the exact results of the endpoints that share a placement
        # at their places (the row stays sorted). ``(j,)`` sorts just before any ``(j, agg)``.
        for j in drop:
            k = bisect.bisect_left(row, (j,))
            if k < len(row) and row[k][0] == j:
                del row[k]
        for j, agg in exact.get(i, ()):
            row.insert(bisect.bisect_left(row, (j,)), (j, agg))
        out.append(row)
    return out


def _shared_pairs(srcs: list[Endpoint], dsts: list[Endpoint]) -> dict[int, set[int]]:
    """Source index -> destination indices of the other endpoints it shares a placement with."""
    by_placement: dict[str, list[int]] = defaultdict(list)
    for j, e in enumerate(dsts):
        for p in e.placements:
            by_placement[p.id].append(j)
    out: dict[int, set[int]] = defaultdict(set)
    for i, e in enumerate(srcs):
        for p in e.placements:
            out[i].update(j for j in by_placement.get(p.id, ()) if dsts[j].selector != e.selector)
    return {i: js for i, js in out.items() if js}


# ---- public entry points ----------------------------------------------------------------------------


class MatrixResult:
    """A computed matrix: the endpoint pairs with some flow and their traffic; rows and flows are
    produced on demand, in sorted order (source selector, destination selector, protocol, port)."""

    def __init__(
        self,
        sources: list[Endpoint],
        destinations: list[Endpoint],
        rows: list[list[tuple[int, _Aggregate]]],
    ) -> None:
        self.sources = sources
        self.destinations = destinations
        self._rows = rows
        self.pair_count = sum(map(len, rows))
        self._row_templates: dict[int, list[tuple[str, str, RowVerdict]]] = {}
        self._flow_templates: dict[int, list[tuple[str, str]]] = {}

    def _pairs(self) -> Iterator[tuple[str, str, _Aggregate]]:
        dsts = self.destinations
        for src, row in zip(self.sources, self._rows, strict=True):
            s = src.selector
            for j, agg in row:
                yield s, dsts[j].selector, agg

    def iter_pairs(self) -> Iterator[PairTraffic]:
        """Every endpoint pair with some flow: (every, some, unknown) traffic."""
        for s, d, agg in self._pairs():
            yield PairTraffic(s, d, agg.every, agg.some, agg.unknown)

    def iter_rows(self) -> Iterator[MatrixRow]:
        """The text/CSV rows: reachable, partial and unknown flows, each with its verdict."""
        return map(MatrixRow._make, self.iter_row_tuples())

    def iter_row_tuples(self) -> Iterator[tuple[str, str, str, str, RowVerdict]]:
        """`iter_rows` as plain tuples (source, destination, protocol, ports, verdict): what the
        writers need, without a named tuple per row."""
        # One loop, not a generator over `_pairs`: millions of rows pay for every level.
        templates = self._row_templates
        dsel = [d.selector for d in self.destinations]
        for src, row in zip(self.sources, self._rows, strict=True):
            s = src.selector
            for j, agg in row:
                t = templates.get(id(agg))
                if t is None:
                    t = templates[id(agg)] = row_entries(*agg)
                d = dsel[j]
                for pr, po, v in t:
                    yield s, d, pr, po, v

    def iter_flows(self) -> Iterator[tuple[str, str, str, str]]:
        """The DESIGN.md section 6 flows, as (source, destination, protocol, ports)."""
        templates = self._flow_templates
        dsel = [d.selector for d in self.destinations]
        for src, row in zip(self.sources, self._rows, strict=True):
            s = src.selector
            for j, agg in row:
                t = templates.get(id(agg))
                if t is None:
                    t = templates[id(agg)] = [
                        (e.protocol, e.ports) for e in sorted(agg.some.matrix_entries(), key=_entry_key)
                    ]
                d = dsel[j]
                for pr, po in t:
                    yield s, d, pr, po


def compute(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> MatrixResult:
    """The matrix between ``sources`` and ``destinations`` (``None``: every endpoint and the internet)."""
    srcs, dsts = select_endpoints(engine, sources, destinations, include_internet)
    # The computation allocates millions of small objects and frees none until the end: the cyclic
    # garbage collector would rescan the whole (large) heap over and over for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        rows = _compute(engine, srcs, dsts)
    finally:
        if enabled:
            gc.enable()
    return MatrixResult(srcs, dsts, rows)


def compute_pair_traffic(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[PairTraffic]:
    """For every ordered endpoint pair with some flow: (every, some, unknown) traffic, sorted."""
    return list(compute(engine, sources, destinations, include_internet).iter_pairs())


def compute_matrix_rows(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[MatrixRow]:
    """Every flow that some pair reaches or might reach, with its verdict, sorted."""
    return list(compute(engine, sources, destinations, include_internet).iter_rows())


def compute_matrix(
    engine: Engine,
    sources: Sequence[Endpoint] | None = None,
    destinations: Sequence[Endpoint] | None = None,
    include_internet: bool = True,
) -> list[Flow]:
    """Every allowed flow between endpoints (DESIGN.md section 6), sorted, ports merged.

    A flow is listed when at least one pair of the two endpoints reaches it (``reachable`` or
    ``partial``); `compute_matrix_rows` gives each row's verdict. ``None`` means every endpoint and,
    when ``include_internet``, the internet.
    """
    return [
        Flow(source=s, destination=d, protocol=p, ports=po)
        for s, d, p, po in compute(engine, sources, destinations, include_internet).iter_flows()
    ]
