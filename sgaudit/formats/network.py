"""The network picture shared by the Markdown chart and the HTML report.

It completes ``ctx.network`` (a flow or an intent may name a selector the endpoint list lacks, such as
``internet`` or ``cidr:10.0.0.0/8``), merges the flows between one pair of endpoints into one pair, marks
exposure from the internet and the intents that failed, and picks the pairs that matter most (failed
intents, internet exposure and the paths behind it into the data tier) for views that cannot show them all.

Scale: a large estate has hundreds of thousands of flows (3.6 million at 20,000 interfaces), so the
merged pairs are integer columns (source index, destination index and, worked out on first use, label
index) sorted by source then destination, and the services of a pair are one of a few dozen distinct
:class:`PairLabel` values. Nothing here builds an object per flow or per pair: the flows are read one
source at a time (a check run's matrix is sorted, so a source's flows are one run of positions), the
per-flow work is ``map`` over C callables into small per-source dictionaries, and Python loops run per
source or per pair with several flows. :meth:`Picture.edge` materialises the few pairs a view actually
draws, and :func:`key_edges` is linear in the endpoints (plus its budget), never quadratic.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property, reduce
from itertools import chain, compress, count, islice, repeat
from operator import attrgetter, gt, itemgetter, lshift, ne, or_, sub

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from sgaudit.findings import EndpointView, NetworkView, ReportContext, Verdict

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
    _network: NetworkView = PrivateAttr(default_factory=NetworkView)
    _flows_of: list[tuple[int, Sequence[int]]] = PrivateAttr(default_factory=list)
    _destination: list[int] = PrivateAttr(default_factory=list)
    _by_source: list[tuple[int, range]] = PrivateAttr(default_factory=list)

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

    def sources(self) -> list[tuple[int, range]]:
        """(endpoint, positions of its pairs) for every endpoint with pairs, by endpoint index."""
        return self._by_source

    def out_range(self, source: int) -> range:
        """Positions of the pairs from endpoint ``source`` (pairs are sorted by source)."""
        return range(bisect_left(self.src, source), bisect_left(self.src, source + 1))

    def pair_label(self, pair: int) -> PairLabel:
        """The services and verdict of pair ``pair``, without working out every other pair's."""
        if "_columns" in self.__dict__:
            return self.labels[self.label[pair]]
        source, destination = self.src[pair], self.dst[pair]
        flows = self._flows_of[bisect_left(self._flows_of, source, key=itemgetter(0))][1]
        ends = self._destination  # private attributes are slow to read: once
        return _pair_label(_service_at(self._network, f) for f in flows if ends[f] == destination)

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
        """Every pair's label, one source at a time: each flow's service is a small integer (its index
        among the distinct services, found by ``map`` over C callables), and a source's pairs take the
        service of their flows through one small dictionary. Python loops only visit the pairs with
        several flows (and every flow of a source whose pairs' flows are not consecutive)."""
        network, ends = self._network, self._destination  # private attributes are slow to read
        # One pass over the services: each flow gets the position of the first flow with its service
        # (shared int objects), renumbered in the sorted order of the distinct services afterwards.
        seen: dict[tuple[str, str, str], int] = {}
        firsts = list(map(seen.setdefault, _services(network), count()))
        distinct = sorted(seen)
        rank = {seen[s]: i for i, s in enumerate(distinct)}
        kinds = list(map(rank.__getitem__, firsts))
        # Label k is the single service k, so a pair with one service needs no lookup of its own.
        labels = [_pair_label([d]) for d in distinct]
        label: list[int] = []
        # The pairs with several services, as three columns of integers (no object per pair for the
        # garbage collector to scan): where a second service joined, the pair, its services as bits.
        joined: list[int] = []
        mixed: list[int] = []
        masks: list[int] = []
        for _, flows in self._flows_of:
            destinations = _pick(ends, flows)
            services = _pick(kinds, flows)
            kind_of = dict(zip(destinations, services, strict=True))
            first = len(label)
            pairs = self.dst[first : first + len(kind_of)]  # the source's destinations, ascending
            label.extend(map(kind_of.__getitem__, pairs))
            if len(kind_of) < len(destinations):
                for flow, destination, mask in _mixed(flows, destinations, services, len(kind_of)):
                    joined.append(flow)
                    mixed.append(first + bisect_left(pairs, destination))
                    masks.append(mask)
        # A combination of services gets its label index where a pair first shows it, in flow order
        # (as one pass over every flow would number them).
        combined: dict[int, int] = {}
        for i in sorted(range(len(joined)), key=joined.__getitem__):
            mask = masks[i]
            if mask not in combined:
                combined[mask] = len(labels)
                labels.append(_pair_label([distinct[m] for m in range(mask.bit_length()) if mask >> m & 1]))
            label[mixed[i]] = combined[mask]
        return labels, label


def _pick(values: list[int], flows: Sequence[int]) -> list[int]:
    """``values`` at the positions ``flows`` (a slice when they are a range)."""
    if isinstance(flows, range):
        return values[flows.start : flows.stop]
    return list(map(values.__getitem__, flows))


def _mixed(
    flows: Sequence[int], destinations: list[int], services: list[int], distinct: int
) -> list[tuple[int, int, int]]:
    """The destinations of one source's flows (``distinct`` of them) that carry more than one service:
    (position of the first flow whose service differs from the destination's first, destination, its
    services as a bit mask: bit ``k`` for service ``k``)."""
    out: list[tuple[int, int, int]] = []
    starts = list(compress(count(), map(ne, destinations, chain((None,), destinations))))
    if len(starts) == distinct:
        # Each destination's flows are consecutive (a sorted matrix): only the runs of several flows
        # are looked at, found in C.
        stops = [*islice(starts, 1, None), len(destinations)]
        several = map(gt, map(sub, stops, starts), repeat(1))
        for start, stop in compress(zip(starts, stops, strict=True), several):
            mask = reduce(or_, map(lshift, repeat(1), services[start:stop]))
            if mask & (mask - 1):
                head, differs = services[start], start + 1
                while services[differs] == head:
                    differs += 1
                out.append((flows[differs], destinations[start], mask))
        return out
    known: dict[int, int] = {}
    found: dict[int, tuple[int, int]] = {}
    for flow, destination, service in zip(flows, destinations, services, strict=True):
        before = known.setdefault(destination, service)
        if before != service:
            joined, mask = found.get(destination, (flow, 1 << before))
            found[destination] = (joined, mask | 1 << service)
    out.extend((flow, destination, mask) for destination, (flow, mask) in found.items())
    return out


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

    This reads every flow (millions on a large estate), so the per-flow work is ``map`` over C callables
    and small per-source dictionaries and sorts; Python loops run once per source. The Markdown and
    HTML renderers of one context share the picture: it is built once while the context lives.
    """
    key = id(ctx)
    hit = _recent.get(key)
    if hit is not None and hit[0]() is ctx:
        return hit[1]
    picture = _build_picture(ctx)
    # One context at a time (a run renders its formats one after the other), dropped with its context.
    _recent.clear()
    _recent[key] = (weakref.ref(ctx, lambda _: _recent.pop(key, None)), picture)
    return picture


_recent: dict[int, tuple[weakref.ref[ReportContext], Picture]] = {}
"""id of the last context pictured -> (that context, its picture)."""


def _build_picture(ctx: ReportContext) -> Picture:
    network = ctx.network
    endpoints: dict[str, EndpointView] = {e.selector: e for e in network.endpoints}
    failed = [i for i in ctx.report.intents if not i.ok]
    sources = list(_column(network, "source", 0))
    named = {*sources, *_column(network, "destination", 1)}
    named.update(s for i in failed for s in (i.from_, i.to))
    for selector in sorted(named - endpoints.keys()):
        endpoints[selector] = _pseudo_endpoint(selector)
    ordered = sorted(
        endpoints.values(), key=lambda e: (TIERS.index(tier_of(e)), e.vpc or "", e.label, e.selector)
    )
    index = {e.selector: i for i, e in enumerate(ordered)}
    # Per flow, the index of its destination: the same int objects as ``index`` holds, so millions of
    # flows allocate no integer of their own.
    ends = list(map(index.__getitem__, _column(network, "destination", 1)))
    flows_of = _flows_by_source(sources, index)
    src: list[int] = []
    dst: list[int] = []
    by_source: list[tuple[int, range]] = []
    exposed: set[str] = set()
    for source, flows in flows_of:
        destinations = sorted(set(_pick(ends, flows)))
        by_source.append((source, range(len(dst), len(dst) + len(destinations))))
        src.extend(repeat(source, len(destinations)))
        dst.extend(destinations)
        if ordered[source].kind == "internet":
            exposed.update(ordered[d].selector for d in destinations)
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
    # The columns come from validated flows and hold only integers: validating millions of them again
    # would cost more than the whole merge.
    picture = Picture.model_construct(
        endpoints=ordered, src=src, dst=dst, intents=intents, exposed=frozenset(exposed)
    )
    picture._network = network
    picture._flows_of = flows_of
    picture._destination = ends
    picture._by_source = by_source
    return picture


def _flows_by_source(sources: list[str], index: dict[str, int]) -> list[tuple[int, Sequence[int]]]:
    """(source index, positions of its flows, ascending) for every source, by source index.

    A check run's matrix is sorted, so each source's flows are one run of positions (found in C);
    flows in any other order are grouped by one Python pass.
    """
    if not sources:
        return []
    starts = list(compress(count(), map(ne, sources, chain((None,), sources))))
    if len(set(map(sources.__getitem__, starts))) == len(starts):
        ends = [*islice(starts, 1, None), len(sources)]
        runs: list[tuple[int, Sequence[int]]] = [
            (index[sources[a]], range(a, b)) for a, b in zip(starts, ends, strict=True)
        ]
    else:
        grouped: dict[str, list[int]] = {}
        for position, selector in enumerate(sources):
            grouped.setdefault(selector, []).append(position)
        runs = [(index[selector], positions) for selector, positions in grouped.items()]
    return sorted(runs, key=itemgetter(0))


def _column(network: NetworkView, name: str, position: int) -> Iterator[str]:
    """One field of every flow (``name`` of a :class:`FlowView`, item ``position`` of a matrix row), in
    flow order: ``network.flows``, then ``network.rows``."""
    return chain(map(attrgetter(name), network.flows), map(itemgetter(position), network.rows))


def _services(network: NetworkView) -> Iterator[tuple[str, str, str]]:
    """Every flow's (protocol, ports, verdict), in flow order; matrix rows are all reachable."""
    rows = network.rows
    return chain(
        map(attrgetter("protocol", "ports", "verdict"), network.flows),
        zip(map(itemgetter(2), rows), map(itemgetter(3), rows), repeat("reachable")),
    )


def _service_at(network: NetworkView, position: int) -> tuple[str, str, str]:
    """The (protocol, ports, verdict) of flow ``position``, as :func:`_services` lists it."""
    flows = network.flows
    if position < len(flows):
        flow = flows[position]
        return flow.protocol, flow.ports, flow.verdict
    row = network.rows[position - len(flows)]
    return row[2], row[3], "reachable"


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
