"""``--format text``: plain and stable without colour, rich styling with it, never terminal escapes
coming from AWS."""

from __future__ import annotations

from formats_fixtures import sample_context

from sgaudit.findings import CheckReport, Finding, ReportContext, Severity, SnapshotSummary
from sgaudit.formats import OutputFormat, render


def test_plain_text_has_no_escape_sequences() -> None:
    out = render(OutputFormat.TEXT, sample_context())
    assert "\x1b" not in out
    assert "CRITICAL (1)" in out
    assert "Findings: 7 (1 critical, 3 high, 1 medium, 1 low, 1 info), 1 suppressed" in out


def test_colour_uses_ansi_styles_with_the_same_words() -> None:
    plain = render(OutputFormat.TEXT, sample_context())
    coloured = render(OutputFormat.TEXT, sample_context(), color=True)
    assert "\x1b[" in coloured
    stripped = __import__("re").sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert [line.rstrip() for line in stripped.splitlines()] == plain.splitlines()


def test_findings_are_grouped_by_severity_in_order() -> None:
    out = render(OutputFormat.TEXT, sample_context())
    order = [out.index(f"{s.value.upper()} (") for s in Severity]
    assert order == sorted(order)
    assert out.index("SUPPRESSED (1)") > order[-1]


def test_terminal_escapes_and_markup_from_aws_print_literally() -> None:
    finding = Finding(
        fingerprint="0" * 32,
        rule="R1",
        name="broad-cidr",
        severity=Severity.HIGH,
        resource="sg-1\x1b]0;owned\x07",
        message="name \x1b[31mRED[/] [bold]x[/bold] :smile:\r",
    )
    ctx = ReportContext(report=CheckReport.build(SnapshotSummary(), [finding], []))
    for color in (False, True):
        out = render(OutputFormat.TEXT, ctx, color=color)
        assert "\x1b[31mRED" not in out and "\x07" not in out and "\r" not in out
        assert "\\x1b[31mRED[/] [bold]x[/bold] :smile:\\x0d" in out
        assert "sg-1\\x1b]0;owned\\x07" in out
