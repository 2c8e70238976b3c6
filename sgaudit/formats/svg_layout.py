"""Positions of the HTML report's network picture, computed in Python and drawn by the template.

Endpoints sit in tier columns (outside, edge, web, app, data, other) inside one horizontal band per VPC;
the pseudo-endpoints outside every VPC (internet, CIDR blocks, prefix lists) form the left column. A
large network would be an unreadable hairball and a slow page, so past :data:`NODE_LIMIT` endpoints any
band cell holding more than :data:`CELL_LIMIT` of them is drawn as one group box with counts, and the
flows between boxes are merged into one arrow each. Only numbers and our own class names are computed
here; every label stays a plain string for the template to escape.
"""

from __future__ import annotations

from collections import Counter
from operator import attrgetter

from pydantic import BaseModel, ConfigDict, Field

from sgaudit.findings import EndpointView
from sgaudit.formats.network import OUTSIDE, TIERS, Edge, Picture, tier_of

NODE_LIMIT = 60
"""Above this many endpoints, crowded cells are aggregated into group boxes."""

CELL_LIMIT = 5
"""Endpoints a (VPC, tier) cell shows one by one when the picture is aggregated."""

MAX_EDGES = 1500
"""Arrows drawn at most (the most important first); the matrix lists every flow."""

LABEL_EDGES = 40
"""Up to this many arrows, each carries its ports as a label; beyond, only failed intents do."""

NODE_W = 184
NODE_H = 42
V_GAP = 12
COL_GAP = 136
MARGIN = 24
HEADER_H = 34
LANE_PAD_TOP = 30
LANE_PAD_BOTTOM = 14
LANE_GAP = 16
LABEL_CHARS = 22
SUBLABEL_CHARS = 25
LOOP_ROOM = 56

TIER_TITLES: dict[str, str] = {
    OUTSIDE: "Outside VPCs",
    "edge": "Edge",
    "web": "Web",
    "app": "App",
    "data": "Data",
    "other": "Other",
}


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SvgNode(_Value):
    """A box: one endpoint, or a group of endpoints of one cell."""

    id: str
    x: int
    y: int
    label: str
    sublabel: str
    title: str
    kind: str
    tier: str = Field(description="the column: one of TIERS")
    selector: str | None
    count: int = 1
    exposed: bool = False

    @property
    def cx(self) -> int:
        """Horizontal centre."""
        return self.x + NODE_W // 2

    @property
    def cy(self) -> int:
        """Vertical centre."""
        return self.y + NODE_H // 2


class SvgEdge(_Value):
    """An arrow between two boxes."""

    path: str
    css: str
    title: str
    label: str | None = None
    label_x: int = 0
    label_y: int = 0

    @property
    def marker(self) -> str:
        """The id of the arrowhead marker matching the edge's class."""
        for kind in ("failed", "exposed", "partial"):
            if kind in self.css.split():
                return f"arr-{kind}"
        return "arr"


class SvgLane(_Value):
    """The band of one VPC (or of the endpoints in no VPC)."""

    title: str
    x: int
    y: int
    width: int
    height: int


class SvgColumn(_Value):
    """A tier column header."""

    title: str
    x: int

    @property
    def cx(self) -> int:
        """Horizontal centre of the column."""
        return self.x + NODE_W // 2


class SvgPicture(_Value):
    """Everything the template draws."""

    width: int
    height: int
    node_w: int = NODE_W
    node_h: int = NODE_H
    lanes: list[SvgLane]
    columns: list[SvgColumn]
    nodes: list[SvgNode]
    edges: list[SvgEdge]
    aggregated: bool
    endpoint_count: int
    edge_count: int
    edges_dropped: int


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def layout(picture: Picture) -> SvgPicture:
    """Place the picture's endpoints and route its edges."""
    endpoints = picture.endpoints
    aggregated = len(endpoints) > NODE_LIMIT
    tiers = [t for t in TIERS if any(tier_of(e) == t for e in endpoints)]
    col_x = {t: MARGIN + i * (NODE_W + COL_GAP) for i, t in enumerate(tiers)}
    inside_tiers = [t for t in tiers if t != OUTSIDE]

    # Cells: (lane, tier) -> endpoints, lanes sorted with "no VPC" last.
    cells: dict[tuple[str | None, str], list[EndpointView]] = {}
    outside: list[EndpointView] = []
    for e in endpoints:
        tier = tier_of(e)
        if tier == OUTSIDE:
            outside.append(e)
        else:
            cells.setdefault((e.vpc, tier), []).append(e)
    lanes_keys = sorted({lane for lane, _ in cells}, key=lambda v: (v is None, v or ""))

    nodes: list[SvgNode] = []
    node_of: dict[str, int] = {}  # selector -> position in nodes

    def place(members: list[EndpointView], tier: str, x: int, y0: int) -> int:
        """Place a cell's boxes from ``y0`` down; returns the height used."""
        crowded = aggregated and len(members) > CELL_LIMIT
        boxes: list[list[EndpointView]] = [members] if crowded else [[m] for m in members]
        y = y0
        for box in boxes:
            node_id = f"n{len(nodes)}"
            exposed = any(m.selector in picture.exposed for m in box)
            if len(box) == 1:
                m = box[0]
                title = m.label if m.label == m.selector else f"{m.label} ({m.selector})"
                nodes.append(
                    SvgNode(
                        id=node_id,
                        x=x,
                        y=y,
                        label=_short(m.label),
                        sublabel=_short(m.selector if m.selector != m.label else m.kind, SUBLABEL_CHARS),
                        title=title,
                        kind=m.kind,
                        tier=tier,
                        selector=m.selector,
                        exposed=exposed,
                    )
                )
            else:
                kinds = Counter(m.kind for m in box)
                mix = " · ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
                nodes.append(
                    SvgNode(
                        id=node_id,
                        x=x,
                        y=y,
                        label=f"{len(box)} endpoints",
                        sublabel=_short(mix, SUBLABEL_CHARS),
                        title=f"{len(box)} endpoints: {mix}",
                        kind="group",
                        tier=tier,
                        selector=None,
                        count=len(box),
                        exposed=exposed,
                    )
                )
            for m in box:
                node_of[m.selector] = len(nodes) - 1
            y += NODE_H + V_GAP
        return y - y0

    # Room on the right for the arrows that loop back into the last column.
    width = max(MARGIN * 2 + LOOP_ROOM + len(tiers) * NODE_W + max(0, len(tiers) - 1) * COL_GAP, 480)
    # VPC bands start right of the outside column, which is not in any VPC.
    lane_x = (col_x[inside_tiers[0]] if inside_tiers else MARGIN) - 12
    lanes: list[SvgLane] = []
    y = MARGIN + HEADER_H
    for lane in lanes_keys:
        top = y
        used = 0
        for tier in inside_tiers:
            members = cells.get((lane, tier), [])
            if members:
                used = max(used, place(members, tier, col_x[tier], top + LANE_PAD_TOP))
        height = LANE_PAD_TOP + used + LANE_PAD_BOTTOM - V_GAP
        title = lane or "No VPC / other selectors"
        lanes.append(SvgLane(title=title, x=lane_x, y=top, width=width - lane_x - 12, height=height))
        y = top + height + LANE_GAP
    bottom = y - LANE_GAP if lanes else y
    if outside:
        bottom = max(
            bottom, MARGIN + HEADER_H + place(outside, OUTSIDE, col_x[OUTSIDE], MARGIN + HEADER_H + 8) + 8
        )

    arrows = _arrows(picture, nodes, node_of)
    shown = arrows[:MAX_EDGES]
    labelled = len(shown) <= LABEL_EDGES
    ports = _ports([(nodes[a.source], nodes[a.destination]) for a in shown])
    svg_edges = [
        _route(nodes[a.source], nodes[a.destination], a, labelled, ports[i]) for i, a in enumerate(shown)
    ]
    return SvgPicture(
        width=width,
        height=bottom + MARGIN,
        lanes=lanes,
        columns=[SvgColumn(title=TIER_TITLES[t], x=col_x[t]) for t in tiers],
        nodes=nodes,
        edges=svg_edges,
        aggregated=aggregated,
        endpoint_count=len(endpoints),
        edge_count=len(arrows),
        edges_dropped=len(arrows) - len(shown),
    )


class _Arrow(_Value):
    """Every pair (or every failed intent) from one box to another, merged into one arrow."""

    source: int = Field(description="index of the source box")
    destination: int = Field(description="index of the destination box")
    services: list[str]
    count: int = Field(description="pairs of endpoints (or failed intents) it stands for")
    exposed: bool = False
    partial: bool = Field(default=False, description="no member is fully reachable")
    failed: list[str] = Field(default_factory=list, description="names of the failed intents")
    verdict: str = Field(default="reachable", description="verdict of the first failed intent")
    rank: tuple[int, int, int] = Field(description="priority, then drawing order")


def _arrows(picture: Picture, nodes: list[SvgNode], node_of: dict[str, int]) -> list[_Arrow]:
    """The picture's pairs merged per (source box, destination box), most important first.

    A large estate has millions of pairs between a hundred boxes: each source's pairs are counted per
    (destination box, label) with a small ``Counter`` fed by ``map`` (no Python loop per pair), summed
    per (source box and whether it is the internet, destination box, label), and only the few distinct
    combinations are looked at one by one. Flows inside one group box are left to the matrix; failed
    intents always get their own arrow.
    """
    endpoints = picture.endpoints
    box = [node_of[e.selector] for e in endpoints]
    code = [b * 2 + (e.kind == "internet") for b, e in zip(box, endpoints, strict=True)]
    dst, label = picture.dst, picture.label
    counts: Counter[tuple[int, int, int]] = Counter()
    for source, pairs in picture.sources():
        here = code[source]
        per_source = Counter(
            zip(
                map(box.__getitem__, dst[pairs.start : pairs.stop]),
                label[pairs.start : pairs.stop],
                strict=True,
            )
        )
        for (destination, kind), n in per_source.items():
            counts[(here, destination, kind)] += n
    merged: dict[tuple[int, int], tuple[int, set[int], bool]] = {}
    for (source_code, destination, label_id), n in counts.items():
        source, exposed = divmod(source_code, 2)
        if source == destination:
            continue  # flows inside one box: the matrix lists them
        total, labels, any_exposed = merged.get((source, destination), (0, set(), False))
        labels.add(label_id)
        merged[(source, destination)] = (total + n, labels, any_exposed or bool(exposed))
    tiers = [TIERS.index(n.tier) for n in nodes]
    data, edge, web = TIERS.index("data"), TIERS.index("edge"), TIERS.index("web")
    out: list[_Arrow] = []
    for (source, destination), (total, labels, exposed) in merged.items():
        members = [picture.labels[i] for i in sorted(labels)]
        priority = (
            1 if exposed else 2 if tiers[destination] == data else 3 if tiers[source] in {edge, web} else 4
        )
        out.append(
            _Arrow(
                source=source,
                destination=destination,
                services=sorted({s for m in members for s in m.services}),
                count=total,
                exposed=exposed,
                partial=all(m.verdict != "reachable" for m in members),
                rank=(priority, source, destination),
            )
        )
    failed: dict[tuple[int, int], list[tuple[int, Edge]]] = {}
    for i, intent in enumerate(picture.intents):
        failed.setdefault((node_of[intent.source], node_of[intent.destination]), []).append((i, intent))
    for (source, destination), intents in failed.items():
        out.append(
            _Arrow(
                source=source,
                destination=destination,
                services=sorted({s for _, e in intents for s in e.services}),
                count=len(intents),
                failed=sorted({e.failed_intent or "" for _, e in intents}),
                verdict=intents[0][1].verdict,
                rank=(0, intents[0][0], 0),
            )
        )
    return sorted(out, key=attrgetter("rank"))


def _forward(src: SvgNode, dst: SvgNode) -> bool:
    return dst.x > src.x


def _ports(pairs: list[tuple[SvgNode, SvgNode]]) -> list[tuple[int, int]]:
    """The y where each arrow leaves its source and enters its destination.

    Arrows leave from the right side of a box; forward arrows enter the left side of the next box,
    same-column and backward ones its right side. The arrows meeting one side are spread evenly over
    it, ordered by the height of their other end, so they neither stack nor cross near the box.
    """
    sides: dict[tuple[str, str], list[tuple[int, int, int]]] = {}  # (node, side) -> (other y, edge, end)
    for i, (src, dst) in enumerate(pairs):
        sides.setdefault((src.id, "R"), []).append((dst.cy, i, 0))
        sides.setdefault((dst.id, "L" if _forward(src, dst) else "R"), []).append((src.cy, i, 1))
    ys = [[0, 0] for _ in pairs]
    tops = {n.id: n.y for pair in pairs for n in pair}
    for (node_id, _side), ends in sides.items():
        ends.sort()
        step = NODE_H / (len(ends) + 1)
        for slot, (_, edge, end) in enumerate(ends):
            ys[edge][end] = tops[node_id] + round(step * (slot + 1))
    return [(a, b) for a, b in ys]


def _bezier(p: list[tuple[int, int]], t: float) -> tuple[int, int]:
    u = 1 - t
    x = u**3 * p[0][0] + 3 * u * u * t * p[1][0] + 3 * u * t * t * p[2][0] + t**3 * p[3][0]
    y = u**3 * p[0][1] + 3 * u * u * t * p[1][1] + 3 * u * t * t * p[2][1] + t**3 * p[3][1]
    return round(x), round(y)


def _route(src: SvgNode, dst: SvgNode, arrow: _Arrow, labelled: bool, ports: tuple[int, int]) -> SvgEdge:
    failed = arrow.failed
    if failed:
        css = "edge failed"
    elif arrow.exposed:
        css = "edge exposed"
    elif arrow.partial:
        css = "edge partial"
    else:
        css = "edge"
    services = arrow.services
    shown = ", ".join(services[:4]) + (f" +{len(services) - 4}" if len(services) > 4 else "")
    if failed:
        names = ", ".join(failed)
        title = f"FAILED intent {names}: {src.title} → {dst.title} {shown} ({arrow.verdict})"
        label: str | None = f"✗ {arrow.verdict}"
    else:
        count = f" ({arrow.count} flows)" if arrow.count > 1 else ""
        title = f"{src.title} → {dst.title}: {shown}{count}"
        label = shown if labelled and len(services) <= 2 else None
    y1, y2 = ports
    x1 = src.x + NODE_W
    if _forward(src, dst):
        x2 = dst.x - 4
        bend = max(30, (x2 - x1) // 2)
        points = [(x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2)]
    else:
        # Same column or backwards: loop out of the right side and back into the right side.
        x2 = dst.x + NODE_W + 4
        reach = 46 + abs(y2 - y1) // 6
        points = [(x1, y1), (max(x1, x2) + reach, y1), (max(x1, x2) + reach, y2), (x2, y2)]
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
    path = f"M{ax},{ay} C{bx},{by} {cx},{cy} {dx},{dy}"
    # Labels sit on the curve, nearer the source (arrows converge at their target); a loop back into
    # its own column has no free room for one, its tooltip says it.
    lx, ly = _bezier(points, 0.42)
    if not _forward(src, dst) and not failed:
        label = None
    return SvgEdge(path=path, css=css, title=title, label=label, label_x=lx, label_y=ly - 4)
