"""The network picture shared by the Markdown chart and the HTML report.

It completes ``ctx.network`` (a flow or an intent may name a selector the endpoint list lacks, such as
``internet`` or ``cidr:10.0.0.0/8``), merges the flows between one pair of endpoints into one pair, marks
exposure from the internet and the intents that failed, and picks the pairs that matter most (failed
intents, internet exposure and the paths behind it into the data tier) for views that cannot show them all.

Scale: a large estate has hundreds of thousands of flows (3.6 million at 20,000 interfaces), so the
merged pairs are integer columns (source index, destination index and, worked out on first use, label
index) sorted by source then destination, and the services of a pair are one of a few dozen distinct
:class:`PairLabel` values. Nothing here builds an object per flow or per pair, and the per-flow work is
``map`` over C callables; :meth:`Picture.edge` materialises the few pairs a view actually draws, and
:func:`key_edges` is linear in the endpoints (plus its budget), never quadratic.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cached_property
from itertools import chain, compress, count, islice, repeat
from operator import add, attrgetter, eq, floordiv, mod, mul

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from sgaudit.findings import EndpointView, FlowView, ReportContext, Verdict

OUTSIDE = "outside"
"""Pseudo tier of the endpoints outside every VPC: ``internet``, ``cidr:``, ``pl:``."""

TIERS: tuple[str, ...] = (OUTSIDE, "edge", "web", "app", "data", "other")
"""Columns of the picture, left to right."""

_OUTSIDE_KINDS = frozenset({"internet", "cidr", "pl"})

# How :func:`key_edges` walks from the internet inwards: how many services it follows behind each exposed
# endpoint, and how many databases behind each of those services, before it fills the rest by priority.
_FAN_OUT_SERVICES = 2
_FAN_OUT_DATA = 2


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Edge(_Value):
    """Every flow (or one failed intent) from one endpoint to another."""

    source: str
    destination: str
    services: list[str] = Field(description="protocol/ports of each flow, e.g. tcp/5432")
    verdict: Verdict = "reachable"
    exposed: bool = Field(default=False, description="the source is the internet")
    failed_intent: str | None = Field(default=None, description="name of the failed intent it stands for")
    expect: str | None = Field(default=None, description="what the failed intent expected")

    @property
    def label(self) -> str:
        """``tcp/443, tcp/80``: the services, at most three then a count."""
        return short_services(self.services)


class PairLabel(_Value):
    """The services and verdict of the flows between one pair of endpoints: one distinct combination,
    shared by every pair that has it (a large estate has a few dozen of them for 300,000 pairs)."""

    services: tuple[str, ...] = Field(description="sorted protocol/ports, e.g. tcp/443, tcp/80")
    verdict: Verdict = "reachable"

    @property
    def label(self) -> str:
        """``tcp/443, tcp/80``: at most three services then a count (chart labels)."""
        return short_services(self.services)

    @property
    def compact(self) -> str:
        """``tcp 80, 443; udp 53``: every service, ports grouped by protocol (matrix cells)."""
        return compact_services(self.services)


class Picture(_Value):
    """Endpoints (complete, sorted by tier, VPC and label) and every pair of them with flows between.

    Pair ``i`` runs from ``endpoints[src[i]]`` to ``endpoints[dst[i]]``; pairs are sorted by source index,
    then destination index. Failed intents are kept apart in ``intents``. The services of the pairs are
    worked out on first use: :attr:`labels` and :attr:`label` for all of them (the HTML matrix), or
    :meth:`pair_label` for a few (the Markdown chart, which then never reads most flows twice).
    """

    endpoints: list[EndpointView]
    src: list[int]
    dst: list[int]
    intents: list[Edge] = Field(description="one edge per failed intent, in intent order")
    exposed: frozenset[str] = Field(description="selectors reachable from the internet")
    _flows: Sequence[FlowView] = PrivateAttr(default=())
    _pair_of_flow: list[int] = PrivateAttr(default_factory=list)
    _pair_keys: list[int] = PrivateAttr(default_factory=list)
    _last: dict[int, int] = PrivateAttr(default_factory=dict)
    _runs: bool = PrivateAttr(default=True)

    @property
    def pair_count(self) -> int:
        """Pairs of endpoints with at least one allowed flow."""
        return len(self.src)

    @property
    def edge_count(self) -> int:
        """Pairs plus failed intents: every arrow a complete picture would draw."""
        return len(self.src) + len(self.intents)

    @cached_property
    def index(self) -> dict[str, int]:
        """Selector -> position in :attr:`endpoints`."""
        return {e.selector: i for i, e in enumerate(self.endpoints)}

    @cached_property
    def tier_index(self) -> list[int]:
        """Per endpoint, the position of its tier in :data:`TIERS` (ascending: endpoints sort by tier)."""
        return [TIERS.index(tier_of(e)) for e in self.endpoints]

    @property
    def labels(self) -> list[PairLabel]:
        """The distinct services-and-verdict combinations of the pairs."""
        return self._columns[0]

    @property
    def label(self) -> list[int]:
        """Per pair, its index in :attr:`labels`."""
        return self._columns[1]

    def out_range(self, source: int) -> range:
        """Positions of the pairs from endpoint ``source`` (pairs are sorted by source)."""
        return range(bisect_left(self.src, source), bisect_left(self.src, source + 1))

    def pair_label(self, pair: int) -> PairLabel:
        """The services and verdict of pair ``pair``, without working out every other pair's."""
        if "_columns" in self.__dict__ or not self._runs:
            return self.labels[self.label[pair]]
        key = self._pair_keys[pair]
        last = self._last[key]
        first = last
        pair_of_flow = self._pair_of_flow  # private attributes are slow to read: once
        while first > 0 and pair_of_flow[first - 1] == key:
            first -= 1
        flows = self._flows[first : last + 1]
        return _pair_label([(f.protocol, f.ports, f.verdict) for f in flows])

    def edge(self, pair: int) -> Edge:
        """Pair ``pair`` as an :class:`Edge` (only for the few pairs a view draws)."""
        source = self.endpoints[self.src[pair]]
        label = self.pair_label(pair)
        return Edge(
            source=source.selector,
            destination=self.endpoints[self.dst[pair]].selector,
            services=list(label.services),
            verdict=label.verdict,
            exposed=source.kind == "internet",
        )

    @cached_property
    def _columns(self) -> tuple[list[PairLabel], list[int]]:
        """Every pair's label, reading each flow's (protocol, ports, verdict) once, with ``map`` over C
        callables only; Python loops only visit the flows of the few pairs that carry more than one."""
        pairs, pair_keys = self._pair_of_flow, self._pair_keys  # private attributes are slow to read
        service_of_flow = list(map(attrgetter("protocol", "ports", "verdict"), self._flows))
        distinct = sorted(set(service_of_flow))
        service_ids = {s: i for i, s in enumerate(distinct)}
        kinds = list(map(service_ids.__getitem__, service_of_flow))
        kind_of_pair = dict(zip(pairs, kinds, strict=True))  # the last one, for pairs with several
        # Label k is the single service k, so a pair with one service needs no lookup of its own.
        labels = [_pair_label([d]) for d in distinct]
        label = list(map(kind_of_pair.__getitem__, pair_keys))
        if len(kind_of_pair) != len(pairs):
            combined: dict[frozenset[int], int] = {}
            for pair, members in _several(pairs, kinds, len(pairs) - len(kind_of_pair)).items():
                if len(members) > 1:
                    key = frozenset(members)
                    if key not in combined:
                        combined[key] = len(labels)
                        labels.append(_pair_label([distinct[m] for m in sorted(key)]))
                    label[bisect_left(pair_keys, pair)] = combined[key]
        return labels, label


def tier_of(endpoint: EndpointView) -> str:
    """The picture column of an endpoint: ``outside`` for pseudo-endpoints, else its tier."""
    if endpoint.kind in _OUTSIDE_KINDS:
        return OUTSIDE
    return endpoint.tier if endpoint.tier in TIERS else "other"


def is_outside(endpoint: EndpointView) -> bool:
    """True for ``internet``, ``cidr:`` and ``pl:`` pseudo-endpoints."""
    return tier_of(endpoint) == OUTSIDE


def service_of(protocol: str, ports: str) -> str:
    """``tcp/5432``; ``all`` traffic reads as such."""
    if protocol in {"all", "-1"}:
        return "all traffic"
    return f"{protocol}/{ports}"


def short_services(services: Sequence[str]) -> str:
    """``tcp/443, tcp/80``: at most three services, then ``+N``."""
    shown = ", ".join(services[:3])
    return shown + (f" +{len(services) - 3}" if len(services) > 3 else "")


def _port_key(ports: str) -> tuple[int, str]:
    head = ports.split("-", 1)[0]
    return (int(head), ports) if head.isdigit() else (-1, ports)


def compact_services(services: Iterable[str]) -> str:
    """``all traffic; tcp 80, 443, 1024-65535; udp 53``: ports grouped under their protocol, in numeric
    order, protocols in alphabetical order."""
    by_protocol: dict[str, list[str]] = {}
    whole: list[str] = []
    for service in services:
        protocol, sep, ports = service.partition("/")
        if sep:
            by_protocol.setdefault(protocol, []).append(ports)
        else:
            whole.append(service)
    parts = sorted(whole)
    parts.extend(
        f"{protocol} {', '.join(sorted(ports, key=_port_key))}"
        for protocol, ports in sorted(by_protocol.items())
    )
    return "; ".join(parts)


def _pseudo_endpoint(selector: str) -> EndpointView:
    """An endpoint the network view does not list, built from its selector alone."""
    if selector == "internet":
        return EndpointView(selector=selector, label="Internet", kind="internet", tier="edge", public=True)
    kind = selector.split(":", 1)[0] if ":" in selector else "other"
    return EndpointView(selector=selector, label=selector, kind=kind, tier="other")


def _merged_verdict(verdicts: set[str]) -> Verdict:
    """A pair is reachable when any of its flows is; otherwise the first verdict alphabetically, as the
    flows of one pair all name the same two endpoints."""
    chosen = "reachable" if "reachable" in verdicts else sorted(verdicts)[0]
    return chosen  # type: ignore[return-value]  # only Verdict values reach this set


def _pair_label(services: Iterable[tuple[str, str, str]]) -> PairLabel:
    """The label of the flows of one pair, from their (protocol, ports, verdict)."""
    members = list(services)
    return PairLabel(
        services=tuple(sorted({service_of(protocol, ports) for protocol, ports, _ in members})),
        verdict=_merged_verdict({verdict for _, _, verdict in members}),
    )


def build_picture(ctx: ReportContext) -> Picture:
    """The completed, merged picture of ``ctx.network`` with the failed intents added.

    This runs once per flow (millions on a large estate), so the per-flow work is ``map`` over C
    callables: a pair is the integer ``source * n + destination`` of its endpoints' indices.
    """
    flows = ctx.network.flows
    endpoints: dict[str, EndpointView] = {e.selector: e for e in ctx.network.endpoints}
    failed = [i for i in ctx.report.intents if not i.ok]
    sources = list(map(attrgetter("source"), flows))
    destinations = list(map(attrgetter("destination"), flows))
    named = {*sources, *destinations, *(s for i in failed for s in (i.from_, i.to))}
    for selector in sorted(named - endpoints.keys()):
        endpoints[selector] = _pseudo_endpoint(selector)
    ordered = sorted(
        endpoints.values(), key=lambda e: (TIERS.index(tier_of(e)), e.vpc or "", e.label, e.selector)
    )
    index = {e.selector: i for i, e in enumerate(ordered)}
    n = len(ordered)
    pair_of_flow = list(
        map(add, map(mul, map(index.__getitem__, sources), repeat(n)), map(index.__getitem__, destinations))
    )
    # Pair -> position of its last flow: the distinct pairs, and where pair_label finds their flows.
    last = dict(zip(pair_of_flow, count(), strict=False))
    pair_keys = sorted(last)
    src = list(map(floordiv, pair_keys, repeat(n)))
    dst = list(map(mod, pair_keys, repeat(n)))
    intents = [
        Edge(
            source=intent.from_,
            destination=intent.to,
            services=[f"{intent.protocol}/{intent.port}" if intent.port is not None else intent.protocol],
            verdict=intent.verdict,
            failed_intent=intent.name,
            expect=intent.expect,
        )
        for intent in failed
    ]
    exposed = frozenset(
        ordered[dst[p]].selector
        for i, e in enumerate(ordered)
        if e.kind == "internet"
        for p in range(bisect_left(src, i), bisect_left(src, i + 1))
    )
    # The columns come from validated flows and hold only integers: validating 2 x 300,000 of them
    # again would cost more than the whole merge.
    picture = Picture.model_construct(endpoints=ordered, src=src, dst=dst, intents=intents, exposed=exposed)
    picture._flows = flows
    picture._pair_of_flow = pair_of_flow
    picture._pair_keys = pair_keys
    picture._last = last
    picture._runs = _repeats(pair_of_flow) == len(pair_of_flow) - len(pair_keys)
    return picture


def _repeats(pairs: list[int]) -> int:
    """How many flows belong to the same pair as the flow before them (counted in C)."""
    return sum(map(eq, islice(pairs, 1, None), pairs))


def _several(pairs: list[int], kinds: list[int], extra: int) -> dict[int, set[int]]:
    """The services of every pair that has more than one flow; ``extra`` is how many flows are not the
    first of their pair.

    The engine lists the flows of one pair together, and then the repeats are exactly the positions
    equal to their predecessor (found in C); otherwise one Python pass over every flow.
    """
    repeats = list(compress(count(1), map(eq, islice(pairs, 1, None), pairs)))
    out: dict[int, set[int]] = {}
    if len(repeats) == extra:
        for i in repeats:
            out.setdefault(pairs[i], {kinds[i - 1]}).add(kinds[i])
        return out
    seen: dict[int, int] = {}
    for pair, kind in zip(pairs, kinds, strict=True):
        known = seen.setdefault(pair, kind)
        if known != kind:
            out.setdefault(pair, {known}).add(kind)
    return out


def edge_priority(edge: Edge, endpoints: dict[str, EndpointView]) -> int:
    """0 = failed intent, 1 = from outside, 2 = into the data tier, 3 = from the edge tier, 4 = other."""
    if edge.failed_intent is not None:
        return 0
    if edge.exposed:
        return 1
    if tier_of(endpoints[edge.destination]) == "data":
        return 2
    if tier_of(endpoints[edge.source]) in {"edge", "web"}:
        return 3
    return 4


def key_edges(picture: Picture, max_edges: int, max_nodes: int) -> list[Edge]:
    """The edges that matter most, at most ``max_edges`` of them between at most ``max_nodes``
    endpoints, in :func:`edge_priority` order (ties by source, then destination selector).

    The walk: every failed intent; then, for up to half of the budget, the internet's flows (load
    balancers first, then databases, then the rest); behind each exposed endpoint a few services and
    behind those a few databases (internet -> load balancer -> service -> database); then the rest by
    priority (into the data tier, from the edge and web tiers, anything). Once the endpoints are used
    up, only pairs between endpoints already shown can join. Each step reads the pairs of the endpoints
    it has reached, or one bisect per source for the data tier (a contiguous block of indices), so the
    cost grows with the size of the estate, never with its square.
    """
    chooser = _Chooser(picture, max_edges, max_nodes)
    for intent in picture.intents:
        chooser.take_intent(intent)
    chooser.walk_from_the_internet()
    chooser.fill()
    chooser.close()
    return chooser.edges()


class _Chooser:
    """The state of :func:`key_edges`: pairs taken so far and the endpoints they touch."""

    def __init__(self, picture: Picture, max_edges: int, max_nodes: int) -> None:
        self.picture = picture
        self.max_edges = max_edges
        self.max_nodes = max_nodes
        self.tiers = picture.tier_index
        self.data_tier = TIERS.index("data")
        self.data_start = bisect_left(self.tiers, self.data_tier)
        self.data_end = bisect_left(self.tiers, self.data_tier + 1)
        self.pairs: list[int] = []
        self.taken: set[int] = set()
        self.intents: list[Edge] = []
        self.nodes: set[int] = set()

    @property
    def count(self) -> int:
        return len(self.pairs) + len(self.intents)

    @property
    def crowded(self) -> bool:
        """No room for a pair that brings two new endpoints: from now on only pairs between shown ones."""
        return self.count >= self.max_edges or len(self.nodes) >= self.max_nodes - 1

    def _fits(self, ends: set[int], limit: int) -> bool:
        return self.count < min(limit, self.max_edges) and len(self.nodes | ends) <= self.max_nodes

    def take_intent(self, intent: Edge) -> None:
        ends = {self.picture.index[intent.source], self.picture.index[intent.destination]}
        if self._fits(ends, self.max_edges):
            self.intents.append(intent)
            self.nodes |= ends

    def take(self, pair: int, limit: int | None = None) -> bool:
        """Add pair ``pair`` if it is new and fits under ``limit`` edges and the endpoint budget."""
        if pair in self.taken:
            return False
        ends = {self.picture.src[pair], self.picture.dst[pair]}
        if not self._fits(ends, self.max_edges if limit is None else limit):
            return False
        self.taken.add(pair)
        self.pairs.append(pair)
        self.nodes |= ends
        return True

    def _into_data(self, source: int) -> range:
        """The pairs from ``source`` into the data tier (a slice of its pairs, sorted by destination)."""
        pairs = self.picture.out_range(source)
        lo = bisect_left(self.picture.dst, self.data_start, pairs.start, pairs.stop)
        return range(lo, bisect_left(self.picture.dst, self.data_end, lo, pairs.stop))

    def _deeper(self, source: int) -> range:
        """The pairs from ``source`` to the tiers after its own and before the data tier (its services)."""
        pairs = self.picture.out_range(source)
        tier = max(self.tiers[source], TIERS.index("edge"))
        lo = bisect_left(self.picture.dst, bisect_left(self.tiers, tier + 1), pairs.start, pairs.stop)
        return range(lo, bisect_left(self.picture.dst, self.data_start, lo, pairs.stop))

    def walk_from_the_internet(self) -> None:
        """Internet -> exposed endpoint -> service -> database, a third of the budget for each step."""
        picture, tiers = self.picture, self.tiers
        # Exposure, round robin over (databases, load balancers, the rest) x VPC, so a few hundred
        # exposed load balancers in one VPC hide neither an exposed database nor the other VPCs.
        exposure: list[tuple[int, int, str, int]] = []
        seen: Counter[tuple[int, str]] = Counter()
        for source, origin in enumerate(picture.endpoints):
            if origin.kind != "internet":
                continue
            for p in picture.out_range(source):
                dest = picture.endpoints[picture.dst[p]]
                kind = 0 if tiers[picture.dst[p]] == self.data_tier else 1 if dest.kind == "elb" else 2
                group = (kind, dest.vpc or "")
                exposure.append((seen[group], kind, group[1], p))
                seen[group] += 1
        exposure.sort()
        limit = max(self.count + 1, self.max_edges // 3)
        reached = [picture.dst[p] for *_, p in exposure if not self.crowded and self.take(p, limit)]
        limit = max(self.count + 1, self.max_edges * 2 // 3)
        services: list[int] = []
        for endpoint in reached:
            for p in self._deeper(endpoint)[:_FAN_OUT_SERVICES]:
                if not self.crowded and self.take(p, limit):
                    services.append(picture.dst[p])
        for endpoint in [*reached, *services]:
            for p in self._into_data(endpoint)[:_FAN_OUT_DATA]:
                if not self.crowded:
                    self.take(p)

    def fill(self) -> None:
        """The rest by priority, until the edge or endpoint budget runs out."""
        picture, tiers = self.picture, self.tiers
        edge_start = bisect_left(tiers, TIERS.index("edge"))
        web_end = bisect_left(tiers, TIERS.index("app"))
        everything = range(len(picture.endpoints))
        # Each candidate is either taken or was taken before, so this stops after at most three times
        # the edge budget, plus one bisect per source.
        candidates = chain(
            (p for s in everything for p in self._into_data(s)),
            (p for s in range(edge_start, web_end) for p in picture.out_range(s)),
            (p for s in everything for p in picture.out_range(s)),
        )
        for p in candidates:
            if self.crowded:
                return
            self.take(p)

    def close(self) -> None:
        """Pairs between endpoints already shown, while edges remain (one bisect per ordered couple)."""
        picture = self.picture
        shown = sorted(self.nodes)
        for source in shown:
            pairs = picture.out_range(source)
            for dest in shown:
                if self.count >= self.max_edges:
                    return
                p = bisect_left(picture.dst, dest, pairs.start, pairs.stop)
                if p < pairs.stop and picture.dst[p] == dest:
                    self.take(p)

    def edges(self) -> list[Edge]:
        """Failed intents first, then the chosen pairs by priority and selector."""
        picture = self.picture
        by_selector = {picture.endpoints[i].selector: picture.endpoints[i] for i in self.nodes}
        chosen = [picture.edge(p) for p in self.pairs]
        chosen.sort(key=lambda e: (edge_priority(e, by_selector), e.source, e.destination))
        return self.intents + chosen
