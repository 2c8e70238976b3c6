"""Transit gateways: their route tables and attachments are not in the snapshot, so a route to one
makes the verdict `unknown` with the reason (never a confident `blocked`); security-group references
across one cannot be decided either. The path, the matrix and the oracle agree."""

from __future__ import annotations

from pathlib import Path

from sgaudit.engine import Engine
from sgaudit.engine.matrix import compute_matrix_rows, compute_pair_traffic
from sgaudit.engine.oracle import oracle_pair_traffic, oracle_verdict
from sgaudit.inventory import load_inventory
from sgaudit.synth import EstateBuilder
from tests.engine.engine_helpers import path

TGW = "tgw-0f1e2d3c4b5a69788"


def _estate(tmp_path: Path, *, both_sides: bool = True, by_reference: bool = False) -> Engine:
    """A task in VPC A and a database in VPC B, joined only by a transit gateway; A's private subnet
    also sends its default route to the transit gateway (centralised egress)."""
    b = EstateBuilder(seed=31)
    a = b.vpc("10.1.0.0/16", name="a")
    z = b.vpc("10.2.0.0/16", name="b")
    app = b.subnet(a, "10.1.1.0/24", az="us-east-1a", name="app")
    db_a = b.subnet(z, "10.2.1.0/24", az="us-east-1a", name="db-a")
    db_b = b.subnet(z, "10.2.2.0/24", az="us-east-1b", name="db-b")
    rt_a = b.route_table(a, subnets=[app], routes=[("10.2.0.0/16", TGW), ("0.0.0.0/0", TGW)])
    del rt_a
    if both_sides:
        b.route_table(z, subnets=[db_a, db_b], routes=[("10.1.0.0/16", TGW)])
    task_sg = b.security_group(a, "task")
    db_sg = b.security_group(z, "db")
    if by_reference:
        b.ingress(db_sg, "tcp", 5432, sg=task_sg)
    else:
        b.ingress(db_sg, "tcp", 5432, cidr="10.1.1.0/24")
    b.fargate_service(cluster="prod", name="api", subnets=[app], groups=[task_sg], tasks=2)
    b.rds_instance("prod-db", subnets=[db_a, db_b], groups=[db_sg])
    return Engine(load_inventory(b.write(tmp_path / "snap", indent=None)))


def test_a_route_to_a_transit_gateway_is_unknown_not_blocked(tmp_path: Path) -> None:
    eng = _estate(tmp_path)
    result = path(eng, "ecs:prod/api", "rds:prod-db", "tcp", 5432)
    assert result.verdict == "unknown"
    assert result.blockers == []
    assert any(u.startswith("TRANSIT_GATEWAY_NOT_MODELLED") and TGW in u for u in result.unknowns)
    assert (
        oracle_verdict(eng, eng.resolve("ecs:prod/api"), eng.resolve("rds:prod-db"), "tcp", 5432) == "unknown"
    )
    # What the groups deny stays a definite deny.
    assert path(eng, "ecs:prod/api", "rds:prod-db", "tcp", 3306).verdict == "blocked"
    # Centralised egress: the internet may lie behind the transit gateway.
    out = path(eng, "ecs:prod/api", "internet", "tcp", 443)
    assert out.verdict == "unknown"
    assert any(u.startswith("TRANSIT_GATEWAY_NOT_MODELLED") for u in out.unknowns)


def test_matrix_lists_transit_flows_as_unknown_and_equals_the_oracle(tmp_path: Path) -> None:
    eng = _estate(tmp_path)
    rows = [
        r for r in compute_matrix_rows(eng) if r.source == "ecs:prod/api" and r.destination == "rds:prod-db"
    ]
    assert [(r.protocol, r.ports, r.verdict) for r in rows] == [("tcp", "5432", "unknown")]
    assert compute_pair_traffic(eng) == oracle_pair_traffic(eng)


def test_references_across_a_transit_gateway_are_undecidable(tmp_path: Path) -> None:
    eng = _estate(tmp_path, by_reference=True)
    result = path(eng, "ecs:prod/api", "rds:prod-db", "tcp", 5432)
    assert result.verdict == "unknown"
    assert result.blockers == []
    assert any(u.startswith("SG_REFERENCES_NOT_PRESERVED") for u in result.unknowns)
    assert compute_pair_traffic(eng) == oracle_pair_traffic(eng)


def test_no_route_back_is_still_blocked(tmp_path: Path) -> None:
    eng = _estate(tmp_path, both_sides=False)
    result = path(eng, "ecs:prod/api", "rds:prod-db", "tcp", 5432)
    assert result.verdict == "blocked"
    assert [b.code for b in result.blockers] == ["NO_ROUTE_TO_DESTINATION"]
    assert result.blockers[0].leg == "return"
    assert compute_pair_traffic(eng) == oracle_pair_traffic(eng)
