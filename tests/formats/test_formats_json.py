"""``--format json`` is the CheckReport document, valid against the schema shipped in the package."""

from __future__ import annotations

import json
import os
from importlib.resources import files

import pytest
from formats_fixtures import incomplete_context, large_context, payload_context, sample_context
from jsonschema import Draft202012Validator

from sgaudit.findings import CheckReport, Finding, ReportContext, Severity, SnapshotSummary
from sgaudit.formats import OutputFormat, render
from sgaudit.formats.json_format import SCHEMA_FILE, dumps, generate_schema, shipped_schema


def test_shipped_schema_equals_the_generated_one() -> None:
    """Regenerate with SGAUDIT_UPDATE_GOLDEN=1 after changing the models in sgaudit/findings.py."""
    path = files("sgaudit").joinpath("schemas", SCHEMA_FILE)
    generated = dumps(generate_schema())
    if os.environ.get("SGAUDIT_UPDATE_GOLDEN") == "1":
        with open(str(path), "w", encoding="utf-8") as fh:
            fh.write(generated)
    assert path.read_text(encoding="utf-8") == generated, (
        "sgaudit/schemas/findings.schema.json is stale: rerun with SGAUDIT_UPDATE_GOLDEN=1"
    )


def test_shipped_schema_is_a_valid_2020_12_schema() -> None:
    Draft202012Validator.check_schema(shipped_schema())


def small_large_context() -> ReportContext:
    """The large generator at a size that validates quickly (the schema does not depend on size)."""
    return large_context(n_findings=300, n_endpoints=120)


@pytest.mark.parametrize("build", [sample_context, incomplete_context, payload_context, small_large_context])
def test_output_validates_against_the_shipped_schema(build: object) -> None:
    ctx = build()  # type: ignore[operator]
    document = json.loads(render(OutputFormat.JSON, ctx))
    errors = sorted(Draft202012Validator(shipped_schema()).iter_errors(document), key=str)
    assert not errors, errors[0]


def test_the_schema_rejects_a_wrong_document() -> None:
    document = json.loads(render(OutputFormat.JSON, sample_context()))
    document["findings"][0]["severity"] = "catastrophic"
    assert not Draft202012Validator(shipped_schema()).is_valid(document)
    del document["summary"]
    assert not Draft202012Validator(shipped_schema()).is_valid(document)


def test_document_shape_matches_design_section_6() -> None:
    document = json.loads(render(OutputFormat.JSON, sample_context()))
    assert document["schema_version"] == 1
    assert document["tool"]["name"] == "sgaudit"
    assert document["snapshot"]["complete"] is True
    assert document["summary"] == {
        "findings": 7,
        "by_severity": {"critical": 1, "high": 3, "medium": 1, "low": 1, "info": 1},
    }
    first = document["findings"][0]
    assert first["severity"] == "critical"
    assert set(first) >= {
        "fingerprint",
        "rule",
        "name",
        "severity",
        "resource",
        "resources",
        "message",
        "evidence",
        "fix",
        "suppressed",
    }
    intent = document["intents"][0]
    assert intent["from"] == "elb:prod-web"  # the alias, not the Python name from_
    assert "from_" not in intent


def test_output_round_trips_to_the_model() -> None:
    ctx = sample_context()
    assert CheckReport.model_validate_json(render(OutputFormat.JSON, ctx)) == ctx.report


def test_keys_are_sorted_and_indented() -> None:
    text = render(OutputFormat.JSON, sample_context())
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_a_lone_surrogate_from_aws_stays_valid_json() -> None:
    finding = Finding(
        fingerprint="f" * 32,
        rule="R",
        name="r",
        severity=Severity.LOW,
        resource="sg-1",
        message="broken \ud800 name",
    )
    ctx = ReportContext(report=CheckReport.build(SnapshotSummary(), [finding], []))
    text = render(OutputFormat.JSON, ctx)
    text.encode("utf-8")  # writable as UTF-8
    assert json.loads(text)["findings"][0]["message"] == "broken \ud800 name"
