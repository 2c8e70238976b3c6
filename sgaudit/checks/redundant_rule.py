"""``redundant-rule``: a rule whose traffic and peer another rule of the same group already allows.

Redundant rules count against the per-group quota and hide intent: tightening the narrow rule
changes nothing while the broad one stays.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding, peer_addresses, rule_ref, rule_summary, rule_traffic
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import revoke_fix
from sgaudit.findings import Finding
from sgaudit.inventory import PeerKind, SecurityGroupRule
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class RedundantParams(CheckParams):
    """Parameters of ``redundant-rule`` (none yet)."""


def _peer_covers(ctx: CheckContext, big: SecurityGroupRule, small: SecurityGroupRule) -> bool:
    if big.peer.kind is PeerKind.SECURITY_GROUP or small.peer.kind is PeerKind.SECURITY_GROUP:
        # A CIDR that holds today's members of a group does not cover the group: members change.
        return (
            big.peer.kind is small.peer.kind
            and big.peer.value == small.peer.value
            and (big.peer.user_id or "") == (small.peer.user_id or "")
        )
    if big.peer.kind is small.peer.kind and big.peer.value == small.peer.value:
        return True
    big_addrs, small_addrs = peer_addresses(ctx, big), peer_addresses(ctx, small)
    if big_addrs is None or small_addrs is None or small_addrs.is_empty:
        return False
    return big_addrs.covers(small_addrs)


def _order(rule: SecurityGroupRule) -> tuple[str, str, str, str]:
    return (rule.rule_id or "~", rule.protocol, rule.peer.kind.value, rule.peer.value)


@register_check("redundant-rule", params=RedundantParams)
def redundant_rule(ctx: CheckContext, spec: RuleSpec, params: RedundantParams) -> Iterable[Finding]:
    """Report each rule covered by another rule of the same group and direction."""
    for g in ctx.sorted_groups:
        for direction in ("ingress", "egress"):
            rules = sorted((r for r in g.rules if r.direction.value == direction), key=_order)
            # A group repeats a few port ranges over many peers: which range covers which is worked out
            # once per distinct pair of ranges, not once per pair of rules.
            traffic = [rule_traffic(r) for r in rules]
            distinct = {t: k for k, t in enumerate(dict.fromkeys(traffic))}
            kind = [distinct[t] for t in traffic]
            covers = [[big.covers(small) for small in distinct] for big in distinct]
            # Per range, the rules (in order) whose range covers it: the only candidates to cover a rule.
            coverers = [[j for j, k in enumerate(kind) if covers[k][small]] for small in range(len(distinct))]
            for i, r in enumerate(rules):
                cover = None
                for j in coverers[kind[i]]:
                    other = rules[j]
                    if i == j or not _peer_covers(ctx, other, r):
                        continue
                    mutual = covers[kind[i]][kind[j]] and _peer_covers(ctx, r, other)
                    # Of two identical rules, keep the first and report the second.
                    if mutual and j > i:
                        continue
                    cover = other
                    break
                if cover is None:
                    continue
                yield make_finding(
                    spec,
                    resource=g.group_id,
                    detail=f"{direction}:{rule_ref(r)}:{r.ports_label()}:{r.peer.label()}",
                    arn=g.arn,
                    message=(
                        f"{ctx.group_label(g.group_id)}: {rule_summary(r)} is redundant:"
                        f" {rule_summary(cover)} already allows it"
                    ),
                    evidence={"rule": rule_ref(r), "covered_by": rule_ref(cover)},
                    fix=revoke_fix(f"remove the redundant rule {rule_ref(r)} from {g.group_id}", r),
                )
