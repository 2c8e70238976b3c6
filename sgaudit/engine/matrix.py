"""The reachability matrix: every allowed flow between endpoints, computed by equivalence classes.

``compute_matrix(engine, sources, destinations, include_internet)`` lists, for every ordered pair of
distinct endpoints, the traffic that at least one of its pairs reaches (DESIGN.md sections 4 and 6;
the semantics are `docs/semantics.md`): one `Flow` per protocol and merged port range, sorted by
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
   changes only at peer boundaries, so a destination *profile* has a cover, computed once: the
   positions it may admit, each with the index of the peers it matches. Within a cover the result
   depends only on a source's bucket (egress rule *content*, VPC, subnet, route/NACL segment, client
   kind) and that index: a source's result is its outer result (every layer but the destination's
   ingress rules, in two cached parts: the two locations, and the egress profile with what it sees
   of the destination) joined with the ingress result of its peers on its kind of path (references
   apply or not, middlebox or not). So one table bucket -> result per (destination location, the
   four ingress results of a mask) is shared by every destination with that key, filled lazily, and
   a destination's results are one NumPy gather from those tables over its cover. The layers are
   set-valued (`Traffic` allowed and unknown), every piece cached by exactly the keys it depends on,
   and results are interned as small ints so that their algebra runs once per distinct question.
3. The results are aggregated in arrays (NumPy), never pair by pair in Python: point pairs with a
   range into class pairs (the set of results as bits over the results that occur, and whether every
   pair of the two classes has one), class pairs into pairs of endpoint classes (endpoints whose
   placements fall in the same classes; sorted per class on small int32 keys), and those into
   endpoint pairs; endpoints that share a placement are judged pair by pair. The answer is kept as
   arrays (source * |destinations| + destination, aggregate) sorted by source and destination, and
   rows are produced from them on demand.
"""

from __future__ import annotations

import bisect
import functools
import gc
import ipaddress
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from sgaudit.engine.index import nacl_entry_traffic, rule_traffic
from sgaudit.engine.models import Endpoint, Flow, Placement, Tri
from sgaudit.inventory import Direction, Inventory, PeerKind
from sgaudit.model.ec2 import RouteTable
from sgaudit.netalgebra import ICMP_CODES, PORTS, IntervalSet, MatrixEntry, Traffic

if TYPE_CHECKING:
    from sgaudit.engine.core import Engine

RowVerdict = Literal["reachable", "partial", "unknown"]
_PRIVATE_KINDS = frozenset({"interface", "subnet-range"})
_EXTERNAL_KINDS = frozenset({"internet", "cidr"})
_MIDDLEBOX_PREFIXES = ("eni-", "i-", "vpce-")
_TOP = {4: 2**32 - 1, 6: 2**128 - 1}
_ALL = Traffic.ALL
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


_OCTETS = {str(n): n for n in range(256)}
"""The texts of an IPv4 octet that `ipaddress` accepts (ASCII decimal 0-255, no leading zero)."""
_PREFIXES4 = {str(n): n for n in range(33)}
_HOSTMASKS4 = tuple((1 << (32 - n)) - 1 for n in range(33))


@functools.lru_cache(maxsize=1 << 16)
def _span(cidr: str) -> tuple[int, int, int, int]:
    """(family, first, last, prefix length) of a CIDR, host bits cleared (``ipaddress``, strict=False).

    Plain IPv4 text (``a.b.c.d`` or ``a.b.c.d/n``) is decoded by table lookups, which accept exactly
    the octets and prefix lengths `ipaddress` would; everything else (IPv6, netmasks, leading zeros,
    errors) goes through `ipaddress`, which is slow: estates hold tens of thousands of blocks.
    """
    addr, slash, plen_text = cidr.partition("/")
    octets = addr.split(".")
    if len(octets) == 4:
        get = _OCTETS.get
        a, b, c, d = get(octets[0]), get(octets[1]), get(octets[2]), get(octets[3])
        plen = _PREFIXES4.get(plen_text) if slash else 32
        if a is not None and b is not None and c is not None and d is not None and plen is not None:
            host = _HOSTMASKS4[plen]
            lo = ((a << 24) | (b << 16) | (c << 8) | d) & ~host
            return 4, lo, lo | host, plen
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


_RULE_FIELDS = operator.attrgetter("direction", "protocol", "from_port", "to_port", "peer")
_PEER_FIELDS = operator.attrgetter("kind", "value")
_CIDR_KINDS = frozenset((PeerKind.CIDR4, PeerKind.CIDR6))


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


_CidrEntry = tuple[int, int, int, Traffic]
_CidrKey = int
"""A CIDR entry's (family, first, last, rank of its traffic) as one int: `_cidr_entry_key` order."""


class _GroupExtras(NamedTuple):
    """One direction of one group's rules that are not CIDR entries, by content."""

    pl_unknown: list[Traffic]  # rules naming a prefix list whose entries are unknown
    refs: dict[str, list[Traffic]]  # known referenced groups
    foreign: dict[str, list[Traffic]]  # referenced groups of accounts the snapshot lacks


def _union(parts: list[Traffic]) -> Traffic:
    """`Traffic.union`, without rebuilding an equal value for none or one part."""
    if not parts:
        return _NONE
    return parts[0] if len(parts) == 1 else Traffic.union(parts)


def _by_group(parts: dict[str, list[Traffic]]) -> tuple[tuple[str, Traffic], ...]:
    if not parts:
        return ()
    return tuple((g, _union(ts)) for g, ts in sorted(parts.items(), key=_FIRST))


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

    @classmethod
    def merged(cls, base: list[int], extra: Iterable[int]) -> _Segments:
        """The segments of ``base`` (sorted, distinct, holding 0) and ``extra`` (not in ``base``):
        one merge of two sorted runs, where sorting tens of thousands of bounds anew is slow."""
        out = cls.__new__(cls)
        out.bounds = base + sorted(extra)
        out.bounds.sort()
        return out

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
        self.profile_list: list[_Profile] = []
        self._profile_of: dict[tuple[tuple[str, ...], Direction], int] = {}
        self._profile_ids: dict[tuple[object, ...], int] = {}  # profile content -> id, see `profile`
        self._cache: dict[tuple[object, ...], object] = {}
        self._quads: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self._entry_rids: dict[int, tuple[int, list[int], list[int], list[int], list[int]]] = {}
        self._allowing: dict[int, int] = {}  # id of a traffic -> the result allowing it
        self._unknown: dict[int, int] = {}  # id of a traffic -> the result leaving it unknown
        self._peered: dict[tuple[str | None, str | None], bool] = {}
        # By direction, each group's rules by content (`profile` unions those of a group set): the
        # CIDR entries of direction d of the i-th group are `_cidr_parts[2 * i + (d is EGRESS)]`, the
        # other rules `_extra_parts` at the same index.
        self._group_index: dict[str, int] = {}
        self._cidr_parts: list[dict[_CidrKey, _CidrEntry]] = []
        self._cidr_orders: list[tuple[_CidrKey, ...]] = []
        self._extra_parts: dict[int, _GroupExtras] = {}
        self._bounds: dict[str, dict[int, set[int]]] = {r: {4: set(), 6: set()} for r in _ROLES}
        self._peer_bounds: dict[tuple[str, int], list[int]] = {}  # ("in"/"out", family): sorted, with 0
        self._collect_bounds(*self._compile_groups())
        self.segs: dict[str, dict[int, _Segments]] = {}
        self._placements = _Placements()  # what `_Side` needs of each placement
        # The last side's endpoints, their ids, and what `_Side._rows` made of them.
        self._side_rows: tuple[list[Endpoint], list[int], list[int], list[str], list[int]] | None = None
        self._seg_bounds: tuple[list[int], ...] = ()  # in, out, net of IPv4, then of IPv6

    # -- segments -----------------------------------------------------------------------------

    def _pl_cidrs(self, pl_id: str) -> tuple[str, ...] | None:
        pl = self.inv.prefix_lists.get(pl_id)
        return None if pl is None else pl.entry_cidrs

    def _add(self, roles: tuple[str, ...], fam: int, lo: int, hi: int) -> None:
        for r in roles:
            self._bounds[r][fam].add(lo)
            if hi < _TOP[fam]:
                self._bounds[r][fam].add(hi + 1)

    def _compile_groups(self) -> tuple[set[tuple[int, int, int]], set[tuple[int, int, int]]]:
        """Fill `_group_index`, `_cidr_parts` and `_extra_parts`; return the (family, first, last) of
        every ingress and every egress CIDR peer (prefix lists expanded).

        Estates have tens of thousands of rules, so this runs column-wise: each field of every rule
        is read in one C loop (`map`), and each distinct CIDR text is decoded once."""
        sgs = self.inv.security_groups
        rule_lists = [g.rules for g in sgs.values()]
        flat = [r for rules in rule_lists for r in rules]
        if not flat:
            self._group_index = {gid: i for i, gid in enumerate(sgs)}
            self._cidr_parts = [{} for _ in range(2 * len(sgs))]
            self._cidr_orders = [()] * (2 * len(sgs))
            return set(), set()
        # One C loop per object kind (reading tens of thousands of scattered objects is the cost).
        directions, protocols, from_ports, to_ports, peers = zip(*map(_RULE_FIELDS, flat), strict=True)
        kinds, values = zip(*map(_PEER_FIELDS, peers), strict=True)
        traffics = list(map(rule_traffic, protocols, from_ports, to_ports))
        self._group_index = {gid: i for i, gid in enumerate(sgs)}
        parts = list(
            map(
                operator.add,
                [2 * i for i, rules in enumerate(rule_lists) for _ in rules],
                map(Direction.EGRESS.__eq__, directions),
            )
        )
        is_cidr = list(map(_CIDR_KINDS.__contains__, kinds))
        # (part, CIDR text, traffic) of every CIDR entry: CIDR peers, then prefix-list entries.
        e_parts = [p for p, c in zip(parts, is_cidr, strict=True) if c]
        e_texts = [v for v, c in zip(values, is_cidr, strict=True) if c]
        e_traffics = [t for t, c in zip(traffics, is_cidr, strict=True) if c]
        lists: dict[str, tuple[str, ...] | None] = {}
        for i in [i for i, c in enumerate(is_cidr) if not c]:
            part, traffic, value = parts[i], traffics[i], values[i]
            if kinds[i] is PeerKind.PREFIX_LIST:
                if value not in lists:
                    lists[value] = self._pl_cidrs(value)  # a property that builds a tuple
                cidrs = lists[value]
                if cidrs is None:
                    self._extras(part).pl_unknown.append(traffic)
                else:
                    e_parts += [part] * len(cidrs)
                    e_texts += cidrs
                    e_traffics += [traffic] * len(cidrs)
            elif value in sgs:
                self._extras(part).refs.setdefault(value, []).append(traffic)
            elif not (peers[i].user_id is None or peers[i].user_id in self.accounts):
                self._extras(part).foreign.setdefault(value, []).append(traffic)
            # else: a stale reference, which matches nothing
        # The traffic's place in `_cidr_entry_key` order, per traffic object (rules share a few).
        by_id = dict(zip(map(id, e_traffics), e_traffics, strict=True))
        ordered = sorted(set(by_id.values()), key=lambda t: _cidr_entry_key((0, 0, 0, t))[3:])
        rank_of = {t: r for r, t in enumerate(ordered)}
        ranks = {i: rank_of[t] for i, t in by_id.items()}
        shift = len(ordered).bit_length()
        # Each distinct text decoded once; an entry's key is one int in `_cidr_entry_key` order.
        span_of: dict[str, tuple[int, int, int]] = {}
        key_of: dict[str, int] = {}
        decode = _span.__wrapped__  # a text is decoded once here: no use keeping it in the cache
        for c in dict.fromkeys(e_texts):
            fam, lo, hi, _ = decode(c)
            span_of[c] = (fam, lo, hi)
            key_of[c] = ((((fam << 128) | lo) << 128) | hi) << shift
        spans = list(map(span_of.__getitem__, e_texts))
        rank_bits = map(ranks.__getitem__, map(id, e_traffics))
        keys = map(operator.or_, map(key_of.__getitem__, e_texts), rank_bits)
        entries = map(tuple.__add__, spans, zip(e_traffics, strict=True))
        cidr_parts: list[dict[_CidrKey, _CidrEntry]] = [{} for _ in range(2 * len(rule_lists))]
        for part, key, entry in zip(e_parts, keys, entries, strict=True):
            cidr_parts[part][key] = entry
        self._cidr_parts = cidr_parts
        self._cidr_orders = list(map(tuple, map(sorted, cidr_parts)))  # each part's keys, in order
        ingress = {s for s, p in zip(spans, e_parts, strict=True) if not p & 1}
        egress = {s for s, p in zip(spans, e_parts, strict=True) if p & 1}
        return ingress, egress

    def _extras(self, part: int) -> _GroupExtras:
        extras = self._extra_parts.get(part)
        if extras is None:
            extras = self._extra_parts[part] = _GroupExtras([], {}, {})
        return extras

    def _collect_bounds(self, ingress: set[tuple[int, int, int]], egress: set[tuple[int, int, int]]) -> None:
        """Where a layer's decision can change: ingress peers matter for source addresses, egress
        peers for destination addresses, routes and NACL entries for both."""
        for spans, peers, side in ((ingress, "in", "src"), (egress, "out", "dst")):
            for fam in (4, 6):
                top = _TOP[fam]
                of_fam = [s for s in spans if s[0] == fam]
                cuts = [s[1] for s in of_fam]
                cuts += [s[2] + 1 for s in of_fam if s[2] < top]
                self._bounds[peers][fam].update(cuts)
                self._bounds[side][fam].update(cuts)
                cuts.append(0)
                # Tens of thousands of them: NumPy sorts (fast) what fits in 64 bits.
                bounds = np.unique(np.array(cuts, dtype=np.int64)).tolist() if fam == 4 else sorted(set(cuts))
                self._peer_bounds[(peers, fam)] = bounds
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
        """Ranges are cut at their own ends too (an interface is a point, never a cut). What `_Side`
        needs of each placement is derived here too, once for both sides (`_Placements`)."""
        table = self._placements
        table.read(list(placements))
        for i in table.ranges:
            p = table.placements[i]
            for fam in (4, 6):
                for lo, hi in p.addresses(fam).points.intervals:
                    self._add(("src", "dst"), fam, lo, hi)
        b = self._bounds
        segs: dict[str, dict[int, _Segments]] = {}
        for r in _ROLES:
            if r == "net":
                segs[r] = {f: _Segments(b[r][f]) for f in (4, 6)}
            else:
                # A side's bounds are its peers' (tens of thousands, sorted already) and a few more.
                peers = "in" if r in ("in", "src") else "out"
                segs[r] = {
                    f: _Segments.merged(self._peer_bounds[(peers, f)], b[r][f] - b[peers][f] - {0})
                    for f in (4, 6)
                }
        self.segs = segs
        self._seg_bounds = tuple(segs[r][f].bounds for f in (4, 6) for r in ("in", "out", "net"))
        table.locate(self, 0)  # every row: the segments may have changed

    def seg_ids(self, role: str, family: int, address: int) -> tuple[int, int]:
        """(peer segment, route/NACL segment) of an address in a role."""
        peer = self.segs["in" if role == "src" else "out"][family].index(address)
        return peer, self.segs["net"][family].index(address)

    # -- profiles -----------------------------------------------------------------------------

    def profile(self, groups: tuple[str, ...], direction: Direction) -> int:
        """The id of the profile of one direction of a group set (the union of its groups' parts)."""
        key = (groups, direction)
        pid = self._profile_of.get(key)
        if pid is not None:
            return pid
        missing = False
        parts: list[int] = []
        egress = direction is Direction.EGRESS
        for gid in groups:
            i = self._group_index.get(gid)
            if i is None:
                missing = True
            else:
                parts.append(2 * i + egress)
        cidrs: dict[_CidrKey, _CidrEntry]
        if len(parts) == 1:
            cidrs = self._cidr_parts[parts[0]]
            order = self._cidr_orders[parts[0]]
        else:
            cidrs = {}
            for part in parts:
                cidrs.update(self._cidr_parts[part])
            order = tuple(sorted(cidrs))
        pl = _NONE
        known: tuple[tuple[str, Traffic], ...] = ()
        other: tuple[tuple[str, Traffic], ...] = ()
        extras = list(filter(None, map(self._extra_parts.get, parts)))
        if extras:
            pl_unknown: list[Traffic] = []
            refs: dict[str, list[Traffic]] = {}
            foreign: dict[str, list[Traffic]] = {}
            for e in extras:
                pl_unknown += e.pl_unknown
                for g, ts in e.refs.items():
                    refs.setdefault(g, []).extend(ts)
                for g, ts in e.foreign.items():
                    foreign.setdefault(g, []).extend(ts)
            pl, known, other = _union(pl_unknown), _by_group(refs), _by_group(foreign)
        # Equal content, equal profile: keyed by plain tuples, which hash and compare fast, before
        # a `_Profile` is built (many group sets share one).
        content = (direction, missing, order, pl, known, other)
        pid = self._profile_ids.get(content)
        if pid is None:
            prof = _Profile(direction, tuple([cidrs[k] for k in order]), pl, known, other, missing)
            pid = self._profile_ids[content] = len(self.profile_list)
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
                    out.append((lo, hi, e.rule_action == "allow", nacl_entry_traffic(acl_id, e)))
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

    def ingress_quad(self, pid: int, mask: int) -> tuple[int, int, int, int]:
        """The ingress result of a profile for a source matching the peers of ``mask`` (bits in the
        order of `_Join._profile_runs`), on the four kinds of path: (references apply?, through a
        middlebox?) = (no, no), (no, yes), (yes, no), (yes, yes).

        The union of the matched rules is folded from one result per rule with `_Results.best`
        (a union of allowed and of unknown traffic, so the fold is exact), each step cached."""
        key = (pid, mask)
        hit = self._quads.get(key)
        if hit is not None:
            return hit
        parts = self._entry_rids.get(pid)
        if parts is None:
            parts = self._entry_rids[pid] = self._profile_entry_rids(pid)
        base, cidrs, refs_allow, refs_unknown, foreign = parts
        best = self.res.best
        n_c, n_r = len(cidrs), len(refs_allow)
        low = base
        bits = mask & ((1 << n_c) - 1)
        while bits:
            b = bits & -bits
            low = best(low, cidrs[b.bit_length() - 1])
            bits ^= b
        direct = through = R_NONE
        bits = (mask >> n_c) & ((1 << n_r) - 1)
        while bits:
            b = bits & -bits
            i = b.bit_length() - 1
            direct = best(direct, refs_allow[i])
            through = best(through, refs_unknown[i])
            bits ^= b
        bits = mask >> (n_c + n_r)
        while bits:
            b = bits & -bits
            f = foreign[b.bit_length() - 1]
            direct = best(direct, f)
            through = best(through, f)
            bits ^= b
        hit = self._quads[key] = (low, low, best(low, direct), best(low, through))
        return hit

    def _profile_entry_rids(self, pid: int) -> tuple[int, list[int], list[int], list[int], list[int]]:
        """One result per rule of a profile: (what is unknown whatever the source, each CIDR entry,
        each referenced group allowing, the same not preserved through a middlebox, each foreign
        group)."""
        prof = self.profile_list[pid]
        allowing, unknown = self._allowing, self._unknown
        rid = self.res.rid

        # By identity: rules share their traffic values (and profiles keep them alive meanwhile).
        def allow(t: Traffic) -> int:
            r = allowing.get(id(t))
            if r is None:
                r = allowing[id(t)] = rid(t, _NONE)
            return r

        def maybe(t: Traffic) -> int:
            r = unknown.get(id(t))
            if r is None:
                r = unknown[id(t)] = rid(_NONE, t)
            return r

        return (
            maybe(_ALL if prof.missing else prof.pl_unknown),
            [allow(t) for *_, t in prof.cidrs],
            [allow(t) for _, t in prof.refs],
            [maybe(t) for _, t in prof.refs],
            [maybe(t) for _, t in prof.foreign],
        )

    def ingress(self, ps: _Point, pd: _Point, family: int, refs_apply: bool, middlebox: bool) -> int:
        """The destination's ingress layer for one source point. ``refs_apply``: group references can
        match on this path (a private source on a private path: what `sg_side` checks with these).
        The join asks `ingress_quad` instead, by the peers a source matches."""
        return self._rules_of(pd, ps, family, refs_apply, middlebox)

    def evaluate(self, ps: _Point, pd: _Point, family: int) -> int:
        """What ``ps`` reaches of ``pd`` in one family (a result id), point by point: the reference the
        join is tested against."""
        x, refs_apply, middlebox = self.outer(ps, pd, family)
        d = pd.cls
        if not x or not d.sg_filtered or d.kind in _EXTERNAL_KINDS:
            return x
        return self.res.conj(x, self.ingress(ps, pd, family, refs_apply, middlebox))

    def outer(self, ps: _Point, pd: _Point, family: int) -> tuple[int, bool, bool]:
        """Every layer but the destination's ingress rules: (result id, whether group references
        can match on this path, whether it crosses a middlebox). A load balancer then accepts
        only its listeners."""
        rest, refs_apply, middlebox, egress = self.outer_parts(ps, pd, family)
        if egress is not None and rest:
            rest = self.res.conj(rest, self.egress(ps, pd, family, egress))
        return rest, refs_apply, middlebox

    def egress(self, ps: _Point, pd: _Point, family: int, flags: tuple[bool, bool]) -> int:
        """The source's egress rules towards ``pd``; ``flags``: (references can match, through a
        middlebox), as `outer_parts` gives them."""
        return self._rules_of(ps, pd, family, *flags)

    def _rules_of(self, owner: _Point, other: _Point, family: int, private: bool, middlebox: bool) -> int:
        """The rules of ``owner``'s groups in its class's direction, towards or from ``other``."""
        return self.sg_side(
            owner.cls.pid,
            family,
            other.seg[family][0],
            other.addr[family],
            other.cls,
            private=private,
            middlebox=middlebox,
        )

    def outer_parts(
        self, ps: _Point, pd: _Point, family: int
    ) -> tuple[int, bool, bool, tuple[bool, bool] | None]:
        """`outer` in two parts that depend on less: every layer but the source's egress rules
        (routes, NACLs, gateways, listeners: a function of the two locations), and how the egress
        rules are to be asked (`egress`; None when they do not apply). ``outer`` is their
        conjunction, a conjunction being commutative and associative."""
        s, d = ps.cls, pd.cls
        s_ext, d_ext = s.kind in _EXTERNAL_KINDS, d.kind in _EXTERNAL_KINDS
        egress = None
        if s_ext and d_ext:
            return R_NONE, False, False, None  # no AWS network between two outside addresses
        if s_ext:
            r, refs_apply, middlebox = self._from_outside(ps, pd, family), False, False
        elif d_ext:
            r, refs_apply, middlebox = self._to_outside(ps, pd, family), False, False
            if s.sg_filtered:
                egress = (False, False)
        else:
            route, middlebox = self.private_route(ps, pd, family)
            # References can match inside a VPC, across a peering, and (undecidably) across a transit
            # gateway.
            private = self.private(s, d) or middlebox
            if route is Tri.DENY:
                return R_NONE, False, False, None
            r = self.res.of_tri(route)
            if s.subnet != d.subnet and r:
                r = self.res.conj(r, self.nacl_private(ps, pd, family))
            refs_apply = s.kind in _PRIVATE_KINDS and private
            if s.sg_filtered:
                egress = (private, middlebox)
        accepts = d.accepts
        if r and accepts != R_ALL:
            r = self.res.conj(r, accepts)
        return r, refs_apply, middlebox, egress

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
        """A placement to the internet (or an outside CIDR), but for its egress rules."""
        s = ps.cls
        b, nd = pd.addr[family], pd.seg[family][1]
        c = self.res.conj
        r = R_ALL
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


_Base = tuple[str, str | None, str | None, str | None, tuple[str, ...], bool, bool]
"""kind, VPC, subnet, region, group set, public address, filtered by groups: what a placement's
classes depend on whatever the role (besides client kind or listeners, and addresses)."""


class _GroupSets(dict[tuple[str, ...], tuple[str, ...]]):
    """Group ids -> the group set (sorted, distinct), computed once per distinct tuple."""

    def __missing__(self, gids: tuple[str, ...]) -> tuple[str, ...]:
        groups = self[gids] = tuple(sorted(set(gids)))
        return groups


class _Numbering(dict[object, int]):
    """Values -> small ints, in order of first sight."""

    def __missing__(self, key: object) -> int:
        n = self[key] = len(self)
        return n


_PLACEMENT_FIELDS = operator.attrgetter(
    "id",
    "kind",
    "vpc_id",
    "subnet_id",
    "region",
    "group_ids",
    "public_ips",
    "public",
    "sg_filtered",
    "client_kind",
    "listeners",
    "addresses4.points.intervals",
    "addresses6.points.intervals",
)


class _Placements:
    """What `_Side` needs of placements, a column per field and a row per placement, for both
    sides: tens of thousands of placements, so their fields are read once, in C loops (`map`,
    `zip`), and their class keys are numbers that NumPy sorts. ``rows`` maps id() to the row (the
    table holds the placements, so no other live object has their ids)."""

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}
        self.placements: list[Placement] = []
        self.ids: list[str] = []
        self.bases: list[_Base] = []
        self.client_kinds: list[str] = []
        self.listeners: list[object] = []  # `Listeners` or None
        self.a4: list[int | None] = []  # an interface's first address of each family (None: none)
        self.a6: list[int | None] = []
        self.ranges: list[int] = []  # the rows of the placements that are not interfaces
        # Per row: ingress peer, egress peer and route/NACL segment of a4, then of a6 (-1: none).
        self.segs: list[list[int]] = [[], [], [], [], [], []]
        self.located = 0  # rows below have their segments
        self._group_sets = _GroupSets()
        self._bases = _Numbering()
        self._kinds = _Numbering()  # client kinds and listeners
        self._addresses = _Numbering()  # a range's addresses
        self._columns: dict[str, list[npt.NDArray[np.int64]]] = {}

    def read(self, placements: list[Placement]) -> None:
        """Add rows for the placements not in the table (their segments come with `locate`)."""
        rows = self.rows
        new = list(dict(zip(map(id, placements), placements, strict=True)).values())
        if rows:
            new = [p for p in new if id(p) not in rows]
        if new:
            start = len(self.ids)
            columns = list(zip(*map(_PLACEMENT_FIELDS, new), strict=True))
            ids, kinds, vpcs, subnets, regions, gids, public_ips, public, sg_filtered = columns[:9]
            groups = map(self._group_sets.__getitem__, gids)
            publics = map(operator.or_, map(bool, public_ips), public)
            rows.update(zip(map(id, new), range(start, start + len(new)), strict=True))
            self.placements += new
            self.ids += ids
            self.bases += zip(kinds, vpcs, subnets, regions, groups, publics, sg_filtered, strict=True)
            self.client_kinds += columns[9]
            self.listeners += columns[10]
            self.a4 += [iv[0][0] if iv else None for iv in columns[11]]
            self.a6 += [iv[0][0] if iv else None for iv in columns[12]]
            for i, kind in enumerate(kinds, start):
                if kind != "interface":
                    self.ranges.append(i)
                    self.a4[i] = self.a6[i] = None
            self._columns.clear()

    def locate(self, m: _Matrix, start: int | None = None) -> None:
        """The segments of the rows from ``start`` on (default: those added since the last call),
        in `_Matrix.segs`, which must be final."""
        if start is None:
            start = self.located
        for column in self.segs:
            del column[start:]
        for fam, firsts in ((4, self.a4[start:]), (6, self.a6[start:])):
            out = self.segs[3 * (fam == 6) : 3 * (fam == 6) + 3]
            bounds = m._seg_bounds[3 * (fam == 6) : 3 * (fam == 6) + 3]  # in, out, net
            if fam == 4:  # a vectorised bisect (IPv6 addresses do not fit NumPy's integers)
                present = np.array([a is not None for a in firsts], dtype=bool)
                values = np.array([0 if a is None else a for a in firsts], dtype=np.int64)
                for column, b in zip(out, bounds, strict=True):
                    seg = np.searchsorted(np.array(b, dtype=np.int64), values, side="right") - 1
                    column.extend(np.where(present, seg, -1).tolist())
            else:
                for column, b in zip(out, bounds, strict=True):
                    column.extend([-1 if a is None else bisect.bisect_right(b, a) - 1 for a in firsts])
        self.located = len(self.ids)
        self._columns.clear()

    def key_columns(self, role: str) -> list[npt.NDArray[np.int64]]:
        """Every row's class key in a role, as numbers: placements with equal keys fall in one class.

        The key: the `_Base` (its number), the client kind of a source (only its ephemeral range
        matters) or the listeners of a destination, and the peer and route/NACL segments of an
        interface's addresses or the addresses of a range (the base tells the two apart)."""
        hit = self._columns.get(role)
        if hit is None:
            src = role == "src"
            kinds = map(self._kinds.__getitem__, self.client_kinds if src else self.listeners)
            first = np.array(self.segs[0 if src else 1], dtype=np.int64)
            for i in self.ranges:
                first[i] = self._addresses[(self.placements[i].addresses4, self.placements[i].addresses6)]
            bases = self._columns.get("bases")
            if bases is None:
                bases = self._columns["bases"] = [
                    np.array(list(map(self._bases.__getitem__, self.bases)), dtype=np.int64)
                ]
            hit = self._columns[role] = [
                bases[0],
                np.array(list(kinds), dtype=np.int64),
                first,
                np.array(self.segs[2], dtype=np.int64),
                np.array(self.segs[3 if src else 4], dtype=np.int64),
                np.array(self.segs[5], dtype=np.int64),
            ]
        return hit


def _first_seen(columns: list[npt.NDArray[np.int64]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Number the distinct rows of ``columns`` in order of first sight: (the number of each row,
    the first row of each number)."""
    n = len(columns[0])
    order = np.lexsort(columns[::-1])  # stable: equal rows keep their order
    ordered = np.stack(columns, axis=1)[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    firsts = order[starts]  # the first row of each distinct key, in key order
    by_sight = np.argsort(firsts, kind="stable")
    number = np.empty(len(firsts), dtype=np.int64)
    number[by_sight] = np.arange(len(firsts))
    of_row = np.empty(n, dtype=np.int64)
    of_row[order] = number[np.cumsum(starts) - 1]
    return of_row, firsts[by_sight]


_ENDPOINT_PLACEMENTS = operator.attrgetter("placements")
_CLASS_POINTS = operator.attrgetter("points")


class _Side:
    """The placements of one side (sources or destinations) grouped into classes, and the endpoints
    of that side grouped into endpoint classes (endpoints whose placements fall in the same classes)."""

    def __init__(self, m: _Matrix, role: str, endpoints: list[Endpoint]) -> None:
        self.m = m
        self.role = role
        self.endpoints = endpoints
        self.classes: list[_Class] = []
        self.points: list[_Point] = []
        self.class_of: dict[str, int] = {}
        self.groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        self._direction = Direction.EGRESS if role == "src" else Direction.INGRESS
        # Tens of thousands of placements: per placement everything runs in C loops over columns
        # (`map`, `zip`, dicts, NumPy); Python code runs per class and per endpoint.
        table = m._placements
        counts, ids, unique = self._rows(endpoints)
        if unique:
            at = np.array(unique, dtype=np.int64)
            number, firsts = _first_seen([column[at] for column in table.key_columns(role)])
            first_rows = at[firsts].tolist()
            self._new_classes(first_rows)
            self.class_of = dict(zip(map(table.ids.__getitem__, unique), number.tolist(), strict=True))
        of_placement = list(map(self.class_of.__getitem__, ids))
        groups = self.groups
        start = 0
        for i, n in enumerate(counts):
            if n == 1:
                groups[(of_placement[start],)].append(i)
            elif n:
                groups[tuple(sorted(set(of_placement[start : start + n])))].append(i)
            start += n

    def _rows(self, endpoints: list[Endpoint]) -> tuple[list[int], list[str], list[int]]:
        """How many placements each endpoint has, their ids in order, and the table rows of the
        first placement of each id (a placement id seen before keeps its first class, whatever
        its key). The other side reuses them when it has the same endpoints (as it has, mostly)."""
        m = self.m
        endpoint_ids = list(map(id, endpoints))
        known = m._side_rows
        if known is not None and known[1] == endpoint_ids:
            return known[2:]
        lists = list(map(_ENDPOINT_PLACEMENTS, endpoints))
        counts = list(map(len, lists))
        placements = [p for ps in lists for p in ps]
        table = m._placements
        rows: list[int] = list(map(table.rows.get, map(id, placements)))  # type: ignore[arg-type]
        if None in rows:  # placements `finish_segments` did not see
            table.read(placements)
            table.locate(m)
            rows = list(map(table.rows.__getitem__, map(id, placements)))
        ids = list(map(table.ids.__getitem__, rows))
        first_at = dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True))
        unique = rows if len(first_at) == len(ids) else list(map(rows.__getitem__, sorted(first_at.values())))
        m._side_rows = (endpoints, endpoint_ids, counts, ids, unique)
        return counts, ids, unique

    def _new_classes(self, rows: list[int]) -> None:
        """The classes whose first placements are these table rows, in order, with their points."""
        table = self.m._placements
        bases = map(table.bases.__getitem__, rows)
        kinds, vpcs, subnets, regions, groups, public, sg_filtered = zip(*bases, strict=True)
        interface = list(map("interface".__eq__, kinds))
        classes = self.classes = list(
            map(
                _Class,
                range(len(rows)),
                kinds,
                vpcs,
                subnets,
                regions,
                groups,
                public,
                map(table.client_kinds.__getitem__, rows),
                sg_filtered,
                interface,
            )
        )
        m = self.m
        if self.role == "dst":
            for c, row in zip(classes, rows, strict=True):
                if table.listeners[row] is not None:
                    listeners = table.placements[row].listeners
                    assert listeners is not None
                    c.accepts = m.res.rid(listeners.traffic, _NONE)
        # Profiles in order of first use (their ids are in that order), once per group set.
        filtered = [c for c in classes if c.sg_filtered and c.kind in _PRIVATE_KINDS]
        direction = self._direction
        pids = {g: m.profile(g, direction) for g in dict.fromkeys([c.groups for c in filtered])}
        for c in filtered:
            c.pid = pids[c.groups]
        # Points in class order: each run of interface classes with an IPv4 address only (most)
        # in C loops, the others one by one.
        a4, a6 = table.a4, table.a6
        simple = [
            iface and a6[row] is None and a4[row] is not None
            for iface, row in zip(interface, rows, strict=True)
        ]
        start = 0
        while start < len(classes):
            end = start
            while end < len(classes) and simple[end]:
                end += 1
            if end > start:
                self._ipv4_points(classes[start:end], rows[start:end])
                start = end
            elif interface[start]:
                self._interface_point(classes[start], rows[start])
                start += 1
            else:
                self._make_points(classes[start], table.placements[rows[start]])
                start += 1

    def _ipv4_points(self, classes: list[_Class], rows: list[int]) -> None:
        """The points of interface classes with an IPv4 address and no IPv6 one, in C loops:
        ``dict(((4, x),))`` is ``{4: x}``, and the ``list(map(...))`` run for their effect."""
        table = self.m._placements
        n = len(classes)
        fours, ones = [4] * n, [1] * n
        a4 = map(table.a4.__getitem__, rows)
        peer, net = table.segs[0 if self.role == "src" else 1], table.segs[2]
        seg = zip(map(peer.__getitem__, rows), map(net.__getitem__, rows), strict=True)
        addrs = map(dict, zip(zip(fours, a4, strict=True), strict=True))
        segs = map(dict, zip(zip(fours, seg, strict=True), strict=True))
        start = len(self.points)
        points = list(map(_Point, range(start, start + n), classes, addrs, segs))  # type: ignore[arg-type]
        self.points += points
        list(map(list.append, map(_CLASS_POINTS, classes), points))
        per_family = map(dict, zip(zip(fours, ones, strict=True), strict=True))
        list(map(setattr, classes, ["per_family"] * n, per_family))

    def _interface_point(self, c: _Class, row: int) -> None:
        table = self.m._placements
        peer = 0 if self.role == "src" else 1
        addr: dict[int, int] = {}
        seg: dict[int, tuple[int, int]] = {}
        a4, a6 = table.a4[row], table.a6[row]
        if a4 is not None:
            addr[4] = a4
            seg[4] = (table.segs[peer][row], table.segs[2][row])
        if a6 is not None:
            addr[6] = a6
            seg[6] = (table.segs[3 + peer][row], table.segs[5][row])
        c.per_family = dict.fromkeys(addr, 1)
        pt = _Point(len(self.points), c, addr, seg)
        self.points.append(pt)
        c.points.append(pt)

    def _make_points(self, c: _Class, p: Placement) -> None:
        """One point per segment of a range placement."""
        m = self.m
        cuts, peers = m.segs[self.role], m.segs["in" if self.role == "src" else "out"]
        points = self.points
        for fam in (4, 6):
            peer, net = peers[fam].bounds, m.segs["net"][fam].bounds
            for lo, hi in p.addresses(fam).points.intervals:
                for start in cuts[fam].split(lo, hi):
                    seg = (bisect.bisect_right(peer, start) - 1, bisect.bisect_right(net, start) - 1)
                    pt = _Point(len(points), c, {fam: start}, {fam: seg})
                    points.append(pt)
                    c.points.append(pt)
                    c.per_family[fam] = c.per_family.get(fam, 0) + 1


def _pair_count(cs: _Class, cd: _Class) -> int:
    """How many pairs one placement of ``cs`` and one of ``cd`` make (semantics.md, range placements)."""
    if cs.interface and cd.interface:
        return 1
    a, b = cs.per_family, cd.per_family
    return a.get(4, 0) * b.get(4, 0) + a.get(6, 0) * b.get(6, 0) or 1


_Ints = npt.NDArray[np.int64]
"""Indices and result ids (the join's arrays)."""
_Bits = npt.NDArray[np.uint64]
_Flags = npt.NDArray[np.bool_]


class _Arrays(NamedTuple):
    """The source points of one family in two blocks, interfaces then pieces of ranges, each sorted
    by address (so that a cover lists interfaces first without sorting)."""

    blocks: tuple[tuple[int, list[int]], ...]  # (first position, representative addresses) per block
    n_interfaces: int
    points: list[_Point]
    lam: _Ints  # bucket: everything about the source that matters besides the rules it matches
    cls: _Ints  # source class
    pos: dict[int, int]  # point index -> position
    rep: dict[int, int]  # bucket -> a position holding it


class _Cover(NamedTuple):
    """The source positions of one family that a destination profile may admit, interfaces first
    (``split`` of them): per position its bucket, its class and the mask it matches (an index into
    ``masks``)."""

    masks: list[int]
    lam: _Ints
    cls: _Ints
    mk: _Ints
    split: int


_EMPTY = np.zeros(0, dtype=np.int64)
_Sources = tuple[_Ints, _Ints, _Ints, _Ints]
"""(interface source classes, their result ids, range source classes, their result ids per point)."""


def _combine_groups(groups: list[tuple[int, _Ints]]) -> list[tuple[int, _Ints]]:
    """A source in several referenced groups matches several rules: the positions regrouped by the
    combined bits of the groups holding them, each list sorted."""
    k = len(groups)
    shift = max(1, (k - 1).bit_length())
    packed = np.concatenate([positions << shift | g for g, (_, positions) in enumerate(groups)])
    packed.sort()
    pos, which = packed >> shift, packed & ((1 << shift) - 1)
    st = _runs_of(pos)
    unique = pos[st]
    # The set of groups of each position as a number in base 2 over group indices, when that fits.
    if k <= 62:
        sets = np.bitwise_or.reduceat(np.left_shift(1, which), st)
        out = []
        for v in np.unique(sets).tolist():
            bits = 0
            for g in range(k):
                if v >> g & 1:
                    bits |= groups[g][0]
            out.append((bits, unique[sets == v]))
        return out
    combined: dict[int, int] = defaultdict(int)  # (rare) more groups than bits in an int64
    for b, positions in groups:
        for i in positions.tolist():
            combined[i] |= b
    by_bits: dict[int, list[int]] = defaultdict(list)
    for i in sorted(combined):
        by_bits[combined[i]].append(i)
    return [(b, np.array(p, dtype=np.int64)) for b, p in by_bits.items()]


class _Join:
    """Destination-major join: for each destination point, the source points its ingress rules admit.

    The sources inside one CIDR peer are a contiguous run of the address-sorted arrays; a run is cut
    where the set of matched peers changes, and inside a run the result depends only on the source's
    bucket. So a destination profile's *cover* (the positions it may admit, each with the index of
    the peers it matches) is computed once, and a destination's results are one gather from the
    tables bucket -> result of its location and the ingress results of each mask."""

    def __init__(self, m: _Matrix, src: _Side) -> None:
        self.m = m
        self.src = src
        buckets: dict[tuple[object, ...], int] = {}
        locs: dict[tuple[object, ...], int] = {}
        self._bucket_loc: list[int] = []  # bucket -> source location (the bucket but its egress profile)
        self._bucket_pid: list[int] = []
        self.arrays: dict[int, _Arrays] = {}
        for fam in (4, 6):
            ifaces = sorted(
                (p for p in src.points if fam in p.addr and p.cls.interface), key=lambda p: p.addr[fam]
            )
            ranges = sorted(
                (p for p in src.points if fam in p.addr and not p.cls.interface), key=lambda p: p.addr[fam]
            )
            pts = [*ifaces, *ranges]
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
                b = buckets.setdefault(key, len(buckets))
                if b == len(self._bucket_loc):
                    self._bucket_loc.append(locs.setdefault(key[1:], len(locs)))
                    self._bucket_pid.append(c.pid)
                lam.append(b)
            self.arrays[fam] = _Arrays(
                ((0, [p.addr[fam] for p in ifaces]), (len(ifaces), [p.addr[fam] for p in ranges])),
                len(ifaces),
                pts,
                np.array(lam, dtype=np.int64),
                np.array([p.cls.idx for p in pts], dtype=np.int64),
                {p.idx: i for i, p in enumerate(pts)},
                {b: i for i, b in reversed(list(enumerate(lam)))},
            )
        self.nb = max(1, len(buckets))
        self.by_group: dict[str, list[_Point]] = defaultdict(list)
        for p in src.points:
            if p.cls.kind in _PRIVATE_KINDS:
                for g in p.cls.groups:
                    self.by_group[g].append(p)
        self._members: dict[tuple[int, str], _Ints] = {}
        self._covers: dict[tuple[int, int], _Cover] = {}
        self._dest_keys: dict[tuple[object, ...], int] = {}
        self._dest_egress: list[int] = []  # dest key -> what the egress rules see of it
        self._dest_loc: list[int] = []  # dest key -> what the other layers see of it
        self._dest_locs: dict[tuple[object, ...], int] = {}
        self._egress_sigs: dict[tuple[object, ...], int] = {}
        # The groups some egress rule names: the only ones of a destination that egress can depend on.
        self._egress_named = {
            r.peer.value
            for g in m.inv.security_groups.values()
            for r in g.rules
            if r.direction is Direction.EGRESS and r.peer.kind is PeerKind.SECURITY_GROUP
        }
        self._outer: dict[int, dict[int, tuple[int, bool, bool]]] = {}  # dest key -> bucket -> outer
        self._loc_part: dict[tuple[int, int], tuple[int, bool, bool, tuple[bool, bool] | None]] = {}
        self._egress_part: dict[tuple[int, int, bool, bool], int] = {}
        # Every (location, ingress results) table, bucket -> result id (-1: not asked yet), as rows
        # of one array so that a destination's sources are read in one gather.
        self._table_ids: dict[tuple[int, ...], int] = {}
        self._table_keys: list[tuple[int, ...]] = []
        self._tables = np.full((64, self.nb), -1, dtype=np.int64)
        self._seen = np.zeros(self.nb, dtype=np.int8)
        self._results: dict[tuple[object, ...], _Sources] = {}
        # (profile, family) -> the ingress results of each mask of its cover (`_Matrix.ingress_quad`)
        self._quads: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}

    def release(self) -> None:
        """Forget the covers and the per-destination results (the bulk of the join's memory) once
        every destination has been asked; `class_pairs` recomputes what it needs."""
        self._covers.clear()
        self._quads.clear()  # in the order of a cover's masks
        self._results.clear()

    # -- locations ------------------------------------------------------------------------------

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
        dx = self._dest_keys.get(key)
        if dx is None:
            dx = self._dest_keys[key] = len(self._dest_keys)
            # Egress rules see the destination's kind, its address segment and the groups they name;
            # the other layers its location, route/NACL segment and listeners.
            sig = (d.kind in _PRIVATE_KINDS, family, pd.seg[family][0], named)
            self._dest_egress.append(self._egress_sigs.setdefault(sig, len(self._egress_sigs)))
            loc = (d.kind, d.vpc, d.subnet, d.region, d.public, family, pd.seg[family][1], d.accepts)
            self._dest_loc.append(self._dest_locs.setdefault(loc, len(self._dest_locs)))
        return dx

    def _outer_of(self, bucket: int, ps: _Point, pd: _Point, family: int, dx: int) -> tuple[int, bool, bool]:
        """`_Matrix.outer` for a source of this bucket and a destination of this location, from its
        two parts (`_Matrix.outer_parts`), each cached by what it depends on: the two locations,
        and the egress profile with what its rules see of the destination."""
        lkey = (self._bucket_loc[bucket], self._dest_loc[dx])
        part = self._loc_part.get(lkey)
        if part is None:
            part = self._loc_part[lkey] = self.m.outer_parts(ps, pd, family)
        rest, refs_apply, middlebox, egress = part
        if egress is None or not rest:
            return rest, refs_apply, middlebox
        ekey = (self._bucket_pid[bucket], self._dest_egress[dx], *egress)
        eg = self._egress_part.get(ekey)
        if eg is None:
            eg = self._egress_part[ekey] = self.m.egress(ps, pd, family, egress)
        return self.m.res.conj(rest, eg), refs_apply, middlebox

    # -- covers ---------------------------------------------------------------------------------

    def _group_positions(self, arr: _Arrays, family: int, group: str) -> _Ints:
        """Sorted positions, in one address-sorted array, of the source points carrying a group."""
        key = (family, group)
        hit = self._members.get(key)
        if hit is None:
            pos = arr.pos
            found = [i for i in (pos.get(p.idx) for p in self.by_group.get(group, ())) if i is not None]
            hit = self._members[key] = np.array(sorted(found), dtype=np.int64)
        return hit

    def _cover(self, pid: int, family: int) -> _Cover:
        """The cover of a destination ingress profile (``-1``: no ingress rules apply, every source
        with one mask)."""
        ckey = (pid, family)
        hit = self._covers.get(ckey)
        if hit is None:
            hit = self._covers[ckey] = self._make_cover(pid, family)
        return hit

    def _make_cover(self, pid: int, family: int) -> _Cover:
        arr = self.arrays[family]
        n = len(arr.points)
        if pid < 0:
            cov: _Ints | slice = slice(0, n)
            mk = np.zeros(n, dtype=np.int64)
            masks = [0]
        else:
            runs, pieces, groups = self._profile_runs(pid, arr, family)
            ids: dict[int, int] = {}
            if not groups and len(runs) <= 1:
                a, b, mask = runs[0] if runs else (0, 0, 0)
                cov, mk, masks = slice(a, b), np.zeros(b - a, dtype=np.int64), [mask]
            else:
                mid = np.full(n, -1, dtype=np.int64)
                for a, b, mask in runs:
                    mid[a:b] = ids.setdefault(mask, len(ids))
                starts = np.array([a for a, _, _ in pieces] + [n], dtype=np.int64)
                for bits, positions in groups:
                    cuts = np.searchsorted(positions, starts).tolist()
                    for (_, _, mask), lo, hi in zip(pieces, cuts, cuts[1:], strict=False):
                        if lo < hi:
                            mid[positions[lo:hi]] = ids.setdefault(mask | bits, len(ids))
                cov = np.flatnonzero(mid >= 0)
                mk = mid[cov]
                masks = list(ids)
        # Interfaces come first (their results are per class, the ranges' per point).
        n_if = arr.n_interfaces
        if isinstance(cov, slice):
            split = max(0, min(cov.stop, n_if) - cov.start)
        else:
            split = int(np.searchsorted(cov, n_if))
        return _Cover(masks, arr.lam[cov], arr.cls[cov], mk, split)

    def _profile_runs(
        self, pid: int, arr: _Arrays, family: int
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]], list[tuple[int, _Ints]]]:
        """For one destination profile: the runs of source positions that may reach it (first, end,
        mask of the matched CIDR peers), every piece of [0, n) with its mask (runs and the gaps
        between them), and the positions carrying referenced groups with their bits. A position in
        no run and no group reaches nothing."""
        n = len(arr.points)
        prof = self.m.profile_list[pid]
        events: list[tuple[int, int]] = []
        bit = 1
        for fam, lo, hi, _ in prof.cidrs:
            if fam == family:
                for first, starts in arr.blocks:
                    a, b = bisect.bisect_left(starts, lo), bisect.bisect_right(starts, hi)
                    if a < b:
                        events += ((first + a, bit), (first + b, bit))
            bit <<= 1
        groups: list[tuple[int, _Ints]] = []
        for g, _ in (*prof.refs, *prof.foreign):
            positions = self._group_positions(arr, family, g)
            if len(positions):
                groups.append((bit, positions))
            bit <<= 1
        if len(groups) > 1:
            groups = _combine_groups(groups)
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

    # -- one destination point ------------------------------------------------------------------

    def _table(self, key: tuple[int, ...]) -> int:
        tid = self._table_ids.get(key)
        if tid is None:
            tid = self._table_ids[key] = len(self._table_keys)
            self._table_keys.append(key)
            if tid == len(self._tables):
                grown = np.full((2 * tid, self.nb), -1, dtype=np.int64)
                grown[:tid] = self._tables
                self._tables = grown
        return tid

    def sources_for(self, pd: _Point, family: int) -> _Sources:
        """The sources that reach ``pd`` in one family, with their result ids (never zero):
        interface sources by class, pieces of ranges one entry per piece (by class)."""
        arr = self.arrays[family]
        if not arr.points:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        m = self.m
        d = pd.cls
        ingress_applies = d.sg_filtered and d.kind in _PRIVATE_KINDS
        pid = d.pid if ingress_applies else -1
        cover = self._cover(pid, family)
        dx = self._dest_key(pd, family)
        table = self._table
        if ingress_applies:
            quads = self._quads.get((pid, family))
            if quads is None:
                quad = m.ingress_quad
                quads = self._quads[(pid, family)] = [quad(pid, mask) for mask in cover.masks]
            tids = [table((dx, *q)) for q in quads]
        else:
            tids = [table((dx,))]
        rkey = (pid, family, *tids)
        hit = self._results.get(rkey)
        if hit is not None:
            return hit
        tables = self._tables
        if len(tids) == 1:  # one mask (most covers): a gather from one row
            vals = tables[tids[0]].take(cover.lam)
            if vals.min(initial=0) < 0:
                at = np.full(len(vals), tids[0])
                missing = vals < 0
                self._fill(
                    pd, family, dx, ingress_applies=ingress_applies, at=at, lam=cover.lam, missing=missing
                )
                vals = tables[tids[0]].take(cover.lam)
        else:
            at = np.array(tids, dtype=np.int64)[cover.mk]
            vals = tables[at, cover.lam]
            if vals.min(initial=0) < 0:
                missing = vals < 0
                self._fill(
                    pd, family, dx, ingress_applies=ingress_applies, at=at, lam=cover.lam, missing=missing
                )
                miss = np.flatnonzero(missing)
                vals[miss] = tables[at[miss], cover.lam[miss]]
        k = cover.split
        vi, vr = vals[:k], vals[k:]
        nzi, nzr = vi != 0, vr != 0
        hit = self._results[rkey] = (cover.cls[:k][nzi], vi[nzi], cover.cls[k:][nzr], vr[nzr])
        return hit

    def _fill(
        self,
        pd: _Point,
        family: int,
        dx: int,
        *,
        ingress_applies: bool,
        at: _Ints,
        lam: _Ints,
        missing: _Flags,
    ) -> None:
        """Evaluate what no destination asked before: one evaluation per (table, bucket). A result
        is the outer result of the bucket's sources joined with the ingress result of the table's
        mask on their kind of path (whether references apply, whether through a middlebox)."""
        m = self.m
        arr = self.arrays[family]
        miss = np.flatnonzero(missing)
        mt, mb = at[miss], lam[miss]
        seen = self._seen
        conj = m.res.conj
        points, rep = arr.points, arr.rep
        outer_of = self._outer_of
        outer = self._outer.get(dx)
        if outer is None:
            outer = self._outer[dx] = {}
        tids = np.flatnonzero(np.bincount(mt)).tolist() if len(mt) > 64 else sorted(set(mt.tolist()))
        for tid in tids:
            seen[mb[mt == tid] if len(tids) > 1 else mb] = 1
            need = np.flatnonzero(seen)
            seen[need] = 0
            four = self._table_keys[tid]
            out = []
            for b in need.tolist():
                x = outer.get(b)
                if x is None:
                    x = outer[b] = outer_of(b, points[rep[b]], pd, family, dx)
                r = x[0]
                if r and ingress_applies:
                    r = conj(r, four[1 + 2 * x[1] + x[2]])
                out.append(r)
            self._tables[tid, need] = out

    def class_pairs(self, cd: _Class) -> dict[int, tuple[frozenset[int], bool]]:
        """Source class -> (the result ids of its point pairs with ``cd``, whether every pair has
        one): class by class, for the few endpoint pairs judged one by one."""
        out: dict[int, list[int]] = defaultdict(list)
        singles: dict[int, int] = {}
        best = self.m.res.best
        for pd in cd.points:
            for fam in sorted(pd.addr):
                ci, ri, cr, rr = self.sources_for(pd, fam)
                if cd.interface:
                    for cs, r in zip(ci.tolist(), ri.tolist(), strict=True):
                        singles[cs] = best(singles.get(cs, R_NONE), r)
                else:
                    for cs, r in zip(ci.tolist(), ri.tolist(), strict=True):
                        out[cs].append(r)
                for cs, r in zip(cr.tolist(), rr.tolist(), strict=True):
                    out[cs].append(r)
        for cs, r in singles.items():
            out[cs].append(r)
        classes = self.src.classes
        return {cs: (frozenset(rs), len(rs) == _pair_count(classes[cs], cd)) for cs, rs in out.items()}


class _Aggregate(NamedTuple):
    every: Traffic
    some: Traffic
    unknown: Traffic


class _Pairs:
    """The traffic of endpoint pairs from the set of their pairs' results, cached by that set and
    whether every pair has a non-empty result (only then can some traffic be reachable for every pair)."""

    def __init__(self, m: _Matrix) -> None:
        self.m = m
        self._agg: dict[tuple[frozenset[int], bool], _Aggregate] = {}

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


# ---- from class pairs to endpoint pairs, in arrays ------------------------------------------------

# The aggregation handles millions of items: it packs small fields into one integer (int32 when
# they fit), sorts those, and works through the largest arrays a chunk at a time into arrays made
# once, because fresh memory costs more than the passes over it (a page fault per 4 KiB).
_AnyInts = npt.NDArray[np.signedinteger[Any]]
_CHUNK = 1 << 18
_SELECTOR = operator.attrgetter("selector")
_FAMILIES_INTERFACE = operator.attrgetter("per_family", "interface")


def _bits(n: int) -> int:
    """How many bits hold the values 0 .. n - 1 (at least one)."""
    return max(1, (n - 1).bit_length())


def _int_type(bits: int) -> type[np.signedinteger[Any]]:
    """int32 for values of ``bits`` bits with a bit to spare, else int64."""
    return np.int32 if bits <= 30 else np.int64


def _runs_of(values: _AnyInts) -> _Ints:
    """Start positions of the runs of equal values in a sorted array."""
    if not len(values):
        return _EMPTY
    edge = np.empty(len(values), dtype=bool)
    edge[0] = True
    np.not_equal(values[1:], values[:-1], out=edge[1:])
    return np.flatnonzero(edge)


def _segments(keys: list[int], lens: list[int]) -> tuple[list[int], _Ints, _Ints]:
    """Parts (``lens`` long) grouped by key: the order of the parts, and per group (ascending key)
    its key and its length. The join lists its parts nearly in key order already."""
    k = np.array(keys, dtype=np.int64)
    n = np.array(lens, dtype=np.int64)
    if len(k) > 1 and (k[1:] < k[:-1]).any():
        order = np.argsort(k, kind="stable")
        k, n = k[order], n[order]
        at: list[int] = order.tolist()
    else:
        at = list(range(len(k)))
    starts = _runs_of(k)
    return at, k[starts], np.add.reduceat(n, starts) if len(starts) else _EMPTY


def _chunks(order: list[int], lens: list[int]) -> Iterator[list[int]]:
    """The parts in ``order`` cut into consecutive lists of about `_CHUNK` items."""
    chunk: list[int] = []
    size = 0
    for k in order:
        chunk.append(k)
        size += lens[k]
        if size >= _CHUNK:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _gather(
    parts: list[_AnyInts],
    codes: list[_AnyInts],
    dtype: type[np.signedinteger[Any]],
    shift: int,
    table: _AnyInts,
) -> tuple[_AnyInts, _Ints, _Ints]:
    """``table[part] | code`` (``part << shift | code`` with an empty table) for the items of
    ``parts`` and ``codes`` end to end, as ``dtype``, a chunk at a time into one array. Table values
    with the sign bit set flag their items: returns the array (those bits cleared), the positions
    of the flagged items and their part values."""
    lens = list(map(len, parts))
    out = np.empty(sum(lens), dtype=dtype)
    items = np.empty(min(len(out), 2 * _CHUNK), dtype=dtype)
    more = np.empty(len(items), dtype=dtype)
    flags = len(table) > 0 and table.min() < 0
    hits: list[_Ints] = []
    values: list[_AnyInts] = []
    at = 0
    for chunk in _chunks(list(range(len(parts))), lens):
        n = sum(lens[k] for k in chunk)
        piece = out[at : at + n]
        if n > len(items):
            items, more = np.empty(n, dtype=dtype), np.empty(n, dtype=dtype)
        np.concatenate([parts[k] for k in chunk], out=items[:n], casting="same_kind")
        if len(table):
            np.take(table, items[:n], out=piece, mode="clip")
        else:
            np.left_shift(items[:n], shift, out=piece)
        np.concatenate([codes[k] for k in chunk], out=more[:n], casting="same_kind")
        piece |= more[:n]
        if flags:
            hit = np.flatnonzero(piece < 0)
            piece[hit] &= np.iinfo(dtype).max
            hits.append(hit + at)
            values.append(items[hit])
        at += n
    return out, np.concatenate(hits) if hits else _EMPTY, _concat(values)


def _concat(parts: Sequence[_AnyInts]) -> _Ints:
    """Integer arrays end to end, as int64."""
    return np.concatenate(parts, dtype=np.int64) if parts else _EMPTY


def _sort_segments(values: _AnyInts, lens: _Ints, keys: _AnyInts, shift: int) -> tuple[_Ints, _AnyInts]:
    """Sort each segment of ``values`` (consecutive, ``lens`` long, never negative) in place and find
    the runs of equal ``value >> shift`` within segments: the start of each run and the key of the
    segment of each run. Segments are sorted one by one: a few thousand small sorts in cache beat
    one sort of everything with the segment packed in (which would often need int64)."""
    n, n_seg = len(values), len(lens)
    if not n:
        return _EMPTY, keys[:0]
    bounds = np.zeros(n_seg + 1, dtype=np.int64)
    np.cumsum(lens, out=bounds[1:])
    a = 0
    for size in lens.tolist():
        if size > 1:
            values[a : a + size].sort()
        a += size
    edge = np.empty(n, dtype=bool)
    edge[0] = True
    for a in range(1, n, _CHUNK):
        b = min(a + _CHUNK, n)
        diff = values[a:b] ^ values[a - 1 : b - 1]  # at or above 2**shift where a run starts
        np.greater_equal(diff, 1 << shift, out=edge[a:b])
    starts = bounds[1:-1]
    edge[starts[starts < n]] = True
    st = np.flatnonzero(edge)
    return st, np.repeat(keys, np.diff(np.searchsorted(st, bounds)))


def _varied(values: _AnyInts, st: _Ints, first: _AnyInts) -> _Ints:
    """The runs (by index) of a sorted array (runs starting at ``st``, first values ``first``) that
    hold more than one value."""
    if not len(st):
        return _EMPTY
    last = np.empty_like(first)
    last[-1] = values[-1]
    np.take(values, st[1:] - 1, out=last[:-1])
    return np.flatnonzero(first != last)


def _run_lengths(st: _Ints, n: int) -> npt.NDArray[np.int32]:
    """The lengths of the runs starting at ``st`` in ``n`` items (fewer than 2**31)."""
    out = np.empty(len(st), dtype=np.int32)
    np.subtract(st[1:], st[:-1], out=out[:-1], casting="same_kind")
    out[-1:] = n - st[-1:]
    return out


def _run_items(st: _Ints, n: _AnyInts) -> tuple[_Ints, _Ints]:
    """Positions of the items of runs starting at ``st``, ``n`` long, end to end; and where each run
    begins among them."""
    n = n.astype(np.int64)
    off = np.cumsum(n) - n
    return np.repeat(st - off, n) + np.arange(int(n.sum()), dtype=np.int64), off


def _spread(counts: _Ints, starts: _Ints, flat: _Ints, cols: list[_Ints]) -> tuple[_Ints, list[_Ints]]:
    """Each row once per member of its group (``flat[starts[r] : starts[r] + counts[r]]``, never
    empty): the members, and the columns repeated alongside."""
    if not len(counts) or counts.max() == 1:
        return flat[starts], cols
    at = starts - np.cumsum(counts) + counts
    idx = np.repeat(at, counts)
    idx += np.arange(len(idx), dtype=np.int64)
    return flat[idx], [np.repeat(c, counts) for c in cols]


def _delete_sorted(values: _Ints, at: _Ints) -> _Ints:
    """``values`` without the items at positions ``at`` (ascending, unique), moved in place."""
    if not len(at):
        return values
    to = int(at[0])
    for a, b in zip((at + 1).tolist(), [*at[1:].tolist(), len(values)], strict=True):
        if b > a:
            values[to : to + b - a] = values[a:b]
            to += b - a
    return values[:to]


def _rank1(col: npt.NDArray[np.integer[Any]]) -> tuple[_Ints, int]:
    """Each value's rank among the distinct values of ``col``, and how many there are."""
    u = np.sort(col)
    u = u[_runs_of(u)]
    return np.searchsorted(u, col).astype(np.int64), len(u)


def _rank(cols: Sequence[npt.NDArray[np.integer[Any]]]) -> tuple[_Ints, _Ints]:
    """Distinct rows of equal-length columns: (row -> distinct id, first row of each id)."""
    ids, n = _rank1(cols[0])
    for col in cols[1:]:
        r, k = _rank1(col)
        ids, n = _rank1(ids * k + r)  # n * k stays small: few distinct signatures
    first = np.full(n, -1, dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids))[::-1]
    return ids, first


def _words_of(bits: _Ints, n_bits: int) -> list[_Bits]:
    """Bit ``bits[i]`` of a word set (63 bits to a word), as one column per word."""
    return [
        np.where(bits // 63 == w, np.left_shift(np.uint64(1), (bits % 63).astype(np.uint64)), np.uint64(0))
        for w in range(max(1, -(-n_bits // 63)))
    ]


def _members(groups: dict[tuple[int, ...], list[int]]) -> tuple[_Ints, _Ints, _Ints]:
    """The members of each group, in group order: (count, start, flat list of members)."""
    counts = np.array(list(map(len, groups.values())), dtype=np.int64)
    flat = np.array([i for g in groups.values() for i in g], dtype=np.int64)
    return counts, np.cumsum(counts) - counts, flat


def _class_columns(classes: list[_Class]) -> tuple[_Ints, _Ints, _Flags]:
    """Per class: how many points it has in IPv4, in IPv6, and whether it is an interface."""
    n = len(classes)
    families, interface = zip(*map(_FAMILIES_INTERFACE, classes), strict=True) if n else ((), ())
    return (
        np.array(list(map(dict.get, families, [4] * n, [0] * n)), dtype=np.int64),
        np.array(list(map(dict.get, families, [6] * n, [0] * n)), dtype=np.int64),
        np.array(interface, dtype=bool),
    )


class _Computed(NamedTuple):
    """The matrix in arrays: endpoint pairs with some flow, sorted by (source, destination)."""

    key: _Ints  # source endpoint index * n_dst + destination endpoint index, ascending
    n_dst: int
    agg: _AnyInts  # index into aggregates
    aggregates: list[_Aggregate]


def _compute(engine: Engine, srcs: list[Endpoint], dsts: list[Endpoint]) -> _Computed:
    m = _Matrix(engine)
    m.finish_segments(p for e in (*srcs, *dsts) for p in e.placements)
    src = _Side(m, "src", srcs)
    dst = _Side(m, "dst", dsts)
    pairs = _Pairs(m)
    join = _Join(m, src)
    best = m.res.best
    s_keys, d_keys = list(src.groups), list(dst.groups)
    n_sc, n_gs = len(src.classes), len(s_keys)
    gd_of: list[list[int]] = [[] for _ in dst.classes]  # destination class -> its endpoint classes
    for g, key in enumerate(d_keys):
        for c in key:
            gd_of[c].append(g)

    # Class pairs of two interfaces, (gd, source class, result id), in chunks per destination
    # class; and point pairs involving a range, (destination class, source class, result id).
    ii_gd: list[int] = []
    ii_n: list[int] = []
    ii_cs: list[_Ints] = []
    ii_r: list[_Ints] = []
    rp_cd: list[int] = []
    rp_n: list[int] = []
    rp_cs: list[_Ints] = []
    rp_r: list[_Ints] = []
    sources_for = join.sources_for
    for cd in dst.classes:
        c = cd.idx
        for pd in cd.points:
            fams = sorted(pd.addr)
            ci, ri, cr, rr = sources_for(pd, fams[0])
            if len(fams) == 2:
                ci2, ri2, cr2, rr2 = sources_for(pd, fams[1])
                if len(ci2):
                    # One interface pair, two families: a client uses whichever works.
                    merged = dict(zip(ci.tolist(), ri.tolist(), strict=True))
                    for cs, r in zip(ci2.tolist(), ri2.tolist(), strict=True):
                        merged[cs] = best(merged.get(cs, R_NONE), r)
                    ci = np.fromiter(merged.keys(), np.int64, len(merged))
                    ri = np.fromiter(merged.values(), np.int64, len(merged))
                if len(cr2):
                    rp_cd.append(c)
                    rp_n.append(len(cr2))
                    rp_cs.append(cr2)
                    rp_r.append(rr2)
            if len(ci):
                if cd.interface:
                    for g in gd_of[c]:
                        ii_gd.append(g)
                        ii_n.append(len(ci))
                        ii_cs.append(ci)
                        ii_r.append(ri)
                else:
                    rp_cd.append(c)
                    rp_n.append(len(ci))
                    rp_cs.append(ci)
                    rp_r.append(ri)
            if len(cr):
                rp_cd.append(c)
                rp_n.append(len(cr))
                rp_cs.append(cr)
                rp_r.append(rr)
    join.release()

    n_rids = len(m.res.tv)
    # Point pairs with a range -> class pairs: the join lists them by destination class, so each
    # destination class's (source class, result id) pairs are sorted on their own, packed in one
    # small int. A class pair has the set of its pairs' results and is complete when every pair of
    # the two classes has one.
    sb, rb = _bits(n_sc), _bits(n_rids)
    at, rp_seg_cd, rp_seg_len = _segments(rp_cd, rp_n)
    low, _, _ = _gather([rp_cs[k] for k in at], [rp_r[k] for k in at], _int_type(sb + rb), rb, _EMPTY)
    st, rcd = _sort_segments(low, rp_seg_len, rp_seg_cd, rb)
    rp_sorted = low
    first = rp_sorted[st]
    several = _varied(rp_sorted, st, first)  # the class pairs with more than one result id
    head = first.astype(np.int64)
    rcs = head >> rb & ((1 << sb) - 1)
    r_rid = head & ((1 << rb) - 1)  # a result id of each class pair; the others below
    counts = _run_lengths(st, len(rp_sorted))
    s4, s6, s_if = _class_columns(src.classes)
    d4, d6, d_if = _class_columns(dst.classes)
    expected = s4[rcs] * d4[rcd] + s6[rcs] * d6[rcd]  # `_pair_count`, for these class pairs
    expected[expected == 0] = 1
    expected[s_if[rcs] & d_if[rcd]] = 1
    r_complete = counts == expected

    # Their result sets as bits over the results that occur in them, ranked: one code per distinct
    # (set of results, complete), after the codes of the result ids (an interface pair: one
    # complete pair with that result).
    m_at, m_off = _run_items(st[several], counts[several])
    m_rid = (rp_sorted[m_at] & ((1 << rb) - 1)).astype(np.int64)
    del rp_sorted, low, m_at
    occurring = np.flatnonzero(np.bincount(np.concatenate([r_rid, m_rid]), minlength=n_rids))
    bit_of = np.zeros(n_rids, dtype=np.int64)
    bit_of[occurring] = np.arange(len(occurring))
    r_words = _words_of(bit_of[r_rid], len(occurring))
    if len(several):
        for w, word in enumerate(_words_of(bit_of[m_rid], len(occurring))):
            r_words[w][several] = np.bitwise_or.reduceat(word, m_off)
    if len(occurring) < 63:  # one word: the set and completeness in one number
        r_words[0] <<= np.uint64(1)
        r_words[0] |= r_complete.astype(np.uint64)
        r_sig, r_first = _rank(r_words)
        r_words[0] >>= np.uint64(1)
    else:
        r_sig, r_first = _rank([*r_words, r_complete.astype(np.uint64)])
    r_sets: list[frozenset[int]] = []
    for row in r_first.tolist():
        rids: list[int] = []
        for w in range(len(r_words)):
            v = int(r_words[w][row])
            while v:
                low_bit = v & -v
                rids.append(int(occurring[w * 63 + low_bit.bit_length() - 1]))
                v ^= low_bit
        r_sets.append(frozenset(rids))
    n_codes = n_rids + len(r_first)
    code_complete = np.concatenate([np.ones(n_rids, dtype=np.int32), r_complete[r_first].astype(np.int32)])
    code_complete[R_NONE] = 0

    def rids_of(code: int) -> frozenset[int]:
        return frozenset((code,)) if code < n_rids else r_sets[code - n_rids]

    # Every class pair as (destination endpoint class, source class, code), grouped by endpoint
    # class: the join's interface pairs, and the class pairs above by destination class. The
    # destination endpoint classes are renumbered by how many members they have, so that cells
    # sorted by endpoint class come in runs of one size (see the expansion below).
    d_groups = list(dst.groups.values())
    d_n = np.array(list(map(len, d_groups)), dtype=np.int64)
    gd_order = np.argsort(d_n, kind="stable")  # new number -> endpoint class
    renumber = np.empty(len(d_n), dtype=np.int64)
    renumber[gd_order] = np.arange(len(d_n))
    new_gd = renumber.tolist()
    part_gd = list(map(new_gd.__getitem__, ii_gd))
    part_cs, part_code, part_n = list(ii_cs), list(ii_r), list(ii_n)
    r_code = n_rids + r_sig
    if len(st):
        cst = _runs_of(rcd)
        r_ends = [*cst[1:].tolist(), len(rcd)]
        for a, b, cd in zip(cst.tolist(), r_ends, rcd[cst].tolist(), strict=True):
            for g in gd_of[cd]:
                part_gd.append(new_gd[g])
                part_cs.append(rcs[a:b])
                part_code.append(r_code[a:b])
                part_n.append(b - a)
    del st, rcd, rcs, r_rid, r_code, head, counts, expected
    s_size = np.array(list(map(len, s_keys)), dtype=np.int32)  # classes per endpoint class
    d_size = np.array(list(map(len, d_keys)), dtype=np.int32)[gd_order]
    # Source class -> source endpoint classes: the first in a lookup table, the others (rare) added.
    key_cls = np.array([c for k in s_keys for c in k], dtype=np.int64)
    cls_gs = np.repeat(np.arange(n_gs, dtype=np.int64), s_size)[np.argsort(key_cls, kind="stable")]
    deg_s = np.bincount(key_cls, minlength=n_sc)
    start_s = np.cumsum(deg_s) - deg_s

    # Class pairs -> endpoint-class pairs (cells): sorted within each destination endpoint class by
    # (source endpoint class, code). A cell is complete when every class pair of its two endpoint
    # classes is there and complete.
    gb, cb = _bits(n_gs), _bits(n_codes)
    cmask = (1 << cb) - 1
    ctype = _int_type(gb + cb)
    at, seg_gd, seg_len = _segments(part_gd, part_n)
    first_gs = (cls_gs[start_s] << cb).astype(ctype)
    first_gs[deg_s > 1] |= np.iinfo(ctype).min  # flagged: their class pairs are repeated
    low, more, more_cs = _gather([part_cs[k] for k in at], [part_code[k] for k in at], ctype, cb, first_gs)
    del part_gd, part_cs, part_code, part_n, at
    if len(more):  # class pairs of a source class in several endpoint classes: one per other class
        extra_n = deg_s[more_cs] - 1
        rep = np.repeat(more, extra_n)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(extra_n) - extra_n, extra_n) + 1
        values = (cls_gs[np.repeat(start_s[more_cs], extra_n) + k] << cb).astype(ctype) | (low[rep] & cmask)
        ends = np.cumsum(seg_len)
        seg_of = np.searchsorted(ends, rep, side="right")
        low = np.insert(low, ends[seg_of], values)
        seg_len = seg_len + np.bincount(seg_of, minlength=len(seg_len))
    st, cgd = _sort_segments(low, seg_len, seg_gd.astype(np.int32), cb)
    cell_sorted = low
    del low
    head = cell_sorted[st]
    multi = _varied(cell_sorted, st, head)
    cgs = head >> cb
    cmin = head & cmask
    del head
    runlen = _run_lengths(st, len(cell_sorted))
    # A cell's aggregate: from its one code when its class pairs agree (nearly all), else from the
    # set of its codes.
    expected_c = d_size[cgd] * s_size[cgs]
    complete = runlen == expected_c
    complete &= code_complete.astype(bool)[cmin]
    if len(multi):
        m_at, m_off = _run_items(st[multi], runlen[multi])
        m_code = (cell_sorted[m_at] & cmask).astype(np.int64)
        complete[multi] = np.add.reduceat(code_complete[m_code], m_off) == expected_c[multi]
        del m_at
    del cell_sorted, st, runlen, expected_c
    sig = cmin * 2 + complete
    sig[multi] = 2 * n_codes
    del cmin
    aggregates: list[_Aggregate] = []
    lut = np.full(2 * n_codes + 1, -1, dtype=np.int32)
    for sg in np.flatnonzero(np.bincount(sig, minlength=2 * n_codes)[: 2 * n_codes]).tolist():
        lut[sg] = len(aggregates)
        aggregates.append(pairs.aggregate(rids_of(sg >> 1), bool(sg & 1)))
    agg_ids = lut[sig]
    del sig
    if len(multi):
        # Such cells' code sets as bits over the codes that occur in them, ranked.
        codes_u = np.sort(m_code)
        codes_u = codes_u[_runs_of(codes_u)]
        m_words = [
            np.bitwise_or.reduceat(word, m_off)
            for word in _words_of(np.searchsorted(codes_u, m_code), len(codes_u))
        ]
        m_complete = complete[multi]
        msig, mfirst = _rank([*m_words, m_complete.astype(np.uint64)])
        m_ends = [*m_off[1:].tolist(), len(m_code)]
        base = len(aggregates)
        for row in mfirst.tolist():
            codes = set(m_code[int(m_off[row]) : m_ends[row]].tolist())
            m_rids = frozenset().union(*map(rids_of, codes))
            aggregates.append(pairs.aggregate(m_rids, bool(m_complete[row])))
        agg_ids[multi] = base + msig
    del complete

    # An endpoint never pairs with itself, and endpoints that share a placement are judged pair by
    # pair: both are few, dropped by bisection in the sorted keys below.
    nd = max(1, len(dsts))
    same = len(srcs) == len(dsts) and all(map(operator.is_, srcs, dsts))
    shared = _shared_pairs(src, dst, same)
    if same:
        self_key = np.arange(len(srcs), dtype=np.int64) * (nd + 1)
    else:
        index_of = dict(zip(map(_SELECTOR, dsts), range(len(dsts)), strict=True))
        self_j = np.array(list(map(index_of.get, map(_SELECTOR, srcs), [-1] * len(srcs))), dtype=np.int64)
        self_key = (np.arange(len(srcs), dtype=np.int64) * nd + self_j)[self_j >= 0]
    drop = np.concatenate([self_key, np.array([i * nd + j for i, j in shared], dtype=np.int64)])
    drop.sort()
    extra: list[tuple[int, int]] = []
    by_cd: dict[int, dict[int, tuple[frozenset[int], bool]]] = {}
    for i, j in shared:
        combos = {
            (src.class_of[s.id], dst.class_of[d.id])
            for s in srcs[i].placements
            for d in dsts[j].placements
            if s.id != d.id
        }
        rid_set: set[int] = set()
        n_full = 0
        for cs, cdi in combos:
            table = by_cd.get(cdi)
            if table is None:
                table = by_cd[cdi] = join.class_pairs(dst.classes[cdi])
            hit = table.get(cs)
            if hit is not None:
                rid_set |= hit[0]
                n_full += hit[1]
        if rid_set:
            agg = pairs.aggregate(frozenset(rid_set), n_full == len(combos))
            if agg.some or agg.unknown:
                extra.append((i * nd + j, len(aggregates)))
                aggregates.append(agg)

    # Cells -> endpoint pairs, as packed ints (source index * |destinations| + destination index,
    # aggregate), sorted. Each cell once per source member (the first members of all cells, a chunk
    # at a time, then the others), and each of those once per destination member: the cells of the
    # destination classes with k members come in runs, whose pairs are k gathers (one per member
    # rank, from a table by class) plus the source part.
    ab = _bits(len(aggregates))
    s_n, s_start, s_flat = _members(src.groups)
    s_high = s_flat * (nd << ab)
    d_n = d_n[gd_order]
    n_gd = len(d_n)
    # Member r of every class with more than r members, by class number: the tables end to end
    # after n_gd items of padding, each read through a view that starts its class numbers at 0.
    d_low = np.zeros(n_gd + len(dsts), dtype=np.int64)
    by_rank: list[_Ints] = []
    at_r = n_gd
    for r in range(int(d_n.max(initial=0))):
        g_r = int(np.searchsorted(d_n, r, side="right"))  # the first class with more than r members
        d_low[at_r : at_r + n_gd - g_r] = [d_groups[g][r] for g in gd_order[g_r:].tolist()]
        by_rank.append(d_low[at_r - g_r : at_r - g_r + n_gd])
        at_r += n_gd - g_r
    d_low <<= ab
    sizes = _runs_of(d_n)  # the first class number with each member count
    size_of, first_gd = d_n[sizes].tolist(), sizes.tolist()
    sn_c = s_n.astype(np.int32)[cgs]
    rows = np.zeros(len(sn_c) + 1, dtype=np.int64)  # cells are sorted by destination endpoint class
    np.cumsum(sn_c, out=rows[1:])
    per_size = np.diff(rows[np.searchsorted(cgd, [*first_gd, n_gd])])
    del rows
    packed = np.empty(int(np.dot(per_size, np.array(size_of, dtype=np.int64))), dtype=np.int64)
    to = 0

    def emit(high: _Ints, gd_r: _Ints) -> None:
        nonlocal to
        cut = np.searchsorted(gd_r, first_gd).tolist()
        for k, a, b in zip(size_of, cut, [*cut[1:], len(gd_r)], strict=True):
            if b > a:
                for table in by_rank[:k]:
                    out = packed[to : to + b - a]
                    np.take(table, gd_r[a:b], out=out, mode="clip")
                    out += high[a:b]
                    to += b - a

    first_high = s_high[s_start]
    for a in range(0, len(cgs), _CHUNK):
        emit(first_high[cgs[a : a + _CHUNK]] + agg_ids[a : a + _CHUNK], cgd[a : a + _CHUNK])
    sel = np.flatnonzero(sn_c > 1)
    if len(sel):  # the other source members of the cells that have several
        high, (agg_r, gd_r) = _spread(sn_c[sel] - 1, s_start[cgs[sel]] + 1, s_high, [agg_ids[sel], cgd[sel]])
        high += agg_r
        for a in range(0, len(high), _CHUNK):
            emit(high[a : a + _CHUNK], gd_r[a : a + _CHUNK])
        del high, agg_r, gd_r
    del cgs, cgd, agg_ids, sn_c, sel
    packed.sort()
    if len(drop) and len(packed):
        hit_at = np.searchsorted(packed, drop << ab)
        inside = hit_at < len(packed)
        hit_at = hit_at[inside]
        packed = _delete_sorted(packed, hit_at[(packed[hit_at] >> ab) == drop[inside]])
    if extra:
        e_packed = np.array([k << ab | a for k, a in extra], dtype=np.int64)  # ascending keys
        packed = np.insert(packed, np.searchsorted(packed, e_packed), e_packed)
    agg_of = np.empty(len(packed), dtype=np.int32)
    np.bitwise_and(packed, (1 << ab) - 1, out=agg_of, casting="same_kind")
    packed >>= ab
    return _Computed(packed, nd, agg_of, aggregates)


def _shared_pairs(src: _Side, dst: _Side, same: bool) -> list[tuple[int, int]]:
    """(source index, destination index) of the distinct endpoints that share a placement, sorted.

    ``same``: both sides have the same endpoints. The placement ids are the sides' (`_Side._rows`),
    numbered by a dict (the first position of each among the destinations') and joined in arrays:
    tens of thousands of placements, nearly all held by one endpoint."""
    d_counts, d_ids, d_unique = dst._rows(dst.endpoints)
    if same and len(d_unique) == len(d_ids):
        return []  # no placement held twice
    s_counts, s_ids, _ = (d_counts, d_ids, d_unique) if same else src._rows(src.endpoints)
    number: dict[str, int] = {}
    d_num = np.array(list(map(number.setdefault, d_ids, range(len(d_ids)))), dtype=np.int64)
    s_num = np.array(list(map(number.get, s_ids, [-1] * len(s_ids))), dtype=np.int64)
    s_own = np.repeat(np.arange(len(s_counts), dtype=np.int64), s_counts)
    d_own = np.repeat(np.arange(len(d_counts), dtype=np.int64), d_counts)
    keep = s_num >= 0
    s_num, s_own = s_num[keep], s_own[keep]
    by_num = np.argsort(d_num, kind="stable")
    d_sorted = d_num[by_num]
    lo = np.searchsorted(d_sorted, s_num, side="left")
    j, (i,) = _spread(np.searchsorted(d_sorted, s_num, side="right") - lo, lo, d_own[by_num], [s_own])
    nd = max(1, len(dst.endpoints))
    if same:
        self_j = np.arange(len(s_counts), dtype=np.int64)
    else:
        index_of = dict(zip(map(_SELECTOR, dst.endpoints), range(len(dst.endpoints)), strict=True))
        self_j = np.array(
            list(map(index_of.get, map(_SELECTOR, src.endpoints), [-1] * len(src.endpoints))), dtype=np.int64
        )
    keys = (i * nd + j)[j != self_j[i]]
    keys.sort()
    keys = keys[_runs_of(keys)]
    return list(zip((keys // nd).tolist(), (keys % nd).tolist(), strict=True))


# ---- public entry points ----------------------------------------------------------------------------


class MatrixResult:
    """A computed matrix: the endpoint pairs with some flow and their traffic; rows and flows are
    produced on demand, in sorted order (source selector, destination selector, protocol, port)."""

    def __init__(self, sources: list[Endpoint], destinations: list[Endpoint], computed: _Computed) -> None:
        self.sources = sources
        self.destinations = destinations
        self._computed = computed
        self.pair_count = len(computed.key)
        self._row_templates: list[list[tuple[str, str, RowVerdict]] | None] = [None] * len(
            computed.aggregates
        )
        self._flow_templates: list[list[tuple[str, str]] | None] = [None] * len(computed.aggregates)

    def _triples(self) -> Iterator[tuple[int, int, int]]:
        """(source index, destination index, aggregate index) of every pair, converted to Python
        ints a slice at a time (the whole matrix as lists of ints would be large)."""
        c = self._computed
        step = 1 << 16
        for a in range(0, len(c.key), step):
            keys = c.key[a : a + step]
            yield from zip(
                (keys // c.n_dst).tolist(),
                (keys % c.n_dst).tolist(),
                c.agg[a : a + step].tolist(),
                strict=True,
            )

    def iter_pairs(self) -> Iterator[PairTraffic]:
        """Every endpoint pair with some flow: (every, some, unknown) traffic."""
        ssel = [e.selector for e in self.sources]
        dsel = [e.selector for e in self.destinations]
        aggs = self._computed.aggregates
        for i, j, a in self._triples():
            agg = aggs[a]
            yield PairTraffic(ssel[i], dsel[j], agg.every, agg.some, agg.unknown)

    def iter_rows(self) -> Iterator[MatrixRow]:
        """The text/CSV rows: reachable, partial and unknown flows, each with its verdict."""
        return map(MatrixRow._make, self.iter_row_tuples())

    def iter_row_tuples(self) -> Iterator[tuple[str, str, str, str, RowVerdict]]:
        """`iter_rows` as plain tuples (source, destination, protocol, ports, verdict): what the
        writers need, without a named tuple per row."""
        templates = self._row_templates
        aggs = self._computed.aggregates
        ssel = [e.selector for e in self.sources]
        dsel = [e.selector for e in self.destinations]
        for i, j, a in self._triples():
            t = templates[a]
            if t is None:
                t = templates[a] = row_entries(*aggs[a])
            s, d = ssel[i], dsel[j]
            for pr, po, v in t:
                yield s, d, pr, po, v

    def iter_flows(self) -> Iterator[tuple[str, str, str, str]]:
        """The DESIGN.md section 6 flows, as (source, destination, protocol, ports)."""
        templates = self._flow_templates
        aggs = self._computed.aggregates
        ssel = [e.selector for e in self.sources]
        dsel = [e.selector for e in self.destinations]
        for i, j, a in self._triples():
            t = templates[a]
            if t is None:
                t = templates[a] = [
                    (e.protocol, e.ports) for e in sorted(aggs[a].some.matrix_entries(), key=_entry_key)
                ]
            s, d = ssel[i], dsel[j]
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
        computed = _compute(engine, srcs, dsts)
    finally:
        if enabled:
            gc.enable()
    return MatrixResult(srcs, dsts, computed)


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
