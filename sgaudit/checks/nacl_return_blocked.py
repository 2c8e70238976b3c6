"""``nacl-return-blocked``: an intended or inferred flow the groups allow dies on a NACL's return leg.

NACLs are stateless: the reply travels to the client's ephemeral port and needs its own allow rule on
both subnets' NACLs. Security groups are stateful and hide the problem from anyone who looks only at
them. The ephemeral range depends on the client (``settings.ephemeral_ports``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import nacl_entry_fix
from sgaudit.checks.intent_blocked import SG_CODES, describe_blocker, intent_evidence, is_nacl_return
from sgaudit.checks.intents import IntentCase
from sgaudit.findings import Finding, Fix
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class NaclReturnParams(CheckParams):
    """Parameters of ``nacl-return-blocked``."""

    include_inferred: bool = True


def _client_kind(case: IntentCase) -> str:
    kinds = {p.client_kind for p in case.source.placements}
    return sorted(kinds)[0] if kinds else "other"


def _peer_cidr(ctx: CheckContext, case: IntentCase, direction: str) -> str:
    """The CIDR the return entry names: the client's subnet on the server's egress, else the server's."""
    side = case.source if direction == "egress" else case.destination
    subnets = sorted({p.subnet_id for p in side.placements if p.subnet_id})
    cidrs = [ctx.inventory.subnets[s].cidr_block for s in subnets if s in ctx.inventory.subnets]
    real = [c for c in cidrs if c]
    return real[0] if len(real) == 1 else "0.0.0.0/0"


@register_check("nacl-return-blocked", params=NaclReturnParams)
def nacl_return_blocked(ctx: CheckContext, spec: RuleSpec, params: NaclReturnParams) -> Iterable[Finding]:
    """Report NACL return-leg blockers of flows whose security groups allow them."""
    for case in ctx.intents:
        if case.expect != "reachable" or (case.inferred and not params.include_inferred):
            continue
        blockers = case.result.blockers
        if any(b.code in SG_CODES for b in blockers):
            continue  # the security groups do not allow it: intent-blocked / half-open-reference say so
        by_acl: dict[tuple[str, str], list[str]] = {}
        for b in blockers:
            if is_nacl_return(b):
                by_acl.setdefault((b.component, b.direction or "?"), []).append(describe_blocker(b))
        for (acl_id, direction), details in sorted(by_acl.items()):
            fixes = [
                Fix(summary=f.summary, aws_cli=f.aws_cli, terraform=f.terraform)
                for f in case.result.fixes
                if f.kind == "nacl-entry" and f.resource_id == acl_id
            ]
            lo, hi = ctx.engine.options.ephemeral_range(_client_kind(case))
            fallback = nacl_entry_fix(
                f"allow the return traffic of {case.flow_label} ({case.protocol} {lo}-{hi})"
                f" on {acl_id} {direction}",
                acl_id,
                egress=direction == "egress",
                rule_number=99,
                protocol=case.protocol,
                from_port=lo,
                to_port=hi,
                cidr=_peer_cidr(ctx, case, direction),
            )
            fix = (
                fixes[0]
                if len(fixes) == 1
                else (
                    Fix(
                        summary="; ".join(f.summary for f in fixes),
                        aws_cli="\n".join(f.aws_cli or "" for f in fixes),
                        terraform="\n\n".join(f.terraform or "" for f in fixes),
                    )
                    if fixes
                    else fallback
                )
            )
            label = f"inferred flow ({case.reason})" if case.inferred else f"intent {case.name!r}"
            evidence = intent_evidence(case)
            evidence["nacl"] = acl_id
            evidence["direction"] = direction
            evidence["ephemeral_ports"] = f"{lo}-{hi}"
            yield make_finding(
                spec,
                resource=acl_id,
                detail=f"{case.flow_label}|{direction}",
                resources=[case.source.selector, case.destination.selector],
                message=(
                    f"{label} {case.flow_label}: the security groups allow it, but NACL {acl_id} blocks the"
                    f" return traffic ({direction}, client ephemeral ports {lo}-{hi}): " + "; ".join(details)
                ),
                evidence=evidence,
                fix=fix,
            )
