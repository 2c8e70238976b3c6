"""A small stand-in for the check pipeline, for the tests of what a run does around the check
(S3 layout, comparison, alerts, errors): one finding per world-open ingress rule, read from the
snapshot's inventory. The real pipeline is exercised by the acceptance tests."""

from __future__ import annotations

from pathlib import Path

from sgaudit.fanout.report import CheckOutcome
from sgaudit.findings import CheckReport, Finding, ScopeSummary, Severity, SnapshotSummary
from sgaudit.inventory import Direction, PeerKind, load_inventory

ADMIN_PORTS = frozenset({22, 3389})


def fake_checker(
    snapshot: Path,
    *,
    config_path: Path | None,
    baseline_path: Path | None,
    fail_on: str,
    allow_partial: bool,
) -> CheckOutcome:
    """World-open ingress: critical on admin ports, medium elsewhere."""
    inventory = load_inventory(snapshot)
    findings = []
    for group in inventory.security_groups.values():
        for rule in group.rules:
            if rule.direction is not Direction.INGRESS or rule.peer.kind is not PeerKind.CIDR4:
                continue
            if rule.peer.value != "0.0.0.0/0":
                continue
            port = rule.from_port
            severity = Severity.CRITICAL if port in ADMIN_PORTS else Severity.MEDIUM
            detail = f"{rule.protocol}/{rule.from_port}-{rule.to_port}"
            findings.append(
                Finding(
                    fingerprint=Finding.make_fingerprint("world-open", group.group_id, detail),
                    rule="T001",
                    name="world-open",
                    severity=severity,
                    resource=group.group_id,
                    resources=[group.group_id],
                    message=f"{group.group_id} admits {detail} from 0.0.0.0/0",
                )
            )
    summary = SnapshotSummary(
        complete=inventory.complete,
        scopes=[
            ScopeSummary(account=s.account, region=s.region, errors=[e.operation for e in s.errors])
            for s in inventory.scopes
        ],
    )
    report = CheckReport.build(summary, findings, [])
    threshold = None if fail_on == "never" else Severity(fail_on)
    code = 0
    if threshold and any(f.severity.at_least(threshold) for f in report.findings):
        code = 1
    if not inventory.complete and not allow_partial:
        code = 3
    config = config_path.read_text() if config_path else ""
    outputs = {
        "report.html": f"<html><body>{len(findings)} findings{config}</body></html>",
        "findings.json": report.model_dump_json(by_alias=True, indent=2),
        "findings.sarif": "{}",
    }
    return CheckOutcome(report=report, outputs=outputs, exit_code=code)
