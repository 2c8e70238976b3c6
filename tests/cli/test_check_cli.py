"""``sgaudit check``, ``demo`` and ``diff`` end to end on the demo snapshot (issue acceptance)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sgaudit.cli import main
from sgaudit.engine import Engine
from sgaudit.inventory import load_inventory
from sgaudit.snapshot.manifest import CallRecord, Manifest, ScopeRecord
from tests.cli.conftest import add_sg_rule, apply_fix, group_id_by_name


def check_json(
    snapshot: Path, intents: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict]:
    code = main(["check", str(snapshot), "--intents", str(intents), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def by_name(doc: dict, name: str) -> list[dict]:
    return [f for f in doc["findings"] if f["name"] == name]


def test_demo_reports_the_planted_mistakes(
    demo_copy: Path, demo_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = check_json(demo_copy, demo_intents, capsys)
    assert code == 1
    api_sg, db_sg = group_id_by_name(demo_copy, "api"), group_id_by_name(demo_copy, "db")
    bastion_sg, legacy_sg = (
        group_id_by_name(demo_copy, "bastion"),
        group_id_by_name(demo_copy, "legacy-admin"),
    )
    half_open = by_name(doc, "half-open-reference")
    assert any(api_sg in f["resources"] and db_sg in f["resources"] for f in half_open), half_open
    ssh = by_name(doc, "internet-admin-ports")
    assert any(bastion_sg in f["resources"] or "bastion" in f["message"] for f in ssh), ssh
    assert [f["resource"] for f in by_name(doc, "unused-security-group")] == [legacy_sg]
    blocked = [i for i in doc["intents"] if i["name"] == "api-reaches-db"]
    assert blocked and blocked[0]["verdict"] == "blocked" and not blocked[0]["ok"]
    assert doc["schema_version"] == 1 and doc["snapshot"]["complete"] is True
    # The secret planted in the api task definition never reaches any output.
    assert "demo-canary" not in json.dumps(doc)


def test_fail_on_critical_passes_only_without_critical_findings(
    demo_copy: Path, demo_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, doc = check_json(demo_copy, demo_intents, capsys)
    has_critical = doc["summary"]["by_severity"]["critical"] > 0
    code, _ = check_json(demo_copy, demo_intents, capsys, "--fail-on", "critical")
    assert code == (1 if has_critical else 0)
    code, _ = check_json(demo_copy, demo_intents, capsys, "--fail-on", "never")
    assert code == 0


def test_intent_blocked_cleared_by_the_suggested_fix(
    demo_copy: Path, demo_intents: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, doc = check_json(demo_copy, demo_intents, capsys)
    assert any("api-reaches-db" in f["message"] for f in by_name(doc, "intent-blocked"))
    engine = Engine(load_inventory(demo_copy))
    result = engine.path(engine.resolve("ecs:prod/api"), engine.resolve("rds:prod-db"), "tcp", 5432)
    assert result.verdict == "blocked"
    (fix,) = result.fixes
    assert fix.direction == "egress" and fix.group_id == group_id_by_name(demo_copy, "api")
    apply_fix(demo_copy, fix)
    _, doc = check_json(demo_copy, demo_intents, capsys)
    assert not any("api-reaches-db" in f["message"] for f in by_name(doc, "intent-blocked"))
    assert not by_name(doc, "half-open-reference")
    assert next(i for i in doc["intents"] if i["name"] == "api-reaches-db")["verdict"] == "reachable"


def test_incomplete_snapshot_exits_3_unless_allow_partial(
    demo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scoped = tmp_path / "scoped"
    shutil.copytree(demo_copy, scoped / "accounts/111122223333/us-east-1")
    manifest = Manifest(
        tool_version="0.1.0",
        created_at="2026-12-01T00:00:00Z",  # type: ignore[arg-type]
        scopes=[
            ScopeRecord(
                account="111122223333",
                region="us-east-1",
                path="accounts/111122223333/us-east-1",
                calls=[
                    CallRecord(
                        service="lambda", operation="ListFunctions", ok=False, error_code="AccessDenied"
                    )
                ],
            )
        ],
    )
    (scoped / "manifest.json").write_text(manifest.model_dump_json())
    empty_intents = tmp_path / "none.yaml"
    empty_intents.write_text("intents: []\n")
    # Even with no failing finding (--fail-on never), an incomplete snapshot is exit 3.
    assert (
        main(["check", str(scoped), "--intents", str(empty_intents), "--fail-on", "never", "-f", "json"]) == 3
    )
    out = capsys.readouterr()
    assert json.loads(out.out)["snapshot"]["complete"] is False
    assert "INCOMPLETE" in out.err
    assert (
        main(["check", str(scoped), "--intents", str(empty_intents), "--fail-on", "never", "--allow-partial"])
        == 0
    )


@pytest.mark.parametrize(
    ("intents", "expected"),
    [
        (
            "intents:\n  - name: x\n    from: ecs:prod/nope\n    to: rds:prod-db\n",
            "closest matches: ecs:prod/api",
        ),
        ("intents:\n  - name: x\n    form: ecs:prod/api\n    to: rds:prod-db\n", ":3"),
        ("intents: [\n", "sgaudit.yaml"),
    ],
)
def test_bad_intents_exit_2_on_one_line(
    demo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], intents: str, expected: str
) -> None:
    path = tmp_path / "sgaudit.yaml"
    path.write_text(intents)
    assert main(["check", str(demo_copy), "--intents", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err and "Traceback" not in err


def test_malformed_rule_file_exits_2(
    demo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text("id: X1\nname: mine\nsevrity: high\n")
    assert main(["check", str(demo_copy), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.strip()
    assert "mine.yaml" in err and "\n" not in err


def test_format_and_output_pairs(
    demo_copy: Path, demo_intents: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.sarif", tmp_path / "out" / "b.md"
    code = main(
        [
            "check",
            "--snapshot",
            str(demo_copy),
            "--intents",
            str(demo_intents),
            "--format",
            "sarif",
            "-o",
            str(a),
            "--format",
            "markdown",
            "-o",
            str(b),
            "--format",
            "json",
        ]
    )
    assert code == 1
    assert json.loads(a.read_text())["version"] == "2.1.0"
    assert b.read_text().lstrip().startswith("#")
    assert json.loads(capsys.readouterr().out)["schema_version"] == 1


def test_demo_writes_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo-out"
    assert main(["demo", "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "findings.json",
        "findings.sarif",
        "junit.xml",
        "report.html",
        "report.txt",
        "summary.md",
    ]
    assert "half-open-reference" in capsys.readouterr().out


def test_diff_reports_the_new_world_open_rule(
    demo_copy: Path, demo_intents: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "new"
    shutil.copytree(demo_copy, new)
    bastion = group_id_by_name(new, "bastion")
    add_sg_rule(new, bastion, egress=False, protocol="tcp", from_port=3389, to_port=3389, cidr="0.0.0.0/0")
    code = main(["diff", str(demo_copy), str(new), "--intents", str(demo_intents), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    bastion_ep = "ec2:" + next(
        i["InstanceId"]
        for r in json.loads((new / "ec2-describe-instances.json").read_text())["Reservations"]
        for i in r["Instances"]
    )
    opened = doc["flows_opened"]
    assert {"source": "internet", "destination": bastion_ep, "protocol": "tcp", "ports": "3389"} in opened
    # Everything the rule opens goes to the bastion on tcp/3389 (0.0.0.0/0 also admits VPC sources).
    assert all((f["destination"], f["protocol"], f["ports"]) == (bastion_ep, "tcp", "3389") for f in opened)
    assert doc["flows_closed"] == [] and doc["findings_gone"] == []
    (new_finding,) = doc["findings_new"]
    assert new_finding["name"] == "internet-admin-ports" and "3389" in new_finding["message"]
    # No change: no diff, exit 0.
    assert main(["diff", str(demo_copy), str(demo_copy), "--intents", str(demo_intents)]) == 0
    assert "gate: pass" in capsys.readouterr().out
