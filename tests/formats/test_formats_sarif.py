"""``--format sarif`` is SARIF 2.1.0 valid against the official OASIS schema, shaped for GitHub."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from formats_fixtures import (
    ACCOUNT,
    REGION,
    incomplete_context,
    large_context,
    payload_context,
    sample_context,
)
from jsonschema import Draft4Validator

from sgaudit.findings import ReportContext
from sgaudit.formats import OutputFormat, render
from sgaudit.formats.sarif_format import FINGERPRINT_KEY

# The official schema (OASIS, with its licence beside it in data/).
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@cache
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def sarif(ctx: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(OutputFormat.SARIF, ctx))
    return document


def small_large_context() -> ReportContext:
    """The large generator at a size that validates quickly (the schema does not depend on size)."""
    return large_context(n_findings=300, n_endpoints=120)


@pytest.mark.parametrize("build", [sample_context, incomplete_context, payload_context, small_large_context])
def test_validates_against_the_official_schema(build: Any) -> None:
    errors = sorted(validator().iter_errors(sarif(build())), key=str)
    assert not errors, errors[0]


def test_the_official_schema_catches_a_broken_document() -> None:
    document = sarif(sample_context())
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator().is_valid(document)


def test_driver_and_rules() -> None:
    run = sarif(sample_context())["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sgaudit"
    assert driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    by_name = {r["name"]: r for r in rules}
    half = by_name["half-open-reference"]
    assert half["shortDescription"]["text"] == "Security group reference allowed on one side only"
    assert half["fullDescription"]["text"]
    assert "Add the missing ingress or egress rule" in half["help"]["text"]
    assert "**Remediation.**" in half["help"]["markdown"]
    assert half["helpUri"].startswith("https://")
    assert half["defaultConfiguration"]["level"] == "error"
    assert half["properties"]["security-severity"] == "8.0"
    assert "security" in half["properties"]["tags"]
    scores = {r["name"]: r["properties"]["security-severity"] for r in rules}
    assert scores["internet-admin-ports"] == "9.5"
    assert scores["broad-cidr"] == "5.5"
    assert scores["unused-security-group"] == "3.0"
    assert scores["unrestricted-egress"] == "0.0"


def test_results_point_at_their_rule_and_resource() -> None:
    run = sarif(sample_context())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == 8  # suppressed findings are results too, with a suppression
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"][FINGERPRINT_KEY]
        (location,) = result["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith(f"aws/{ACCOUNT}/{REGION}/")
        assert ":" not in uri  # relative: GitHub rejects unknown URI schemes
        assert location["logicalLocations"][0]["name"]
    half = next(r for r in results if r["ruleId"] == "SGA010")
    assert half["level"] == "error"
    assert half["properties"]["security-severity"] == "8.0"
    assert half["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-0db5432postgres01"
    )
    assert "Fix: Allow tcp/5432 ingress" in half["message"]["text"]
    assert "authorize-security-group-ingress" in half["properties"]["fix"]["aws_cli"]
    selector = next(r for r in results if r["locations"][0]["logicalLocations"][0]["name"] == "ecs:prod/api")
    assert selector["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "/ecs%3Aprod%2Fapi"
    )


def test_fingerprints_are_stable_and_unique() -> None:
    first = [r["partialFingerprints"] for r in sarif(sample_context())["runs"][0]["results"]]
    assert first == [r["partialFingerprints"] for r in sarif(sample_context())["runs"][0]["results"]]
    assert len({json.dumps(f) for f in first}) == len(first)


def test_suppressed_findings_carry_a_suppression() -> None:
    results = sarif(sample_context())["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    (suppression,) = suppressed[0]["suppressions"]
    assert suppression["kind"] == "inSource"  # a resource tag lives on the resource
    assert suppression["status"] == "accepted"
    assert "corporate VPN range" in suppression["justification"]
    assert "2026-12-31" in suppression["justification"]
    payload = sarif(payload_context())["runs"][0]["results"]
    assert any(s["kind"] == "external" for r in payload for s in r.get("suppressions", []))


def test_an_incomplete_snapshot_is_an_unsuccessful_invocation() -> None:
    (invocation,) = sarif(incomplete_context())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("rds:DescribeDBInstances failed (AccessDenied)" in t for t in texts)
    (ok,) = sarif(sample_context())["runs"][0]["invocations"]
    assert ok == {"executionSuccessful": True}
