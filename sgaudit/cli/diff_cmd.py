"""``sgaudit diff OLD NEW``: flows newly allowed or newly blocked between two snapshots, and findings new
or gone, with a non-zero exit when a change opens a flow from the internet or adds a critical/high finding,
so a team can gate an infrastructure change."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sgaudit.errors import ExitCode
from sgaudit.findings import SCHEMA_VERSION, Finding, Severity
from sgaudit.netalgebra import NO_TRAFFIC, Traffic
from sgaudit.pipeline import CheckRun, run_check

NAME = "diff"
HELP = "flows and findings opened or closed between two snapshots"

GATE_SEVERITY = Severity.HIGH


class FlowChange(BaseModel):
    """Traffic between two endpoints that one snapshot allows and the other does not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    destination: str
    protocol: str
    ports: str


class FindingChange(BaseModel):
    """A finding present in one snapshot only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str
    rule: str
    name: str
    severity: Severity
    resource: str
    message: str
    suppressed: bool


class SnapshotDiff(BaseModel):
    """The ``diff --format json`` document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    old: str
    new: str
    complete: bool
    flows_opened: list[FlowChange] = Field(default_factory=list)
    flows_closed: list[FlowChange] = Field(default_factory=list)
    findings_new: list[FindingChange] = Field(default_factory=list)
    findings_gone: list[FindingChange] = Field(default_factory=list)

    @property
    def gate_reasons(self) -> list[str]:
        """Why the change should not land: new internet flows and new critical/high findings."""
        out = [
            f"new flow from the internet: {f.destination} {f.protocol} {f.ports}"
            for f in self.flows_opened
            if f.source == "internet"
        ]
        out += [
            f"new {f.severity.value} finding {f.name} on {f.resource}"
            for f in self.findings_new
            if not f.suppressed and f.severity.at_least(GATE_SEVERITY)
        ]
        return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sgaudit diff``."""
    parser.add_argument("old", metavar="OLD", type=Path, help="the snapshot before the change")
    parser.add_argument("new", metavar="NEW", type=Path, help="the snapshot after the change")
    parser.add_argument("--intents", metavar="FILE", type=Path, help="intents and suppressions for both runs")
    parser.add_argument("--rules", metavar="DIR", type=Path, help="an extra rule pack folder")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--allow-partial", action="store_true", help="do not exit 3 on an incomplete snapshot"
    )


def _traffic_by_pair(flows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], Traffic]:
    out: dict[tuple[str, str], Traffic] = defaultdict(lambda: NO_TRAFFIC)
    for src, dst, protocol, ports in flows:
        out[(src, dst)] = out[(src, dst)] | Traffic.from_matrix_entry(protocol, ports)
    return out


def _flow_changes(
    before: dict[tuple[str, str], Traffic], after: dict[tuple[str, str], Traffic]
) -> list[FlowChange]:
    """What ``after`` allows that ``before`` does not, per endpoint pair, as matrix rows."""
    out = []
    for (src, dst), traffic in sorted(after.items()):
        added = traffic - before.get((src, dst), NO_TRAFFIC)
        out += [
            FlowChange(source=src, destination=dst, protocol=e.protocol, ports=e.ports)
            for e in added.matrix_entries()
        ]
    return out


def _finding_change(f: Finding) -> FindingChange:
    return FindingChange(
        fingerprint=f.fingerprint,
        rule=f.rule,
        name=f.name,
        severity=f.severity,
        resource=f.resource,
        message=f.message,
        suppressed=f.suppressed,
    )


def diff_runs(old: CheckRun, new: CheckRun) -> SnapshotDiff:
    """Compare two check runs: flows by endpoint pair and traffic, findings by fingerprint."""
    before = _traffic_by_pair(old.matrix_rows)
    after = _traffic_by_pair(new.matrix_rows)
    old_prints = {f.fingerprint: f for f in old.report.findings}
    new_prints = {f.fingerprint: f for f in new.report.findings}
    return SnapshotDiff(
        old=str(old.inventory.source),
        new=str(new.inventory.source),
        complete=old.inventory.complete and new.inventory.complete,
        flows_opened=_flow_changes(before, after),
        flows_closed=_flow_changes(after, before),
        findings_new=[_finding_change(f) for p, f in new_prints.items() if p not in old_prints],
        findings_gone=[_finding_change(f) for p, f in old_prints.items() if p not in new_prints],
    )


def render_text(d: SnapshotDiff) -> str:
    """A person's view of the diff."""
    lines = [f"sgaudit diff {d.old} -> {d.new}" + ("" if d.complete else "  (INCOMPLETE snapshot)")]

    def flows(title: str, rows: list[FlowChange], mark: str) -> None:
        lines.append(f"{title}: {len(rows)}")
        lines.extend(f"  {mark} {r.source} -> {r.destination} {r.protocol} {r.ports}" for r in rows)

    def findings(title: str, rows: list[FindingChange], mark: str) -> None:
        lines.append(f"{title}: {len(rows)}")
        for r in rows:
            note = " (suppressed)" if r.suppressed else ""
            lines.append(f"  {mark} {r.severity.value:<8} {r.name} {r.resource}{note}: {r.message}")

    flows("flows opened", d.flows_opened, "+")
    flows("flows closed", d.flows_closed, "-")
    findings("findings new", d.findings_new, "+")
    findings("findings gone", d.findings_gone, "-")
    reasons = d.gate_reasons
    lines.append("gate: FAIL (" + "; ".join(reasons) + ")" if reasons else "gate: pass")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Print the diff; exit 1 when it opens an internet flow or adds a critical/high finding."""
    old = run_check(args.old, config_path=args.intents, rules_dir=args.rules)
    new = run_check(args.new, config_path=args.intents, rules_dir=args.rules)
    d = diff_runs(old, new)
    if args.format == "json":
        print(json.dumps(d.model_dump(mode="json"), indent=2, sort_keys=True))
    else:
        print(render_text(d), end="")
    if not d.complete and not args.allow_partial:
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.FINDINGS if d.gate_reasons else ExitCode.CLEAN)
