"""``stale-reference``: a rule that names a security group that no longer exists (or whose peering is gone).

A stale rule matches nothing: it looks like access is granted when it is not, and it blocks deleting
nothing but confuses every reader. A group of an account the snapshot does not cover is not stale but
unknown, and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding, rule_ref, rule_summary
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import revoke_fix
from sgaudit.findings import Finding
from sgaudit.inventory import PeerKind, SecurityGroupRule
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec

_DEAD_PEERING = {"deleted", "deleting", "failed", "rejected", "expired"}


class StaleParams(CheckParams):
    """Parameters of ``stale-reference``."""

    report_dead_peerings: bool = True
    """Also report references through a peering connection that is no longer active."""


def _accounts(ctx: CheckContext) -> set[str]:
    accounts = {s.account for s in ctx.inventory.scopes if s.account}
    accounts |= {g.owner_id for g in ctx.inventory.security_groups.values() if g.owner_id}
    return accounts


def _stale_reason(
    ctx: CheckContext, rule: SecurityGroupRule, accounts: set[str], params: StaleParams
) -> str | None:
    peer = rule.peer
    if params.report_dead_peerings and peer.vpc_peering_connection_id:
        pcx = ctx.inventory.peering_connections.get(peer.vpc_peering_connection_id)
        status = (peer.peering_status or "").lower()
        if status in _DEAD_PEERING or (pcx is not None and not pcx.active):
            code = pcx.status.code if pcx is not None else status
            return f"peering {peer.vpc_peering_connection_id} is {code}"
    if peer.value in ctx.inventory.security_groups:
        return None
    if peer.user_id and peer.user_id not in accounts:
        return None  # another account's group: unknown, not stale
    if peer.vpc_id and peer.vpc_id not in ctx.inventory.vpcs:
        return None  # a group of a VPC the snapshot does not cover
    return f"group {peer.label()} does not exist"


@register_check("stale-reference", params=StaleParams)
def stale_reference(ctx: CheckContext, spec: RuleSpec, params: StaleParams) -> Iterable[Finding]:
    """Report rules whose referenced group is gone (same account) or whose peering is not active."""
    accounts = _accounts(ctx)
    seen: set[tuple[str, str]] = set()
    for g in ctx.sorted_groups:
        for r in g.rules:
            if r.peer.kind is not PeerKind.SECURITY_GROUP:
                continue
            reason = _stale_reason(ctx, r, accounts, params)
            if reason is None:
                continue
            seen.add((g.group_id, r.peer.value))
            yield make_finding(
                spec,
                resource=g.group_id,
                detail=f"{r.direction.value}:{r.peer.label()}:{r.ports_label()}",
                arn=g.arn,
                resources=[r.peer.value],
                message=(
                    f"{ctx.group_label(g.group_id)} has a stale {r.direction.value} rule {rule_summary(r)}:"
                    f" {reason}, so the rule matches nothing"
                ),
                evidence={"rule": rule_ref(r), "referenced_group": r.peer.label(), "reason": reason},
                fix=revoke_fix(f"remove the stale rule {rule_ref(r)} from {g.group_id}", r),
            )
    # describe-stale-security-groups knows of references the rules above could not judge
    # (for example a group deleted in a peered VPC).
    for gid in sorted(ctx.inventory.stale_security_groups):
        stale = ctx.inventory.stale_security_groups[gid]
        perms = [("ingress", p) for p in stale.stale_ip_permissions]
        perms += [("egress", p) for p in stale.stale_ip_permissions_egress]
        for direction, perm in perms:
            for pair in perm.user_id_group_pairs:
                if not pair.group_id or (gid, pair.group_id) in seen:
                    continue
                seen.add((gid, pair.group_id))
                label = f"{pair.user_id}/{pair.group_id}" if pair.user_id else pair.group_id
                owner = ctx.group(gid)
                group_rules = owner.rules if owner else ()
                rule = next(
                    (
                        r
                        for r in group_rules
                        if r.peer.value == pair.group_id and r.direction.value == direction
                    ),
                    None,
                )
                yield make_finding(
                    spec,
                    resource=gid,
                    detail=f"{direction}:{label}:{perm.ip_protocol}:{perm.from_port}-{perm.to_port}",
                    resources=[pair.group_id],
                    message=(
                        f"{ctx.group_label(gid)} has a stale {direction} rule referencing {label}"
                        " (reported by describe-stale-security-groups)"
                    ),
                    evidence={"referenced_group": label, "reason": "describe-stale-security-groups"},
                    fix=revoke_fix(f"remove the stale rule from {gid}", rule) if rule else None,
                )
