"""``default-sg-in-use``: a VPC's default security group is attached to resources (or still has rules).

Resources created without a group land in the default group, whose default rules let every member
talk to every other on every port. Security Hub EC2.2 wants it to have no rules at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.findings import Finding, Fix, Severity
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class DefaultSgParams(CheckParams):
    """Parameters of ``default-sg-in-use``."""

    report_rules_when_unused: bool = True
    """Also report an unused default group that still has rules (EC2.2)."""
    unused_with_rules_severity: Severity = Severity.LOW
    max_listed_uses: int = 20


def _fix(group_id: str, vpc_id: str | None, rule_ids: list[str], in_use: bool) -> Fix:
    cli = []
    ingress = [r for r in rule_ids if r.startswith("in:")]
    egress = [r for r in rule_ids if r.startswith("eg:")]
    if ingress:
        ids = " ".join(r[3:] for r in ingress)
        cli.append(
            f"aws ec2 revoke-security-group-ingress --group-id {group_id} --security-group-rule-ids {ids}"
        )
    if egress:
        ids = " ".join(r[3:] for r in egress)
        cli.append(
            f"aws ec2 revoke-security-group-egress --group-id {group_id} --security-group-rule-ids {ids}"
        )
    summary = (
        f"give the resources in {group_id} their own security groups, then remove every rule of the"
        " default group"
        if in_use
        else f"remove every rule of the default group {group_id}"
    )
    tf = "\n".join(
        [
            "# An aws_default_security_group with no ingress/egress blocks removes every rule of the group.",
            'resource "aws_default_security_group" "default" {',
            f'  vpc_id = "{vpc_id or "<vpc-id>"}"',
            "}",
        ]
    )
    return Fix(summary=summary, aws_cli="\n".join(cli) or None, terraform=tf)


@register_check("default-sg-in-use", params=DefaultSgParams)
def default_sg_in_use(ctx: CheckContext, spec: RuleSpec, params: DefaultSgParams) -> Iterable[Finding]:
    """Report default groups with users, and (optionally) unused default groups with rules."""
    for g in ctx.sorted_groups:
        if not g.is_default:
            continue
        uses = ctx.group_uses.get(g.group_id, [])
        rule_ids = [
            ("in:" if r.direction.value == "ingress" else "eg:") + r.rule_id for r in g.rules if r.rule_id
        ]
        if uses:
            # Interfaces of a service or function are reported through their owner; list owners first.
            owners = sorted({u.label() for u in uses if u.kind != "interface"})
            owned = {u.resource for u in uses if u.kind != "interface"}
            enis = sorted(
                u.resource
                for u in uses
                if u.kind == "interface" and ctx.interface_owner(u.resource) not in owned
            )
            listed = (owners + [f"interface {e}" for e in enis])[: params.max_listed_uses]
            more = len(owners) + len(enis) - len(listed)
            yield make_finding(
                spec,
                resource=g.group_id,
                detail="in-use",
                arn=g.arn,
                message=(
                    f"the default security group {g.group_id} of {g.vpc_id} is in use by"
                    f" {len(owners) + len(enis)} resource(s): {', '.join(listed)}"
                    + (f" and {more} more" if more > 0 else "")
                    + (f"; it has {len(g.rules)} rule(s)" if g.rules else "")
                ),
                evidence={"vpc": g.vpc_id, "uses": listed, "rules": len(g.rules)},
                fix=_fix(g.group_id, g.vpc_id, rule_ids, in_use=True),
            )
        elif g.rules and params.report_rules_when_unused:
            yield make_finding(
                spec,
                resource=g.group_id,
                detail="has-rules",
                arn=g.arn,
                severity=params.unused_with_rules_severity,
                message=(
                    f"the default security group {g.group_id} of {g.vpc_id} is unused but still has"
                    f" {len(g.rules)} rule(s); Security Hub EC2.2 expects none, so that a resource placed"
                    " in it by mistake gets no access"
                ),
                evidence={"vpc": g.vpc_id, "uses": [], "rules": len(g.rules)},
                fix=_fix(g.group_id, g.vpc_id, rule_ids, in_use=False),
            )
