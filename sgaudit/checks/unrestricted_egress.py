"""``unrestricted-egress`` (info): a group allows all traffic to anywhere.

Every new group starts like this, so it is information, not an alarm (tfsec #2001, Prowler #4936): it
matters for data-tier groups and for exfiltration paths, and it is what makes a missing egress rule
invisible until someone tightens it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding, rule_ref, world_open_families
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import revoke_cli, terraform_remove
from sgaudit.findings import Finding, Fix
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class EgressParams(CheckParams):
    """Parameters of ``unrestricted-egress``."""

    only_used_groups: bool = True
    """Skip groups nothing uses (``unused-security-group`` reports those)."""
    include_default_groups: bool = False
    """Default groups are covered by ``default-sg-in-use``."""


@register_check("unrestricted-egress", params=EgressParams)
def unrestricted_egress(ctx: CheckContext, spec: RuleSpec, params: EgressParams) -> Iterable[Finding]:
    """Report groups whose egress allows all traffic to the whole IPv4 or IPv6 space."""
    for g in ctx.sorted_groups:
        if g.is_default and not params.include_default_groups:
            continue
        if params.only_used_groups and not ctx.group_uses.get(g.group_id):
            continue
        all_traffic = [r for r in g.egress if r.protocol == "-1"]
        families = world_open_families(ctx, all_traffic)
        if not families:
            continue
        rules = sorted({rule_ref(r): r for f in families.values() for r in f}.items())
        fams = " and ".join(f"IPv{f}" for f in sorted(families))
        yield make_finding(
            spec,
            resource=g.group_id,
            detail=f"egress-all:{','.join(str(f) for f in sorted(families))}",
            arn=g.arn,
            message=(
                f"{ctx.group_label(g.group_id)} allows all outbound traffic to every {fams} address"
                f" ({', '.join(k for k, _ in rules)})"
            ),
            evidence={"rules": [k for k, _ in rules], "families": sorted(families)},
            fix=Fix(
                summary=(
                    f"replace the allow-all egress of {g.group_id} by rules for the destinations the members"
                    " need (other groups by reference, AWS services by prefix list or VPC endpoint)"
                ),
                aws_cli="\n".join(revoke_cli(r) for _, r in rules),
                terraform="\n".join(terraform_remove(r) for _, r in rules),
            ),
        )
