"""Helpers shared by the renderers: rule lookup, severity metadata, grouping and string hygiene."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sgaudit.findings import INFERRED_PREFIX, Finding, ReportContext, RuleInfo, Severity

# Where users read about the tool (SARIF ``informationUri``, the HTML footer). Plain text, never fetched.
PROJECT_URL = "https://github.com/sgaudit/sgaudit"

# The numeric scores GitHub code scanning reads from ``properties.security-severity``: it maps > 9.0 to
# critical, 7.0-8.9 to high, 4.0-6.9 to medium and 0.1-3.9 to low, so each value sits inside its band.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

# C0 and C1 control characters except tab and newline, lone surrogates and the two non-characters XML
# forbids. They would let a crafted AWS name rewrite a terminal (ANSI escapes), make an XML document
# ill-formed, or fail the UTF-8 encoding of the output, so the renderers replace them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(value: str) -> str:
    """``value`` with control characters shown as ``\\xNN`` escapes, so they cannot act on the reader."""
    return _CONTROL.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(value: str) -> str:
    """``value`` cleaned, with runs of whitespace (newlines included) collapsed to one space."""
    return " ".join(clean(value).split())


def rule_catalogue(ctx: ReportContext) -> list[RuleInfo]:
    """The rules to report, sorted by id: ``ctx.rules`` plus a stand-in for any rule a finding names
    that the catalogue lacks (so a SARIF ``ruleIndex`` or a JUnit suite always has a rule to point at).
    """
    by_id = {r.id: r for r in ctx.rules}
    for f in ctx.report.findings:
        if f.rule not in by_id:
            by_id[f.rule] = RuleInfo(
                id=f.rule, name=f.name, title=f.name, severity=f.severity, description=f.name
            )
    return [by_id[k] for k in sorted(by_id)]


def findings_by_rule(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by rule id, in their (already deterministic) order."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


def active(findings: Iterable[Finding]) -> list[Finding]:
    """The unsuppressed findings."""
    return [f for f in findings if not f.suppressed]


def severity_line(by_severity: dict[str, int]) -> str:
    """``1 critical, 2 high, 0 medium, 0 low, 1 info``: always every level, most severe first."""
    return ", ".join(f"{by_severity.get(s.value, 0)} {s.value}" for s in Severity)


def scope_label(account: str | None, region: str | None) -> str:
    """``123456789012/eu-west-1``, with ``?`` for an unknown part."""
    return f"{clean(account or '?')}/{clean(region or '?')}"


def snapshot_errors(ctx: ReportContext) -> list[str]:
    """One line per failed call of an incomplete snapshot, prefixed by its scope."""
    out: list[str] = []
    for scope in ctx.report.snapshot.scopes:
        label = scope_label(scope.account, scope.region)
        out.extend(f"{label}: {one_line(e)}" for e in scope.errors)
    return out


def intent_name(name: str, inferred: bool) -> str:
    """An intent's name as the text and Markdown reports show it beside its flow: an inferred intent
    named after that very flow is just ``inferred``; a named one keeps its name, marked ``(inferred)``."""
    if not inferred:
        return name
    return "inferred" if name.startswith(INFERRED_PREFIX) else f"{name} (inferred)"


def intent_port(protocol: str, port: int | None) -> str:
    """``tcp/5432``, or just the protocol when the intent has no port."""
    return f"{protocol}/{port}" if port is not None else protocol


_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@=+-]*")


def _plain_id(value: object) -> bool:
    """A value that reads the same without JSON quotes and cannot be confused with a separator."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and _PLAIN_ID.fullmatch(value) is not None)


def evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """Evidence as sorted ``(key, text)`` pairs: scalars as text, a list of plain ids (``sg-1, sg-2``)
    as one line, anything else nested as indented JSON.

    A large estate's evidence lists hundreds of group ids: one indented, quoted JSON line each made the
    HTML report several times bigger than the ids themselves, and no easier to read.
    """
    items: list[tuple[str, str]] = []
    for key in sorted(evidence):
        value = evidence[key]
        if isinstance(value, str):
            text = value
        elif isinstance(value, bool | int | float) or value is None:
            text = json.dumps(value)
        elif isinstance(value, list) and value and all(_plain_id(v) for v in value):
            text = ", ".join(str(v) for v in value)
        else:
            text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        items.append((clean(str(key)), clean(text)))
    return items
