"""The network picture shared by the Markdown chart and the HTML report.

It completes ``ctx.network`` (a flow or an intent may name a selector the endpoint list lacks, such as
``internet`` or ``cidr:10.0.0.0/8``), merges the flows between one pair of endpoints into one edge, marks
exposure from the internet and the intents that failed, and ranks edges by how much they matter (failed
intents and internet exposure first, then paths into the data tier, then the rest) for views that cannot
show them all.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sgaudit.findings import EndpointView, FlowView, ReportContext, Verdict

OUTSIDE = "outside"
"""Pseudo tier of the endpoints outside every VPC: ``internet``, ``cidr:``, ``pl:``."""

TIERS: tuple[str, ...] = (OUTSIDE, "edge", "web", "app", "data", "other")
"""Columns of the picture, left to right."""

_OUTSIDE_KINDS = frozenset({"internet", "cidr", "pl"})


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Edge(_Value):
    """Every flow (or failed intent) from one endpoint to another."""

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
        shown = ", ".join(self.services[:3])
        return shown + (f" +{len(self.services) - 3}" if len(self.services) > 3 else "")


class Picture(_Value):
    """Endpoints (complete, sorted) and merged edges (flows first, then failed intents)."""

    endpoints: list[EndpointView]
    edges: list[Edge]
    exposed: frozenset[str] = Field(description="selectors reachable from the internet")


def tier_of(endpoint: EndpointView) -> str:
    """The picture column of an endpoint: ``outside`` for pseudo-endpoints, else its tier."""
    if endpoint.kind in _OUTSIDE_KINDS:
        return OUTSIDE
    return endpoint.tier if endpoint.tier in TIERS else "other"


def is_outside(endpoint: EndpointView) -> bool:
    """True for ``internet``, ``cidr:`` and ``pl:`` pseudo-endpoints."""
    return tier_of(endpoint) == OUTSIDE


def services_of(flow: FlowView) -> str:
    """``tcp/5432``; ``all`` traffic reads as such."""
    if flow.protocol in {"all", "-1"}:
        return "all traffic"
    return f"{flow.protocol}/{flow.ports}"


def _pseudo_endpoint(selector: str) -> EndpointView:
    """An endpoint the network view does not list, built from its selector alone."""
    if selector == "internet":
        return EndpointView(selector=selector, label="Internet", kind="internet", tier="edge", public=True)
    kind = selector.split(":", 1)[0] if ":" in selector else "other"
    return EndpointView(selector=selector, label=selector, kind=kind, tier="other")


def build_picture(ctx: ReportContext) -> Picture:
    """The completed, merged picture of ``ctx.network`` with the failed intents added."""
    endpoints: dict[str, EndpointView] = {e.selector: e for e in ctx.network.endpoints}

    def known(selector: str) -> str:
        if selector not in endpoints:
            endpoints[selector] = _pseudo_endpoint(selector)
        return selector

    merged: dict[tuple[str, str], list[FlowView]] = {}
    for flow in ctx.network.flows:
        merged.setdefault((known(flow.source), known(flow.destination)), []).append(flow)

    edges: list[Edge] = []
    for (src, dst), flows in sorted(merged.items()):
        verdicts = {f.verdict for f in flows}
        verdict: Verdict = "reachable" if "reachable" in verdicts else sorted(verdicts)[0]
        edges.append(
            Edge(
                source=src,
                destination=dst,
                services=sorted({services_of(f) for f in flows}),
                verdict=verdict,
                exposed=endpoints[src].kind == "internet",
            )
        )
    for intent in ctx.report.intents:
        if intent.ok:
            continue
        port = f"{intent.protocol}/{intent.port}" if intent.port is not None else intent.protocol
        edges.append(
            Edge(
                source=known(intent.from_),
                destination=known(intent.to),
                services=[port],
                verdict=intent.verdict,
                failed_intent=intent.name,
                expect=intent.expect,
            )
        )
    exposed = frozenset(e.destination for e in edges if e.exposed and e.failed_intent is None)
    ordered = sorted(
        endpoints.values(), key=lambda e: (TIERS.index(tier_of(e)), e.vpc or "", e.label, e.selector)
    )
    return Picture(endpoints=ordered, edges=edges, exposed=exposed)


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
