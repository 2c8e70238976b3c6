"""``sgaudit path``: exit codes, text a person can act on (golden file), and the JSON shape (DESIGN.md 6).

Regenerate the golden file with ``SGAUDIT_UPDATE_GOLDEN=1 pytest tests/engine/test_path_cli.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sgaudit.cli import main
from sgaudit.demo import snapshot_path
from sgaudit.synth import EstateBuilder

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "path_api_to_db.txt"
DEMO = str(snapshot_path())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["path", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_blocked_demo_path_matches_the_golden_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ecs:prod/api", "rds:prod-db", "--snapshot", DEMO)
    assert code == 1, err
    if os.environ.get("SGAUDIT_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(out)
    assert out == GOLDEN.read_text()
    # What a person needs to act, in order: verdict, hops with rule ids, the blocker, the fix.
    assert out.startswith("path: ecs:prod/api -> rds:prod-db  tcp/5432\nverdict: BLOCKED")
    i_hops, i_block, i_fix = out.index("hops"), out.index("blockers (1)"), out.index("fix (1 change)")
    assert i_hops < i_block < i_fix
    assert "ENI_SG_RULES_MISMATCH" in out and re.search(r"sgr-[0-9a-f]{17}", out)
    assert "aws ec2 authorize-security-group-egress" in out
    assert 'resource "aws_vpc_security_group_egress_rule"' in out
    assert "\x1b[" not in out  # no colour codes when not a terminal
    assert "demo-canary" not in out


def test_reachable_path_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lambda:reporting", "rds:prod-db", "--snapshot", DEMO)
    assert code == 0
    assert "verdict: REACHABLE" in out and "blockers: none" in out


def test_json_is_the_path_result(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ecs:prod/api", "rds:prod-db", "--snapshot", DEMO, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    for key in ("source", "destination", "protocol", "port", "verdict", "pairs", "hops", "blockers", "fixes"):
        assert key in doc
    assert (doc["source"], doc["destination"], doc["protocol"], doc["port"]) == (
        "ecs:prod/api",
        "rds:prod-db",
        "tcp",
        5432,
    )
    assert doc["verdict"] == "blocked"
    assert {"kind", "id", "direction", "result", "rule"} <= set(doc["hops"][0])
    assert doc["blockers"][0]["code"] == "ENI_SG_RULES_MISMATCH"
    assert {"aws_cli", "terraform", "group_id", "peer"} <= set(doc["fixes"][0])
    # Two runs are byte-identical.
    assert run(capsys, "ecs:prod/api", "rds:prod-db", "--snapshot", DEMO, "--format", "json")[1] == out


def test_usage_errors_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ecs:prod/apii", "rds:prod-db", "--snapshot", DEMO)
    assert code == 2 and out == ""
    assert "closest matches: ecs:prod/api" in err and "Traceback" not in err
    code, _, err = run(capsys, "ecs:prod/api", "rds:prod-db", "--port", "99999", "--snapshot", DEMO)
    assert code == 2 and "0-65535" in err
    code, _, err = run(capsys, "ecs:prod/api", "elb:web", "--snapshot", DEMO)
    assert code == 2 and "choose one with --port" in err
    code, _, err = run(capsys, "ecs:prod/api", "rds:prod-db")
    assert code == 2 and "--snapshot" in err


def test_incomplete_snapshot_exits_three_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = EstateBuilder(seed=21)
    vpc = b.vpc("10.0.0.0/16")
    s = b.subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    sg = b.security_group(vpc, "app")
    b.ingress(sg, "tcp", 80, sg=sg)
    one, two = b.eni(s, [sg]), b.eni(s, [sg])
    snap = b.write(tmp_path / "snap", manifest=True, failures={"TargetGroups": "AccessDenied"})
    code, out, _ = run(capsys, one.selector, two.selector, "--port", "80", "--snapshot", str(snap))
    assert code == 3 and "verdict: REACHABLE" in out
    assert "snapshot is INCOMPLETE: " in out and "DescribeTargetGroups failed (AccessDenied)" in out
    code, _, _ = run(
        capsys, one.selector, two.selector, "--port", "80", "--snapshot", str(snap), "--allow-partial"
    )
    assert code == 0
