"""``unused-security-group``: a group nothing uses (no interface, service, function, load balancer,
database, endpoint or instance names it, and no other group's rule references it)."""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.findings import Finding, Fix
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class UnusedParams(CheckParams):
    """Parameters of ``unused-security-group``."""

    ignore_name_prefixes: tuple[str, ...] = ()
    """Group names to leave alone (e.g. groups a deployment tool pre-creates)."""


@register_check("unused-security-group", params=UnusedParams)
def unused_security_group(ctx: CheckContext, spec: RuleSpec, params: UnusedParams) -> Iterable[Finding]:
    """Report groups with no user of any kind (default groups cannot be deleted and are skipped)."""
    if not ctx.inventory.network_interfaces and not ctx.inventory.complete:
        # Without interface data every group would look unused: say nothing rather than guess.
        return
    for g in ctx.sorted_groups:
        if g.is_default or g.name.startswith(params.ignore_name_prefixes):
            continue
        if ctx.group_uses.get(g.group_id):
            continue
        yield make_finding(
            spec,
            resource=g.group_id,
            detail="unused",
            arn=g.arn,
            message=(
                f"security group {ctx.group_label(g.group_id)} in {g.vpc_id or 'no VPC'} is not attached"
                " to any interface, ECS service, Lambda function, load balancer, database, VPC endpoint or"
                " instance, and no other group's rule references it"
            ),
            evidence={"vpc": g.vpc_id, "rules": len(g.rules), "uses": []},
            fix=Fix(
                summary=f"delete {g.group_id} if nothing outside this snapshot (launch templates, other"
                " regions' tooling) still needs it",
                aws_cli=f"aws ec2 delete-security-group --group-id {g.group_id}",
                terraform=f"# remove the aws_security_group resource whose id is {g.group_id} and apply",
            ),
        )
