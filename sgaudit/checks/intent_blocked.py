"""``intent-blocked``: a flow the intents require is not reachable (or only partly, or undecidably).

Written intents are always reported. An inferred intent is left out when every blocker is already the
subject of a more specific enabled rule (``half-open-reference`` for the security-group side of an
inferred SG pair, ``nacl-return-blocked`` for a NACL return leg), so one mistake gives one finding.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.checks.intents import IntentCase
from sgaudit.engine import Blocker, PathResult
from sgaudit.findings import Finding, Fix, Severity
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec

SG_CODES = frozenset({"ENI_SG_RULES_MISMATCH", "SG_REFERENCES_NOT_PRESERVED"})


class IntentBlockedParams(CheckParams):
    """Parameters of ``intent-blocked``."""

    include_inferred: bool = True
    report_unknown: bool = True
    unknown_severity: Severity = Severity.MEDIUM
    partial_severity: Severity | None = None
    """Severity when only some pairs are reachable (default: the rule's)."""


def describe_blocker(b: Blocker) -> str:
    """``ENI_SG_RULES_MISMATCH: sg-1 egress (forward)`` and the like."""
    where = f"{b.component_kind} {b.component}"
    extra = ", ".join(
        x
        for x in [
            b.direction,
            f"{b.leg} leg" if b.leg == "return" else None,
            f"rule {b.rule}" if b.rule else None,
        ]
        if x
    )
    return f"{b.code} at {where}" + (f" ({extra})" if extra else "") + (f": {b.detail}" if b.detail else "")


def fix_from_path(result: PathResult, fallback: str) -> Fix:
    """The engine's minimal fixes as one :class:`Fix`."""
    if not result.fixes:
        return Fix(summary=fallback)
    return Fix(
        summary="; ".join(f.summary for f in result.fixes),
        aws_cli="\n".join(f.aws_cli for f in result.fixes),
        terraform="\n\n".join(f.terraform for f in result.fixes),
    )


def is_nacl_return(b: Blocker) -> bool:
    """A blocker on a NACL's return leg."""
    return b.leg == "return" and b.code == "SUBNET_ACL_RESTRICTION"


def _covered_elsewhere(ctx: CheckContext, case: IntentCase) -> bool:
    blockers = case.result.blockers
    if not blockers:
        return False
    half_open = ctx.rule("half-open-reference") is not None and case.kind == "sg-reference"
    nacl_return = ctx.rule("nacl-return-blocked") is not None
    return all((half_open and b.code in SG_CODES) or (nacl_return and is_nacl_return(b)) for b in blockers)


def intent_evidence(case: IntentCase) -> dict[str, object]:
    """Evidence common to intent findings."""
    r = case.result
    return {
        "intent": case.name,
        "inferred": case.inferred,
        "reason": case.reason,
        "where": case.where or None,
        "flow": case.flow_label,
        "verdict": r.verdict,
        "expect": case.expect,
        "pairs": {v: sum(1 for p in r.pairs if p.verdict == v) for v in ("reachable", "blocked", "unknown")},
        "blockers": [describe_blocker(b) for b in r.blockers],
        "unknowns": list(r.unknowns),
    }


@register_check("intent-blocked", params=IntentBlockedParams)
def intent_blocked(ctx: CheckContext, spec: RuleSpec, params: IntentBlockedParams) -> Iterable[Finding]:
    """Report required flows (written or inferred) that are not fully reachable."""
    for case in ctx.intents:
        if case.expect != "reachable" or case.result.verdict == "reachable":
            continue
        if case.inferred and (not params.include_inferred or _covered_elsewhere(ctx, case)):
            continue
        verdict = case.result.verdict
        severity = None
        if verdict == "unknown":
            if not params.report_unknown:
                continue
            severity = params.unknown_severity
        elif verdict == "partial":
            severity = params.partial_severity
        label = f"inferred intent ({case.reason})" if case.inferred else f"intent {case.name!r}"
        blockers = "; ".join(describe_blocker(b) for b in case.result.blockers)
        if verdict == "unknown":
            why = "cannot be decided: " + "; ".join(case.result.unknowns or ["some layer is undecidable"])
        else:
            why = {"blocked": "is blocked", "partial": "is only partly reachable"}[verdict]
            why += f": {blockers}" if blockers else ""
        yield make_finding(
            spec,
            resource=case.destination.selector,
            detail=f"{case.flow_label}|{case.kind}",
            resources=[case.source.selector],
            arn=case.destination.arn,
            severity=severity,
            message=f"{label} {case.flow_label} {why}",
            evidence=intent_evidence(case),
            fix=fix_from_path(case.result, f"open the path {case.flow_label} at every blocker listed"),
        )
