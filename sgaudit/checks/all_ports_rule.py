"""``all-ports-rule``: a rule that opens every port (or every protocol) where one port would do.

World-open peers are left to ``internet-all-traffic`` and ``broad-cidr``; a group's reference to itself
(members talk to each other, the default group's pattern) is allowed unless configured otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sgaudit.checks.common import (
    make_finding,
    peer_addresses,
    rule_ref,
    rule_summary,
    rule_traffic,
    world_families,
)
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import replace_fix, revoke_fix
from sgaudit.findings import Finding, Fix
from sgaudit.inventory import PeerKind, SecurityGroupRule
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class AllPortsParams(CheckParams):
    """Parameters of ``all-ports-rule``."""

    directions: tuple[Literal["ingress", "egress"], ...] = ("ingress",)
    ignore_self_reference: bool = True
    ignore_world_open: bool = True
    """World-open all-traffic rules are reported by internet-all-traffic / broad-cidr instead."""


def opens_everything(rule: SecurityGroupRule) -> str | None:
    """``all traffic`` / ``all tcp ports`` / ``all udp ports`` when the rule opens a whole space."""
    t = rule_traffic(rule)
    if rule.protocol == "-1" or t.is_all:
        return "all traffic"
    for proto in ("tcp", "udp"):
        if rule.protocol == proto and t.opens_all_ports(proto):
            return f"all {proto} ports"
    return None


def _listen_ports(ctx: CheckContext, group_id: str, protocol: str) -> list[int]:
    ports: set[int] = set()
    for ep in ctx.group_endpoints.get(group_id, []):
        for proto, port in ep.listen_ports:
            if protocol in ("-1", proto):
                ports.add(port)
    return sorted(ports)


@register_check("all-ports-rule", params=AllPortsParams)
def all_ports_rule(ctx: CheckContext, spec: RuleSpec, params: AllPortsParams) -> Iterable[Finding]:
    """Report rules that open every port or protocol, suggesting the ports the members listen on."""
    for g in ctx.sorted_groups:
        for r in g.rules:
            if r.direction.value not in params.directions:
                continue
            what = opens_everything(r)
            if what is None:
                continue
            if (
                params.ignore_self_reference
                and r.peer.kind is PeerKind.SECURITY_GROUP
                and r.peer.value == g.group_id
            ):
                continue
            addrs = peer_addresses(ctx, r)
            if params.ignore_world_open and addrs is not None and world_families(addrs):
                continue
            proto = "tcp" if r.protocol in ("-1", "tcp") else r.protocol
            ports = _listen_ports(ctx, g.group_id, proto) if r.direction.value == "ingress" else []
            fix: Fix
            if ports:
                fix = replace_fix(
                    f"replace {rule_ref(r)} by rules for the port(s) the members listen on: "
                    + ", ".join(f"{proto}/{p}" for p in ports),
                    r,
                    [(proto, p, p) for p in ports],
                )
            else:
                fix = revoke_fix(
                    f"replace {rule_ref(r)} by rules for the ports actually needed, then remove it", r
                )
            hint = f"; its members listen on {', '.join(f'{proto}/{p}' for p in ports)}" if ports else ""
            yield make_finding(
                spec,
                resource=g.group_id,
                detail=f"{r.direction.value}:{rule_ref(r)}:{r.peer.label()}",
                arn=g.arn,
                message=f"{ctx.group_label(g.group_id)}: {rule_summary(r)} opens {what}{hint}",
                evidence={"rule": rule_ref(r), "opens": what, "listen_ports": ports, "peer": r.peer.label()},
                fix=fix,
            )
