"""``intent-violated``: a flow the intents forbid (``expect: blocked``) is reachable, fully or partly."""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import revoke_cli, terraform_remove
from sgaudit.checks.intent_blocked import intent_evidence
from sgaudit.findings import Finding, Fix
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class IntentViolatedParams(CheckParams):
    """Parameters of ``intent-violated`` (none yet)."""


@register_check("intent-violated", params=IntentViolatedParams)
def intent_violated(ctx: CheckContext, spec: RuleSpec, params: IntentViolatedParams) -> Iterable[Finding]:
    """Report forbidden flows that some source can use, naming the rules that let them through."""
    for case in ctx.intents:
        if case.expect != "blocked" or case.result.verdict not in ("reachable", "partial"):
            continue
        allowing = sorted(
            {
                h.rule
                for h in case.result.hops
                if h.kind.startswith("security-group") and h.result.value == "allow" and h.rule
            }
        )
        rules = [ctx.rules_by_id[i] for i in allowing if i in ctx.rules_by_id]
        how = f" through {', '.join(allowing)}" if allowing else ""
        extent = "reachable" if case.result.verdict == "reachable" else "reachable for some pairs"
        evidence = intent_evidence(case)
        evidence["allowing_rules"] = allowing
        yield make_finding(
            spec,
            resource=case.destination.selector,
            detail=f"{case.flow_label}",
            resources=[case.source.selector, *sorted({r.group_id for r in rules})],
            arn=case.destination.arn,
            message=f"intent {case.name!r} forbids {case.flow_label}, but it is {extent}{how}",
            evidence=evidence,
            fix=Fix(
                summary=(
                    f"remove or narrow the rules that allow {case.flow_label}"
                    + (f": {', '.join(allowing)}" if allowing else "")
                ),
                aws_cli="\n".join(revoke_cli(r) for r in rules) or None,
                terraform="\n".join(terraform_remove(r) for r in rules) or None,
            ),
        )
