"""``--format text``: the terminal report.

The content is built once as a list of :class:`rich.text.Text` lines. Without colour the plain text of
those lines is the output (stable, no terminal width involved, fit for golden files and logs); with
colour rich renders the same lines with styles. ``Text`` objects never parse markup, so a ``[bold]`` or
``:emoji:`` inside an AWS name prints literally, and control characters are escaped beforehand so a
crafted name cannot send ANSI sequences to the terminal.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from sgaudit.findings import Finding, IntentResult, ReportContext, Severity
from sgaudit.formats._common import (
    active,
    clean,
    intent_name,
    intent_port,
    one_line,
    scope_label,
    severity_line,
    snapshot_errors,
)

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "bold cyan",
    Severity.INFO: "bold blue",
}

_INDENT = "    "


def render(ctx: ReportContext, *, color: bool = False) -> str:
    """The text report; ``color`` selects ANSI styling (the caller decides, e.g. from ``NO_COLOR``)."""
    lines = build_lines(ctx)
    if not color:
        return "".join(line.plain.rstrip() + "\n" for line in lines)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        width=120,
        soft_wrap=True,  # never re-wrap: commands must stay copy-pasteable
        highlight=False,
        emoji=False,
        markup=False,
    )
    for line in lines:
        console.print(line)
    return buffer.getvalue()


def build_lines(ctx: ReportContext) -> list[Text]:
    """Every line of the report, styled; the plain form is their ``.plain``."""
    report = ctx.report
    lines: list[Text] = [Text(f"sgaudit {clean(report.tool.version)} check report", style="bold")]
    lines.extend(_snapshot_lines(ctx))
    if ctx.generated_at:
        lines.append(Text(f"Generated: {clean(ctx.generated_at)}"))
    lines.append(Text(""))

    suppressed = [f for f in report.findings if f.suppressed]
    summary = Text("Findings: ", style="bold")
    summary.append(f"{report.summary.findings} ({severity_line(report.summary.by_severity)})")
    if suppressed:
        summary.append(f", {len(suppressed)} suppressed", style="dim")
    lines.append(summary)

    findings = active(report.findings)
    if not findings:
        lines.append(Text("No findings.", style="green"))
    for sev in Severity:
        group = [f for f in findings if f.severity is sev]
        if not group:
            continue
        lines.append(Text(""))
        lines.append(Text(f"{sev.value.upper()} ({len(group)})", style=SEVERITY_STYLE[sev]))
        for finding in group:
            lines.extend(_finding_lines(finding))

    if suppressed:
        lines.append(Text(""))
        lines.append(Text(f"SUPPRESSED ({len(suppressed)})", style="bold dim"))
        for finding in suppressed:
            lines.extend(_suppressed_lines(finding))

    if report.intents:
        failed = sum(1 for i in report.intents if not i.ok)
        lines.append(Text(""))
        head = Text("Intents: ", style="bold")
        head.append(f"{len(report.intents)} ({failed} failed)")
        lines.append(head)
        lines.extend(_intent_line(i) for i in report.intents)
    return lines


def _snapshot_lines(ctx: ReportContext) -> list[Text]:
    snap = ctx.report.snapshot
    lines: list[Text] = []
    state = Text("Snapshot: ")
    if snap.complete:
        state.append("complete", style="green")
    else:
        errors = snapshot_errors(ctx)
        state.append("INCOMPLETE", style="bold white on red")
        state.append(f" ({len(errors)} failed calls: findings and verdicts may be missing)", style="red")
    lines.append(state)
    if snap.source:
        lines.append(Text(f"  source: {one_line(snap.source)}"))
    if snap.created_at:
        lines.append(Text(f"  collected: {one_line(snap.created_at)}"))
    if snap.scopes:
        scopes = ", ".join(scope_label(s.account, s.region) for s in snap.scopes)
        lines.append(Text(f"  scopes: {scopes}"))
    lines.extend(Text(f"  ! {err}", style="red") for err in snapshot_errors(ctx))
    return lines


def _finding_lines(finding: Finding) -> list[Text]:
    head = Text("  ")
    head.append(clean(finding.name), style="bold")
    head.append(f" [{clean(finding.rule)}] ", style="dim")
    head.append(one_line(finding.resource), style="underline")
    lines = [head]
    lines.extend(_block(finding.message, _INDENT))
    if finding.arn:
        lines.append(Text(f"{_INDENT}arn: {one_line(finding.arn)}", style="dim"))
    if finding.fix is not None:
        fix = Text(f"{_INDENT}fix: ", style="green")
        fix.append(one_line(finding.fix.summary))
        lines.append(fix)
        if finding.fix.aws_cli:
            lines.extend(_block(finding.fix.aws_cli, _INDENT + "  ", style="cyan"))
    return lines


def _suppressed_lines(finding: Finding) -> list[Text]:
    line = Text(f"  {finding.severity.value} {clean(finding.name)} [{clean(finding.rule)}] ", style="dim")
    line.append(one_line(finding.resource), style="dim")
    lines = [line]
    if finding.suppression is not None:
        why = f"{_INDENT}suppressed by {finding.suppression.kind}: {one_line(finding.suppression.reason)}"
        if finding.suppression.expires:
            why += f" (until {one_line(finding.suppression.expires)})"
        lines.append(Text(why, style="dim"))
    return lines


def _intent_line(intent: IntentResult) -> Text:
    line = Text("  ")
    line.append("ok  " if intent.ok else "FAIL", style="green" if intent.ok else "bold red")
    line.append(f"  {one_line(intent_name(intent.name, intent.inferred))}")
    line.append(
        f": {one_line(intent.from_)} -> {one_line(intent.to)} {intent_port(intent.protocol, intent.port)},"
        f" expect {intent.expect}, verdict {intent.verdict}"
    )
    if intent.reason:
        line.append(f" ({one_line(intent.reason)})", style="dim")
    return line


def _block(value: str, indent: str, style: str = "") -> list[Text]:
    """A possibly multi-line string, each line indented (a shell command keeps its continuations)."""
    return [Text(indent + part, style=style) for part in clean(value).splitlines() or [""]]
