"""``--format markdown``: a short summary for a pull request or ``$GITHUB_STEP_SUMMARY``.

Counts by severity, the top findings, the failed intents and a Mermaid ``flowchart LR`` of the flows
that matter. Every string that comes from AWS goes through one of three escapers: :func:`md_text` for
prose (HTML and Markdown punctuation neutralised), :func:`md_code` for identifiers (a code span that no
backtick or pipe can break out of) and :func:`mermaid_label` for chart labels (Mermaid entity codes, so
no quote, bracket or backtick can end a label or the fenced block).
"""

from __future__ import annotations

import html
import re

from sgaudit.findings import EndpointView, IntentResult, ReportContext, Severity
from sgaudit.formats._common import active, intent_name, intent_port, one_line, scope_label, snapshot_errors
from sgaudit.formats.network import Picture, build_picture, is_outside, key_edges

TOP_FINDINGS = 15
"""Rows of the top-findings table; the full list belongs in the HTML report."""

MAX_EDGES = 40
"""Edges of the Mermaid chart; beyond that it stops being readable (and GitHub caps chart size)."""

MAX_NODES = 50
"""Endpoints of the Mermaid chart, for the same reason."""

MAX_MESSAGE = 240

SEVERITY_BADGE: dict[Severity, str] = {
    Severity.CRITICAL: "🔴 Critical",
    Severity.HIGH: "🟠 High",
    Severity.MEDIUM: "🟡 Medium",
    Severity.LOW: "🔵 Low",
    Severity.INFO: "⚪ Info",
}

# What can start emphasis, code, a link, a table cell, strikethrough or (on GitHub) math inside a cell.
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .:/=@+,%#()-]*")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def md_text(value: str, limit: int | None = None) -> str:
    """AWS prose made inert for a Markdown table cell: one line, HTML escaped, punctuation escaped."""
    text = one_line(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    # Escape HTML first (so no tag or entity survives), then backslash Markdown's punctuation; the
    # entities produced by the first step contain none of the characters the second step escapes.
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=True))


def md_code(value: str) -> str:
    """An identifier in monospace inside a table cell.

    A plain id (``sg-0abc``, ``ecs:prod/api``) becomes a code span. Anything else becomes ``<code>``
    around escaped text: a code span shows its content raw (no entity would decode), so it is no place
    for a ``<script>`` from AWS, while text between ``<code>`` tags is escaped like any other prose.
    """
    text = one_line(value)
    if _PLAIN_ID.fullmatch(text):
        return f"`{text}`"
    return f"<code>{md_text(text)}</code>"


def mermaid_label(value: str) -> str:
    """Text for a quoted Mermaid label: every character that could end or reinterpret it as an entity."""
    out: list[str] = []
    for char in one_line(value):
        if char in '#"&<>`%[](){}|;\\':
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def render(ctx: ReportContext) -> str:
    """The Markdown summary."""
    report = ctx.report
    lines: list[str] = []
    total = report.summary.findings
    lines.append(f"## sgaudit check: {total} finding{'s' if total != 1 else ''}")
    lines.append("")
    if not report.snapshot.complete:
        errors = snapshot_errors(ctx)
        lines.append("> [!CAUTION]")
        lines.append(
            f"> **Snapshot INCOMPLETE**: {len(errors)} collection calls failed;"
            " findings and verdicts may be missing."
        )
        lines.extend(f"> - {md_text(e)}" for e in errors)
        lines.append("")
    lines.append(_scope_line(ctx))
    lines.append("")

    suppressed = sum(1 for f in report.findings if f.suppressed)
    lines.append("| " + " | ".join(SEVERITY_BADGE[s] for s in Severity) + " | Suppressed |")
    lines.append("| " + " | ".join("---:" for _ in Severity) + " | ---: |")
    counts = [str(report.summary.by_severity.get(s.value, 0)) for s in Severity]
    lines.append("| " + " | ".join(counts) + f" | {suppressed} |")
    lines.append("")

    findings = active(report.findings)
    if findings:
        lines.append("### Top findings")
        lines.append("")
        lines.append("| Severity | Rule | Resource | Finding |")
        lines.append("| --- | --- | --- | --- |")
        for f in findings[:TOP_FINDINGS]:
            lines.append(
                f"| **{f.severity.value}** | {md_code(f.name)} | {md_code(f.resource)} |"
                f" {md_text(f.message, MAX_MESSAGE)} |"
            )
        if len(findings) > TOP_FINDINGS:
            lines.append("")
            lines.append(
                f"_Showing {TOP_FINDINGS} of {len(findings)} findings; the HTML report has them all._"
            )
        lines.append("")
    else:
        lines.append("No findings.")
        lines.append("")

    failed = [i for i in report.intents if not i.ok]
    if report.intents:
        lines.append(f"### Intents: {len(report.intents) - len(failed)} of {len(report.intents)} hold")
        lines.append("")
    if failed:
        lines.append("| Intent | From | To | Port | Expected | Verdict |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        lines.extend(_intent_row(i) for i in failed)
        lines.append("")

    picture = build_picture(ctx)
    if picture.edge_count:
        lines.append("### Network")
        lines.append("")
        lines.extend(mermaid(picture))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _scope_line(ctx: ReportContext) -> str:
    snap = ctx.report.snapshot
    parts = []
    if snap.scopes:
        parts.append(
            "**Scope:** " + ", ".join(md_code(scope_label(s.account, s.region)) for s in snap.scopes)
        )
    if snap.created_at:
        parts.append(f"**Collected:** {md_text(snap.created_at)}")
    if ctx.generated_at:
        parts.append(f"**Generated:** {md_text(ctx.generated_at)}")
    parts.append(f"sgaudit {md_text(ctx.report.tool.version)}")
    return " · ".join(parts)


def _intent_row(intent: IntentResult) -> str:
    name = md_text(intent_name(intent.name, intent.inferred))
    return (
        f"| {name} | {md_code(intent.from_)} | {md_code(intent.to)} |"
        f" {md_code(intent_port(intent.protocol, intent.port))} | {intent.expect} | **{intent.verdict}** |"
    )


def mermaid(picture: Picture) -> list[str]:
    """A fenced Mermaid ``flowchart LR``: VPCs as subgraphs, failed intents as red dashed edges.

    A large estate has far more flows than a chart can show: :func:`key_edges` picks the ones that
    matter (failed intents, then internet -> load balancer -> service -> database), at most
    :data:`MAX_EDGES` between at most :data:`MAX_NODES` endpoints, and a note says how many are left out.
    """
    chosen = key_edges(picture, MAX_EDGES, MAX_NODES)
    used = {s for e in chosen for s in (e.source, e.destination)}
    ids = {e.selector: f"n{i}" for i, e in enumerate(x for x in picture.endpoints if x.selector in used)}

    out = ["```mermaid", "flowchart LR"]
    by_vpc: dict[str | None, list[EndpointView]] = {}
    for endpoint in picture.endpoints:
        if endpoint.selector in ids:
            by_vpc.setdefault(None if is_outside(endpoint) else endpoint.vpc, []).append(endpoint)
    out.extend(f"  {_node(ids[e.selector], e)}" for e in by_vpc.pop(None, []))
    for index, vpc in enumerate(sorted(v for v in by_vpc if v is not None)):
        out.append(f'  subgraph vpc{index}["{mermaid_label(vpc)}"]')
        out.extend(f"    {_node(ids[e.selector], e)}" for e in by_vpc[vpc])
        out.append("  end")

    red: list[int] = []
    amber: list[int] = []
    for index, edge in enumerate(chosen):
        src, dst = ids[edge.source], ids[edge.destination]
        if edge.failed_intent is not None:
            red.append(index)
            wanted = "" if edge.expect == "reachable" else ", must be blocked"
            label = mermaid_label(f"✗ {edge.failed_intent} {edge.label}: {edge.verdict}{wanted}")
            out.append(f'  {src} -.->|"{label}"| {dst}')
        else:
            if edge.exposed:
                red.append(index)
            elif edge.verdict != "reachable":
                amber.append(index)
            arrow = "-->" if edge.verdict == "reachable" else "-.->"
            out.append(f'  {src} {arrow}|"{mermaid_label(edge.label)}"| {dst}')

    exposed = sorted(ids[s] for s in picture.exposed if s in ids)
    outside = sorted(ids[e.selector] for e in picture.endpoints if e.selector in ids and is_outside(e))
    out.append("  classDef outside fill:#fdecea,stroke:#b42318,color:#7a271a")
    out.append("  classDef exposed stroke:#b42318,stroke-width:3px")
    if outside:
        out.append(f"  class {','.join(outside)} outside")
    if exposed:
        out.append(f"  class {','.join(exposed)} exposed")
    failed = [i for i, e in enumerate(chosen) if e.failed_intent is not None]
    exposure = [i for i in red if i not in failed]
    if exposure:
        out.append(f"  linkStyle {','.join(map(str, exposure))} stroke:#d92d20,stroke-width:2px")
    if failed:
        out.append(
            f"  linkStyle {','.join(map(str, failed))} stroke:#d92d20,stroke-width:2px,stroke-dasharray:6 4"
        )
    if amber:
        out.append(f"  linkStyle {','.join(map(str, amber))} stroke:#dc6803,stroke-dasharray:3 3")
    out.append("```")
    if len(chosen) < picture.edge_count:
        out.append("")
        out.append(
            f"_{len(chosen)} of {picture.edge_count} flows shown, between {len(ids)} of"
            f" {len(picture.endpoints)} endpoints: failed intents, then internet exposure and the paths"
            " behind it first; the HTML report lists every flow._"
        )
    return out


def _node(node_id: str, endpoint: EndpointView) -> str:
    text = mermaid_label(endpoint.label)
    if endpoint.label.lower() != endpoint.selector.lower():
        text += "<br/>" + mermaid_label(endpoint.selector)
    shape = {
        "internet": ("((", "))"),
        "rds": ("[(", ")]"),
        "rds-cluster": ("[(", ")]"),
        "elb": ("([", "])"),
    }.get(endpoint.kind, ("[", "]"))
    return f'{node_id}{shape[0]}"{text}"{shape[1]}'
