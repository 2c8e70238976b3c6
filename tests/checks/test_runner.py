"""The runner on the shipped demo: planted mistakes found, output deterministic, secrets kept secret."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from sgaudit.checks import CheckOutcome, run_checks
from sgaudit.config import load_config
from sgaudit.demo import intents_path, snapshot_path
from sgaudit.engine import Engine
from sgaudit.findings import SnapshotSummary
from sgaudit.inventory import load_inventory
from sgaudit.rulepack import RulePack
from sgaudit.synth.demo import CANARY

TODAY = date(2024, 6, 1)


def _run(snapshot: Path, pack: RulePack) -> CheckOutcome:
    config = load_config(intents_path())
    engine = Engine(load_inventory(snapshot), config.engine_options())
    return run_checks(engine, pack, config, today=TODAY)


def _dump(outcome: CheckOutcome) -> str:
    return json.dumps(outcome.model_dump(mode="json", by_alias=True), sort_keys=True)


@pytest.fixture(scope="module")
def demo(builtin_pack: RulePack) -> CheckOutcome:
    return _run(snapshot_path(), builtin_pack)


def test_demo_finds_the_planted_mistakes(demo: CheckOutcome) -> None:
    names = {f.name for f in demo.findings}
    assert {"half-open-reference", "intent-blocked", "internet-admin-ports", "unused-security-group"} <= names
    assert "default-sg-in-use" in names  # the worker service runs in the default group
    half = next(f for f in demo.findings if f.name == "half-open-reference")
    assert "egress side is missing" in half.message
    assert half.fix is not None and "authorize-security-group-egress" in (half.fix.aws_cli or "")
    assert "aws_vpc_security_group_egress_rule" in (half.fix.terraform or "")
    by_name = {i.name: i for i in demo.intents}
    assert by_name["api-reaches-db"].verdict == "blocked" and not by_name["api-reaches-db"].ok
    assert by_name["alb-to-api"].ok and by_name["internet-not-to-db"].ok
    inferred = [i for i in demo.intents if i.inferred]
    assert inferred and all(i.reason for i in inferred)
    assert any(i.from_ == "lambda:reporting" and i.to == "rds:prod-db" and i.ok for i in inferred)


def test_findings_are_complete_and_sorted(demo: CheckOutcome) -> None:
    assert demo.findings == sorted(demo.findings, key=lambda f: f.sort_key())
    assert len({f.fingerprint for f in demo.findings}) == len(demo.findings)
    for f in demo.findings:
        assert f.fix is not None and f.fix.summary
        assert f.evidence
        assert f.resource in f.resources


def test_running_twice_gives_identical_output(demo: CheckOutcome, builtin_pack: RulePack) -> None:
    assert _dump(_run(snapshot_path(), builtin_pack)) == _dump(demo)


def test_output_does_not_depend_on_input_order(
    demo: CheckOutcome, builtin_pack: RulePack, tmp_path: Path
) -> None:
    copy = tmp_path / "snapshot"
    shutil.copytree(snapshot_path(), copy)
    for path in copy.glob("*.json"):
        doc = json.loads(path.read_text())
        if isinstance(doc, dict):
            for key, value in doc.items():
                if isinstance(value, list):
                    doc[key] = list(reversed(value))
        path.write_text(json.dumps(doc))
    assert _dump(_run(copy, builtin_pack)) == _dump(demo)


def test_no_secret_value_is_ever_output(demo: CheckOutcome) -> None:
    text = _dump(demo)
    assert CANARY not in text
    assert "demo-canary" not in text
    report = demo.report(SnapshotSummary())
    assert CANARY not in report.model_dump_json()


def test_report_counts_only_unsuppressed(demo: CheckOutcome) -> None:
    report = demo.report(SnapshotSummary())
    assert report.summary.findings == sum(1 for f in demo.findings if not f.suppressed)
