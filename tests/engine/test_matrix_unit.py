"""The matrix: its shape, order, merged ranges, verdicts, filters, and the ``sgaudit matrix`` command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sgaudit.cli import main
from sgaudit.engine import Engine, Flow
from sgaudit.engine.matrix import MatrixRow, compute_matrix, compute_matrix_rows, compute_pair_traffic
from sgaudit.engine.oracle import oracle_pair_traffic
from sgaudit.inventory import load_inventory
from sgaudit.netalgebra import Traffic
from sgaudit.synth import EstateBuilder, NaclEntry
from tests.engine.engine_helpers import fargate_rds


def _engine(b: EstateBuilder, tmp_path: Path, **write: object) -> tuple[Engine, Path]:
    folder = b.write(tmp_path / "snap", indent=None, **write)  # type: ignore[arg-type]
    return Engine(load_inventory(folder)), folder


def _canonical(tmp_path: Path) -> tuple[Engine, Path]:
    """api -> db on 5432 and a touching 5433-5440 range, plus overlapping ranges to the api."""
    est = fargate_rds()
    b = est.b
    b.egress(est.task_sg, "tcp", 5432, 5440, sg=est.db_sg)
    b.ingress(est.db_sg, "tcp", 5432, sg=est.task_sg)
    b.ingress(est.db_sg, "tcp", 5433, 5440, sg=est.task_sg)  # touches 5432: one merged range
    b.ingress(est.task_sg, "tcp", 1000, 2000, sg=est.db_sg)
    b.ingress(est.task_sg, "tcp", 1500, 3000, sg=est.db_sg)  # overlaps: one merged range
    b.ingress(est.task_sg, "udp", 53, sg=est.db_sg)
    b.ingress(est.task_sg, "icmp", 8, -1, sg=est.db_sg)
    b.ingress(est.task_sg, "47", sg=est.db_sg)
    est.finish(tasks=2)
    return _engine(b, tmp_path)


def test_flows_have_the_design_shape_with_merged_ranges(tmp_path: Path) -> None:
    engine, _ = _canonical(tmp_path)
    flows = compute_matrix(engine)
    assert all(isinstance(f, Flow) for f in flows)
    assert [f.model_dump() for f in flows] == [
        {"source": "ecs:prod/api", "destination": "rds:prod-db", "protocol": "tcp", "ports": "5432-5440"},
        {"source": "rds:prod-db", "destination": "ecs:prod/api", "protocol": "tcp", "ports": "1000-3000"},
        {"source": "rds:prod-db", "destination": "ecs:prod/api", "protocol": "udp", "ports": "53"},
        {"source": "rds:prod-db", "destination": "ecs:prod/api", "protocol": "icmp", "ports": "8"},
        {"source": "rds:prod-db", "destination": "ecs:prod/api", "protocol": "47", "ports": "all"},
    ]
    assert engine.matrix() == flows
    # Every protocol/ports pair parses back to exactly the traffic it stands for.
    back = Traffic.union(Traffic.from_matrix_entry(f.protocol, f.ports) for f in flows[1:])
    assert back == Traffic.union(
        [
            Traffic.from_rule("tcp", 1000, 3000),
            Traffic.from_rule("udp", 53, 53),
            Traffic.from_rule("icmp", 8, -1),
            Traffic.from_rule("47"),
        ]
    )


def test_output_is_sorted_and_stable(tmp_path: Path) -> None:
    b = EstateBuilder(seed=5)
    vpc = b.vpc("10.0.0.0/16")
    sn = b.subnet(vpc, "10.0.1.0/24")
    sg = b.security_group(vpc, "mesh")
    b.ingress(sg, "tcp", 443, cidr="10.0.0.0/16")
    b.ingress(sg, "udp", 53, cidr="10.0.0.0/16")
    for name in ("c", "a", "b"):
        b.ec2_instance(name, subnet=sn, groups=[sg])
    engine, _ = _engine(b, tmp_path)
    flows = compute_matrix(engine)
    keys = [(f.source, f.destination) for f in flows]
    assert keys == sorted(keys)
    assert len(flows) == 3 * 2 * 2  # 3 x 2 ordered pairs, tcp 443 and udp 53 each
    assert [f.protocol for f in flows[:2]] == ["tcp", "udp"]
    assert all(f.source != f.destination for f in flows)  # an endpoint never pairs with itself
    assert compute_matrix(Engine(engine.inventory)) == flows


def test_verdicts_partial_and_unknown(tmp_path: Path) -> None:
    est = fargate_rds()
    b = est.b
    b.egress(est.task_sg, "tcp", 5432, sg=est.db_sg)
    b.ingress(est.db_sg, "tcp", 5432, sg=est.task_sg)
    hidden = b.prefix_list("hidden", ["10.0.10.0/24"], readable=False)
    b.ingress(est.db_sg, "tcp", 6432, prefix_list=hidden)
    b.egress(est.task_sg, "tcp", 6432, cidr="10.0.0.0/16")
    # The second database subnet drops the replies: the instance may be placed there.
    b.network_acl(
        est.vpc,
        subnets=[est.db_b],
        entries=[
            NaclEntry(number=100, direction="ingress", protocol="-1", cidr="0.0.0.0/0"),
            NaclEntry(
                number=100, direction="egress", protocol="tcp", cidr="10.0.0.0/16", ports=(1024, 30000)
            ),
        ],
    )
    est.finish(tasks=1)
    engine, _ = _engine(b, tmp_path)
    rows = compute_matrix_rows(engine, [engine.resolve("ecs:prod/api")], [engine.resolve("rds:prod-db")])
    assert rows == [
        MatrixRow("ecs:prod/api", "rds:prod-db", "tcp", "5432", "partial"),
        MatrixRow("ecs:prod/api", "rds:prod-db", "tcp", "6432", "unknown"),
    ]
    (pair,) = compute_pair_traffic(engine, [engine.resolve("ecs:prod/api")], [engine.resolve("rds:prod-db")])
    assert pair.every == Traffic.NONE
    assert pair.some == Traffic.single("tcp", 5432)
    assert pair.unknown == Traffic.single("tcp", 6432)
    # JSON-shaped flows list what some pair reaches: the partial row, never the unknown one.
    assert compute_matrix(engine, [engine.resolve("ecs:prod/api")]) == [
        Flow(source="ecs:prod/api", destination="rds:prod-db", protocol="tcp", ports="5432")
    ]


def test_filters_and_internet(tmp_path: Path) -> None:
    b = EstateBuilder(seed=9)
    vpc = b.vpc("10.0.0.0/16")
    pub = b.subnet(vpc, "10.0.0.0/24")
    igw = b.internet_gateway(vpc)
    b.route_table(vpc, subnets=[pub], routes=[("0.0.0.0/0", igw)])
    web = b.security_group(vpc, "web")
    b.ingress(web, "tcp", 443, cidr="0.0.0.0/0")
    w = b.ec2_instance("web", subnet=pub, groups=[web], public_ip=True)
    o = b.ec2_instance("other", subnet=pub, groups=[web])
    engine, _ = _engine(b, tmp_path)
    web_sel, other_sel = f"ec2:{w.instance_id}", f"ec2:{o.instance_id}"
    from_internet = compute_matrix(engine, [engine.resolve("internet")])
    assert from_internet == [Flow(source="internet", destination=web_sel, protocol="tcp", ports="443")]
    to_web = compute_matrix(engine, destinations=[engine.resolve(web_sel)])
    assert [f.source for f in to_web] == [other_sel, "internet"]  # sorted by selector
    without = compute_matrix(engine, include_internet=False)
    assert {f.source for f in without} | {f.destination for f in without} == {web_sel, other_sel}
    both = compute_matrix(engine, [engine.resolve(other_sel)], [engine.resolve(web_sel)])
    assert both == [Flow(source=other_sel, destination=web_sel, protocol="tcp", ports="443")]


def test_a_shared_placement_never_pairs_with_itself(tmp_path: Path) -> None:
    b = EstateBuilder(seed=4)
    vpc = b.vpc("10.0.0.0/16")
    sn = b.subnet(vpc, "10.0.1.0/24")
    common = b.security_group(vpc, "common")
    ga = b.security_group(vpc, "a")
    gb = b.security_group(vpc, "b")
    b.ingress(ga, "tcp", 22, sg=gb)
    a = b.ec2_instance("a", subnet=sn, groups=[common, ga])
    b.ec2_instance("b", subnet=sn, groups=[common, gb])
    engine, _ = _engine(b, tmp_path)
    members, target = engine.resolve(f"sg:{common.group_id}"), engine.resolve(f"ec2:{a.instance_id}")
    # sg:common is a and b; a -> a is not a pair, so b -> a alone decides: reachable, not partial.
    rows = compute_matrix_rows(engine, [members], [target])
    assert rows == [MatrixRow(members.selector, target.selector, "tcp", "22", "reachable")]
    assert compute_pair_traffic(engine, [members], [target]) == oracle_pair_traffic(
        engine, [members], [target]
    )
    assert compute_matrix(engine, [target], [target]) == []  # an endpoint never pairs with itself


# ---- the command ---------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["matrix", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, folder = _canonical(tmp_path)
    code, text, _ = _run(capsys, "--snapshot", str(folder))
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split() == ["SOURCE", "DESTINATION", "PROTOCOL", "PORTS", "VERDICT"]
    assert lines[1].split() == ["ecs:prod/api", "rds:prod-db", "tcp", "5432-5440", "reachable"]
    # Aligned: every column starts at the same offset on every row.
    starts = [lines[0].index(h) for h in ("DESTINATION", "PROTOCOL", "PORTS", "VERDICT")]
    for line in lines[1:6]:
        assert [line[s - 2 : s] for s in starts] == ["  "] * 4 and line[starts[0]] != " "
    assert lines[-1].startswith("5 flows between 2 endpoint pairs")

    code, raw, _ = _run(capsys, "--snapshot", str(folder), "--format", "json")
    assert code == 0
    doc = json.loads(raw)
    assert doc["schema_version"] == 1 and list(doc) == ["schema_version", "flows"]
    assert doc["flows"][0] == {
        "source": "ecs:prod/api",
        "destination": "rds:prod-db",
        "protocol": "tcp",
        "ports": "5432-5440",
    }
    assert [Flow(**f) for f in doc["flows"]] == compute_matrix(Engine(load_inventory(folder)))
    assert _run(capsys, "--snapshot", str(folder), "--format", "json")[1] == raw  # byte-identical

    code, raw_csv, _ = _run(capsys, "--snapshot", str(folder), "--format", "csv", "--from", "rds:prod-db")
    table = list(csv.reader(io.StringIO(raw_csv)))
    assert table[0] == ["source", "destination", "protocol", "ports", "verdict"]
    assert table[1:] == [
        ["rds:prod-db", "ecs:prod/api", "tcp", "1000-3000", "reachable"],
        ["rds:prod-db", "ecs:prod/api", "udp", "53", "reachable"],
        ["rds:prod-db", "ecs:prod/api", "icmp", "8", "reachable"],
        ["rds:prod-db", "ecs:prod/api", "47", "all", "reachable"],
    ]


def test_cli_empty_matrix_is_valid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = EstateBuilder(seed=2)
    vpc = b.vpc("10.0.0.0/16")
    sn = b.subnet(vpc, "10.0.1.0/24")
    lone = b.security_group(vpc, "lone", allow_all_egress=False)
    b.ec2_instance("x", subnet=sn, groups=[lone])
    _, folder = _engine(b, tmp_path)
    code, raw, _ = _run(capsys, "--snapshot", str(folder), "--format", "json")
    assert code == 0 and json.loads(raw) == {"schema_version": 1, "flows": []}
    code, text, _ = _run(capsys, "--snapshot", str(folder))
    assert text.splitlines()[-1].startswith("0 flows between 0 endpoint pairs")


def test_cli_errors_and_incomplete_snapshots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    est = fargate_rds()
    est.b.ingress(est.db_sg, "tcp", 5432, sg=est.task_sg)
    est.finish()
    folder = est.b.write(
        tmp_path / "snap", indent=None, manifest=True, failures={"Functions": "AccessDenied"}
    )
    code, _, err = _run(capsys, "--snapshot", str(folder), "--from", "rds:prod-dbx")
    assert code == 2 and "rds:prod-db" in err  # the closest match is named
    code, _, err = _run(capsys, "--snapshot", str(folder), "--to", "bogus:thing")
    assert code == 2
    assert _run(capsys)[0] == 2  # no snapshot
    code, out, err = _run(capsys, "--snapshot", str(folder), "--format", "csv")
    assert code == 3 and "INCOMPLETE" in err and out.startswith("source,destination")
    assert _run(capsys, "--snapshot", str(folder), "--allow-partial")[0] == 0
