"""``--format junit``: one suite per rule, one case per (rule, resource), readable by junitparser."""

from __future__ import annotations

from pathlib import Path

from formats_fixtures import incomplete_context, large_context, payload_context, sample_context
from junitparser import Error, Failure, JUnitXml, Skipped

from sgaudit.formats import OutputFormat, render
from sgaudit.formats._common import rule_catalogue


def parse(tmp_path: Path, text: str) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def outcomes(xml: JUnitXml) -> dict[str, dict[str, str]]:
    """suite name -> case name -> pass/failure/skipped/error."""
    out: dict[str, dict[str, str]] = {}
    for suite in xml:
        cases = out.setdefault(suite.name, {})
        for case in suite:
            kinds = {type(r) for r in case.result}
            cases[case.name] = (
                "failure"
                if Failure in kinds
                else "error"
                if Error in kinds
                else "skipped"
                if Skipped in kinds
                else "pass"
            )
    return out


def test_counts(tmp_path: Path) -> None:
    ctx = sample_context()
    xml = parse(tmp_path, render(OutputFormat.JUNIT, ctx))
    result = outcomes(xml)
    # 1 snapshot suite + one per catalogue rule.
    assert len(result) == 1 + len(rule_catalogue(ctx))
    assert result["snapshot"] == {"snapshot is complete": "pass"}
    assert result["intent-blocked (SGA001)"] == {"ecs:prod/api": "failure", "ecs:prod/worker": "failure"}
    assert result["half-open-reference (SGA010)"] == {"sg-0db5432postgres01": "failure"}
    assert result["broad-cidr (SGA040)"] == {"sg-0stagingweb0001": "skipped"}
    assert result["public-database (SGA030)"] == {"no findings": "pass"}
    xml.update_statistics()
    assert (xml.tests, xml.failures, xml.skipped, xml.errors) == (13, 7, 1, 0)


def test_declared_totals_match_the_cases(tmp_path: Path) -> None:
    xml = parse(tmp_path, render(OutputFormat.JUNIT, sample_context()))
    declared = (xml.tests, xml.failures, xml.skipped, xml.errors)
    xml.update_statistics()
    assert declared == (xml.tests, xml.failures, xml.skipped, xml.errors)


def test_failure_carries_message_and_fix(tmp_path: Path) -> None:
    xml = parse(tmp_path, render(OutputFormat.JUNIT, sample_context()))
    suite = next(s for s in xml if s.name == "half-open-reference (SGA010)")
    (case,) = list(suite)
    assert case.classname == "sgaudit.half-open-reference"
    (failure,) = case.result
    assert failure.type == "high"
    assert failure.message.startswith("sg-0api8080tasks001 (prod-api-tasks) allows egress")
    assert "aws ec2 authorize-security-group-ingress --group-id sg-0db5432postgres01" in failure.text
    assert 'resource "aws_vpc_security_group_ingress_rule"' in failure.text


def test_an_incomplete_snapshot_errors(tmp_path: Path) -> None:
    xml = parse(tmp_path, render(OutputFormat.JUNIT, incomplete_context()))
    assert outcomes(xml)["snapshot"] == {"snapshot is complete": "error"}
    assert xml.errors == 1


def test_large_and_hostile_reports_parse(tmp_path: Path) -> None:
    xml = parse(tmp_path, render(OutputFormat.JUNIT, large_context()))
    assert xml.failures > 0
    hostile = parse(tmp_path, render(OutputFormat.JUNIT, payload_context()))
    assert hostile.errors == 1  # the payload snapshot is incomplete
