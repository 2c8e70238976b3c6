"""The merged network picture: pairs, their services, and the bounded choice of the edges that matter."""

from __future__ import annotations

import random

import pytest
from formats_fixtures import dense_context, large_context, sample_context

from sgaudit.findings import EndpointView, FlowView, IntentResult, NetworkView, ReportContext
from sgaudit.formats._common import evidence_items
from sgaudit.formats.network import Picture, build_picture, compact_services, key_edges, service_of


def pairs_of(picture: Picture, *, lazy: bool) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
    """Every pair of the picture with its services and verdict, read one pair at a time or all at once."""
    out = {}
    for i in range(picture.pair_count):
        label = picture.pair_label(i) if lazy else picture.labels[picture.label[i]]
        source, destination = picture.endpoints[picture.src[i]], picture.endpoints[picture.dst[i]]
        out[(source.selector, destination.selector)] = (label.services, label.verdict)
    return out


def obvious(ctx: ReportContext) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
    merged: dict[tuple[str, str], list[FlowView]] = {}
    for f in ctx.network.flows:
        merged.setdefault((f.source, f.destination), []).append(f)
    out = {}
    for key, flows in merged.items():
        verdicts = {f.verdict for f in flows}
        verdict = "reachable" if "reachable" in verdicts else sorted(verdicts)[0]
        out[key] = (tuple(sorted({service_of(f.protocol, f.ports) for f in flows})), verdict)
    return out


def mixed_context(*, shuffle: bool) -> ReportContext:
    """Pairs with one flow, several flows (together or spread out), repeated flows and mixed verdicts."""
    ep = EndpointView
    endpoints = [
        ep(selector="internet", label="Internet", kind="internet", tier="edge"),
        ep(selector="elb:web", label="web", kind="elb", vpc="vpc-1", tier="edge"),
        ep(selector="ecs:c/api", label="api", kind="ecs", vpc="vpc-1", tier="app"),
        ep(selector="rds:db", label="db", kind="rds", vpc="vpc-1", tier="data"),
    ]
    f = FlowView
    flows = [
        f(source="internet", destination="elb:web", protocol="tcp", ports="443"),
        f(source="internet", destination="elb:web", protocol="tcp", ports="80"),
        f(source="internet", destination="elb:web", protocol="tcp", ports="443"),
        f(source="elb:web", destination="ecs:c/api", protocol="tcp", ports="8080"),
        f(source="ecs:c/api", destination="rds:db", protocol="tcp", ports="5432", verdict="partial"),
        f(source="ecs:c/api", destination="rds:db", protocol="udp", ports="53", verdict="unknown"),
        f(source="ecs:c/api", destination="cidr:10.0.0.0/8", protocol="all", ports="all"),
        f(source="ecs:c/api", destination="elb:web", protocol="tcp", ports="443", verdict="blocked"),
        f(source="ecs:c/api", destination="elb:web", protocol="tcp", ports="80", verdict="reachable"),
    ]
    if shuffle:
        random.Random(7).shuffle(flows)
    ctx = sample_context()
    return ctx.model_copy(update={"network": NetworkView(endpoints=endpoints, flows=flows)})


@pytest.mark.parametrize("shuffle", [False, True])
def test_pairs_merge_every_flow_of_one_pair(shuffle: bool) -> None:
    ctx = mixed_context(shuffle=shuffle)
    picture = build_picture(ctx)
    want = obvious(ctx)
    assert pairs_of(picture, lazy=True) == want
    assert pairs_of(picture, lazy=False) == want
    assert want[("internet", "elb:web")] == (("tcp/443", "tcp/80"), "reachable")
    assert want[("ecs:c/api", "rds:db")] == (("tcp/5432", "udp/53"), "partial")
    assert want[("ecs:c/api", "elb:web")][1] == "reachable"
    # The pseudo-endpoint a flow names is added, and pairs are sorted by source then destination.
    assert "cidr:10.0.0.0/8" in picture.index
    keys = list(zip(picture.src, picture.dst, strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert picture.exposed == frozenset({"elb:web"})


@pytest.mark.parametrize("build", [sample_context, large_context, dense_context])
def test_pairs_match_the_obvious_merge(build: object) -> None:
    ctx: ReportContext = build()  # type: ignore[operator]
    picture = build_picture(ctx)
    want = obvious(ctx)
    assert pairs_of(picture, lazy=False) == want
    sample = random.Random(1).sample(range(picture.pair_count), min(200, picture.pair_count))
    for i in sample:
        key = (picture.endpoints[picture.src[i]].selector, picture.endpoints[picture.dst[i]].selector)
        assert (picture.pair_label(i).services, picture.pair_label(i).verdict) == want[key]


def test_compact_services_group_ports_by_protocol() -> None:
    services = ["tcp/443", "udp/53", "tcp/80", "all traffic", "tcp/1024-65535", "icmp/8--1", "tcp/22"]
    assert compact_services(services) == "all traffic; icmp 8--1; tcp 22, 80, 443, 1024-65535; udp 53"
    assert compact_services([]) == ""


def test_key_edges_keep_a_small_picture_whole() -> None:
    ctx = sample_context()
    picture = build_picture(ctx)
    chosen = key_edges(picture, 40, 50)
    assert len(chosen) == picture.edge_count
    assert [e.failed_intent for e in chosen[:2]] == ["api-reaches-db", "worker-reaches-db"]
    assert {(e.source, e.destination) for e in chosen[2:]} == {
        (f.source, f.destination) for f in ctx.network.flows
    }


def test_key_edges_walk_from_the_internet_to_the_data_within_budget() -> None:
    ctx = dense_context()
    picture = build_picture(ctx)
    kind = {e.selector: e for e in picture.endpoints}
    for max_edges, max_nodes in [(40, 50), (12, 10), (5, 3), (1, 2)]:
        chosen = key_edges(picture, max_edges, max_nodes)
        nodes = {s for e in chosen for s in (e.source, e.destination)}
        assert len(chosen) <= max_edges and len(nodes) <= max_nodes, (max_edges, max_nodes)
        assert chosen[0].failed_intent == "app-reaches-db"
    chosen = key_edges(picture, 40, 50)
    assert len(chosen) == 40
    exposed = [e for e in chosen if e.exposed]
    assert exposed and any(kind[e.destination].kind == "elb" for e in exposed)
    assert any(kind[e.destination].kind == "ec2" for e in exposed)  # direct exposure is not hidden
    # Behind an exposed load balancer, something it reaches; and some path into the data tier.
    reached = {e.destination for e in exposed}
    assert any(e.source in reached and not e.exposed for e in chosen)
    assert any(kind[e.destination].tier == "data" and e.failed_intent is None for e in chosen)
    # Failed intents first, then priority order, deterministic.
    assert chosen == key_edges(build_picture(ctx), 40, 50)


def test_key_edges_with_failed_intents_only() -> None:
    ctx = sample_context()
    intents = [
        IntentResult(name=f"i{n}", from_="ecs:prod/api", to="rds:prod-db", verdict="blocked", ok=False)
        for n in range(5)
    ]
    ctx = ctx.model_copy(
        update={"report": ctx.report.model_copy(update={"intents": intents}), "network": NetworkView()}
    )
    chosen = key_edges(build_picture(ctx), 3, 10)
    assert [e.failed_intent for e in chosen] == ["i0", "i1", "i2"]


def test_evidence_lists_of_ids_read_as_one_line() -> None:
    items = dict(
        evidence_items(
            {
                "groups": ["sg-1", "sg-2"],
                "ports": [22, 443],
                "odd": ["a, b", "c"],
                "nested": {"k": ["x"]},
                "flags": [True],
            }
        )
    )
    assert items["groups"] == "sg-1, sg-2"
    assert items["ports"] == "22, 443"
    assert items["odd"] == '[\n  "a, b",\n  "c"\n]'
    assert items["nested"].startswith("{\n")
    assert items["flags"] == "[\n  true\n]"
