"""The network picture's layout: boxes in their tier column and VPC band, never overlapping, inside the
canvas, and grouped when the network is large."""

from __future__ import annotations

import pytest
from formats_fixtures import large_context, payload_context, sample_context

from sgaudit.findings import ReportContext
from sgaudit.formats.network import build_picture
from sgaudit.formats.svg_layout import NODE_H, NODE_LIMIT, NODE_W, SvgPicture, layout


def picture(ctx: ReportContext) -> SvgPicture:
    return layout(build_picture(ctx))


@pytest.mark.parametrize(
    "build", [sample_context, payload_context, lambda: large_context(n_findings=10, n_endpoints=2000)]
)
def test_boxes_do_not_overlap_and_fit_the_canvas(build: object) -> None:
    svg = picture(build())  # type: ignore[operator]
    boxes = [(n.x, n.y) for n in svg.nodes]
    for i, (x1, y1) in enumerate(boxes):
        assert x1 >= 0 and y1 >= 0
        assert x1 + NODE_W <= svg.width and y1 + NODE_H <= svg.height
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= NODE_W or abs(y1 - y2) >= NODE_H, ((x1, y1), (x2, y2))
    for lane in svg.lanes:
        assert lane.x + lane.width <= svg.width and lane.y + lane.height <= svg.height


def test_sample_columns_and_bands() -> None:
    svg = picture(sample_context())
    assert [c.title for c in svg.columns] == ["Outside VPCs", "Edge", "App", "Data"]
    assert [lane.title for lane in svg.lanes] == ["vpc-0a1b2c3d4e5f60718", "vpc-0f9e8d7c6b5a40312"]
    x = {n.selector: n.x for n in svg.nodes}
    assert x["internet"] < x["elb:prod-web"] < x["ecs:prod/api"] < x["rds:prod-db"]
    prod = svg.lanes[0]
    db = next(n for n in svg.nodes if n.selector == "rds:prod-db")
    assert prod.y <= db.y and db.y + NODE_H <= prod.y + prod.height
    assert not svg.aggregated
    exposed = {n.selector for n in svg.nodes if n.exposed}
    assert exposed == {"elb:prod-web", "ec2:i-0b45710n0000001"}
    assert sorted(e.css for e in svg.edges).count("edge failed") == 2
    assert all(e.label for e in svg.edges if "failed" in e.css)


def test_large_networks_are_grouped() -> None:
    svg = picture(large_context(n_findings=10, n_endpoints=2000))
    assert svg.aggregated and svg.endpoint_count == 2000 > NODE_LIMIT
    groups = [n for n in svg.nodes if n.count > 1]
    assert groups and sum(n.count for n in svg.nodes) == 2000
    assert all(n.selector is None for n in groups)
    assert len(svg.nodes) < 100
    assert svg.edges_dropped == 0
    assert all(e.label is None for e in svg.edges if "failed" not in e.css)  # too many to label
