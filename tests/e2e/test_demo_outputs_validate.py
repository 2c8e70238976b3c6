"""The demo's machine-readable outputs validate: JSON against the shipped schema, SARIF against the
official SARIF 2.1.0 schema, JUnit with junitparser."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator
from junitparser import Failure, JUnitXml

from sgaudit.demo import intents_path, snapshot_path
from sgaudit.pipeline import CheckRun, render_output, run_check

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "formats" / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def demo_run() -> CheckRun:
    return run_check(snapshot_path(), config_path=intents_path())


def test_demo_json_validates_against_the_shipped_schema(demo_run: CheckRun) -> None:
    schema = json.loads(files("sgaudit").joinpath("schemas/findings.schema.json").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(render_output("json", demo_run))))
    assert errors == []


def test_demo_sarif_validates_against_the_official_schema(demo_run: CheckRun) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    doc = json.loads(render_output("sarif", demo_run))
    assert sorted(str(e) for e in Draft4Validator(schema).iter_errors(doc)) == []
    results = doc["runs"][0]["results"]
    assert len(results) == len(demo_run.report.findings)
    assert all(r["partialFingerprints"] and r["properties"]["security-severity"] for r in results)


def test_demo_junit_parses(demo_run: CheckRun, tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render_output("junit", demo_run), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    failures = sum(1 for suite in xml for case in suite if any(isinstance(r, Failure) for r in case.result))
    assert failures == sum(1 for f in demo_run.report.findings if not f.suppressed)
