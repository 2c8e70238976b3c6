"""``half-open-reference``: one side of a security-group pair names the other, the other side allows nothing.

The seed's classic mistake: the database group allows ingress on 5432 from the task group, but the task
group has no egress that reaches the database (or the reverse). It is judged on the **effective**
allowance of the other side through the engine's security-group layer, not on literal pairing: a
CIDR, prefix-list or all-traffic rule on the other side counts as allowing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from sgaudit.checks.common import make_finding, rule_ref, rule_summary, rule_traffic
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import NewRule, authorize_fix
from sgaudit.engine import Placement, Tri
from sgaudit.findings import Finding
from sgaudit.inventory import Direction, PeerKind, SecurityGroupRule
from sgaudit.netalgebra import Traffic
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec

MAX_PLACEMENTS_PER_SIDE = 8
"""Placements judged per side: the representatives of distinct (VPC, subnet, group set) classes."""


class HalfOpenParams(CheckParams):
    """Parameters of ``half-open-reference``."""

    report_unknown: bool = False
    """Also report pairs whose other side is undecidable (e.g. a prefix list with unknown entries)."""


class HalfOpen(BaseModel):
    """A rule naming another group for a flow that the other group's side does not allow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: SecurityGroupRule
    rule_ref: str
    peer_group: str
    source_group: str
    destination_group: str
    missing_group: str
    missing_direction: Direction
    protocol: str
    port: int | None
    ports_label: str
    result: Tri
    pairs_checked: int


def _representatives(placements: Sequence[Placement]) -> list[Placement]:
    seen: dict[tuple[str | None, str | None, tuple[str, ...], str], Placement] = {}
    for p in placements:
        seen.setdefault((p.vpc_id, p.subnet_id, tuple(sorted(p.group_ids)), p.kind), p)
    return [seen[k] for k in sorted(seen, key=str)][:MAX_PLACEMENTS_PER_SIDE]


def _listen_ports(ctx: CheckContext, group_id: str) -> list[tuple[str, int]]:
    ports = {lp for ep in ctx.group_endpoints.get(group_id, []) for lp in ep.listen_ports}
    return sorted(ports)


def _one_flow(traffic: Traffic) -> Traffic | None:
    """The lowest single flow of a traffic set (None when empty)."""
    for name, points in traffic.items():
        lo = points.intervals[0][0]
        if name in ("tcp", "udp"):
            return Traffic.single(name, lo)
        if name in ("icmp", "icmpv6"):
            return Traffic.single(name, lo // 256, lo % 256)
        return Traffic.single(lo)
    return None


def _probes(
    ctx: CheckContext, rule: SecurityGroupRule, other_side: list[Placement], listen: list[tuple[str, int]]
) -> tuple[list[Traffic], str, int | None]:
    """The single flows to test, and the flow (protocol, port) the reference is most likely for.

    ``sg_layer`` ALLOWs a side only when it allows every flow it is given, so the question "does the
    other side allow any of this rule's traffic?" is asked one flow at a time: the destination's listen
    ports inside the rule, plus, for every rule of the other side's groups in the missing direction, the
    lowest flow it shares with this rule. If the other side allows some of the traffic, one of its rules
    does, and that rule's probe is allowed.
    """
    traffic = rule_traffic(rule)
    probes: dict[str, Traffic] = {}
    inside = [(p, n) for p, n in listen if traffic.contains(p, n)]
    for p, n in inside:
        t = Traffic.single(p, n)
        probes[t.describe()] = t
    direction = Direction.EGRESS if rule.direction is Direction.INGRESS else Direction.INGRESS
    group_ids = tuple(sorted({g for pl in other_side for g in pl.group_ids}))
    for key, flow in _shared_probes(ctx, traffic, direction, group_ids).items():
        probes.setdefault(key, flow)
    if inside:
        proto, port = inside[0]
        return list(probes.values()), proto, port
    for proto in ("tcp", "udp"):
        ports = getattr(traffic, proto)
        if ports:
            return list(probes.values()), proto, ports.intervals[0][0]
    return list(probes.values()), rule.protocol, None


def _shared_probes(
    ctx: CheckContext, traffic: Traffic, direction: Direction, group_ids: tuple[str, ...]
) -> dict[str, Traffic]:
    """For every rule of ``group_ids`` in ``direction``, the lowest flow it shares with ``traffic`` (by
    description, first one kept), computed once per run: many rules name the same group for the same
    ports."""
    cache: dict[tuple[Traffic, Direction, tuple[str, ...]], dict[str, Traffic]]
    cache = ctx.memo("half-open:probes", dict)
    key = (traffic, direction, group_ids)
    if key not in cache:
        found: dict[str, Traffic] = {}
        for gid in group_ids:
            group = ctx.group(gid)
            for other in group.rules if group else ():
                if other.direction is direction:
                    flow = _one_flow(rule_traffic(other) & traffic)
                    if flow is not None:
                        found.setdefault(flow.describe(), flow)
        cache[key] = found
    return cache[key]


def _judge(
    ctx: CheckContext,
    rule: SecurityGroupRule,
    src: list[Placement],
    dst: list[Placement],
    probes: list[Traffic],
) -> tuple[Tri, int]:
    result = Tri.DENY
    checked = 0
    for s in src:
        for d in dst:
            if s.id == d.id or (s.interface_id and s.interface_id == d.interface_id):
                continue
            for t in probes:
                checked += 1
                egress, ingress = ctx.engine.sg_layer(s, d, t)
                other = egress if rule.direction is Direction.INGRESS else ingress
                if other is Tri.ALLOW:
                    return Tri.ALLOW, checked
                result = result | other
    return result, checked


def find_half_open(ctx: CheckContext) -> list[HalfOpen]:
    """Every rule whose named peer group does not allow the flow back (computed once per run)."""
    return ctx.memo("half-open", lambda: list(_find(ctx)))


def _find(ctx: CheckContext) -> Iterable[HalfOpen]:
    placements = ctx.group_placements
    # Many rules name the same groups: each group's representatives are picked once.
    chosen: dict[str, list[Placement]] = {}

    def representatives(group_id: str) -> list[Placement]:
        if group_id not in chosen:
            chosen[group_id] = _representatives(placements.get(group_id, []))
        return chosen[group_id]

    for g in ctx.sorted_groups:
        for r in g.rules:
            if r.peer.kind is not PeerKind.SECURITY_GROUP or r.peer.value == g.group_id:
                continue
            peer = r.peer.value
            if peer not in ctx.inventory.security_groups:
                continue  # stale or another account's group: stale-reference / unknown
            if r.direction is Direction.INGRESS:
                source, destination, missing, missing_dir = peer, g.group_id, peer, Direction.EGRESS
            else:
                source, destination, missing, missing_dir = g.group_id, peer, peer, Direction.INGRESS
            src = representatives(source)
            dst = representatives(destination)
            if not src or not dst:
                continue  # nothing carries one of the groups: no flow to judge (unused-security-group)
            other_side = src if r.direction is Direction.INGRESS else dst
            probes, proto, port = _probes(ctx, r, other_side, _listen_ports(ctx, destination))
            if probes:
                result, checked = _judge(ctx, r, src, dst, probes)
                if result is Tri.ALLOW or checked == 0:
                    continue
            else:
                # No rule of the other side shares any traffic with this one: nothing can allow it.
                result, checked = Tri.DENY, 0
            label = f"{proto}/{port}" if port is not None else r.ports_label()
            yield HalfOpen(
                rule=r,
                rule_ref=rule_ref(r),
                peer_group=peer,
                source_group=source,
                destination_group=destination,
                missing_group=missing,
                missing_direction=missing_dir,
                protocol=proto,
                port=port,
                ports_label=label,
                result=result,
                pairs_checked=checked,
            )


@register_check("half-open-reference", params=HalfOpenParams)
def half_open_reference(ctx: CheckContext, spec: RuleSpec, params: HalfOpenParams) -> Iterable[Finding]:
    """Report each rule that names a group whose own rules do not allow the flow."""
    for h in find_half_open(ctx):
        if h.result is Tri.UNKNOWN and not params.report_unknown:
            continue
        r = h.rule
        named = ctx.group_label(r.group_id)
        other = ctx.group_label(h.missing_group)
        side = h.missing_direction.value
        if r.direction is Direction.INGRESS:
            what = f"{named} allows ingress {r.ports_label()} from {other}, but {other} allows no egress"
            what += f" for {h.ports_label} to the members of {r.group_id}"
            peer_for_fix = r.group_id
        else:
            what = f"{named} allows egress {r.ports_label()} to {other}, but {other} allows no ingress"
            what += f" for {h.ports_label} from the members of {r.group_id}"
            peer_for_fix = r.group_id
        certainty = "" if h.result is Tri.DENY else " (undecidable: some of its rules cannot be evaluated)"
        proto = r.protocol
        lo, hi = (r.from_port, r.to_port) if proto != "-1" else (None, None)
        if h.port is not None and proto in ("tcp", "udp", "-1"):
            proto, lo, hi = h.protocol, h.port, h.port
        missing = ctx.group(h.missing_group)
        yield make_finding(
            spec,
            resource=h.missing_group,
            detail=f"{h.rule_ref}:{side}",
            resources=[r.group_id],
            arn=missing.arn if missing else None,
            message=f"{what}: the {side} side is missing{certainty}",
            evidence={
                "rule": h.rule_ref,
                "rule_summary": rule_summary(r),
                "named_by": r.group_id,
                "missing_group": h.missing_group,
                "missing_direction": side,
                "flow": f"{h.source_group} -> {h.destination_group} {h.ports_label}",
                "result": h.result.value,
                "pairs_checked": h.pairs_checked,
            },
            fix=authorize_fix(
                f"allow {side} {proto}{'' if lo is None else f'/{lo}'} on {h.missing_group}"
                f" {'to' if side == 'egress' else 'from'} {peer_for_fix}",
                NewRule(
                    group_id=h.missing_group,
                    direction=h.missing_direction.value,
                    protocol=proto,
                    from_port=lo,
                    to_port=hi,
                    peer_kind="security-group",
                    peer=peer_for_fix,
                ),
            ),
        )
