"""Every output format renders, deterministically, and has its default file name."""

from __future__ import annotations

import pytest
from formats_fixtures import incomplete_context, sample_context

from sgaudit.findings import CheckReport, ReportContext, SnapshotSummary
from sgaudit.formats import OutputFormat, default_filename, render


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders_the_sample(fmt: OutputFormat) -> None:
    out = render(fmt, sample_context())
    assert out.strip()
    assert out.endswith("\n")
    assert "sg-0db5432postgres01" in out or fmt is OutputFormat.MARKDOWN


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_is_byte_stable(fmt: OutputFormat) -> None:
    assert render(fmt, sample_context()) == render(fmt, sample_context())


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders_an_empty_report(fmt: OutputFormat) -> None:
    empty = ReportContext(report=CheckReport.build(SnapshotSummary(), [], []))
    assert render(fmt, empty).strip()


@pytest.mark.parametrize("fmt", [f for f in OutputFormat if f not in {OutputFormat.JSON, OutputFormat.SARIF}])
def test_every_human_format_says_the_snapshot_is_incomplete(fmt: OutputFormat) -> None:
    # JSON and SARIF say it in their own fields (tested with them); the others say it in words.
    out = render(fmt, incomplete_context())
    assert "INCOMPLETE" in out
    assert "rds:DescribeDBInstances failed (AccessDenied)" in out
    assert "INCOMPLETE" not in render(fmt, sample_context())


def test_default_filenames_match_sgaudit_demo() -> None:
    assert {f.value: default_filename(f) for f in OutputFormat} == {
        "text": "report.txt",
        "json": "findings.json",
        "sarif": "findings.sarif",
        "junit": "junit.xml",
        "markdown": "summary.md",
        "html": "report.html",
    }


def test_format_values_are_the_cli_choices() -> None:
    assert [f.value for f in OutputFormat] == ["text", "json", "sarif", "junit", "markdown", "html"]
    assert OutputFormat("sarif") is OutputFormat.SARIF
