"""``broad-cidr``: ingress from a block far larger than what lives in it, or world-open with no internet path.

Two cases:

- a CIDR (or customer prefix list) inside the estate's address space that is at least ``factor``
  times larger than the interface addresses that exist in it (``10.0.0.0/16`` on a database port
  when twelve tasks need it);
- a world-open peer (``0.0.0.0/0``, ``::/0``, the ``/1`` split, a prefix list holding them) on ports
  where no member is reachable from the internet; where one is, the ``internet-*`` rules report it.

Blocks entirely outside every VPC (a corporate range over VPN) are not judged by size: sgaudit cannot
see what lives there.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from ipaddress import ip_address

from sgaudit.checks.common import (
    addresses_of,
    make_finding,
    peer_addresses,
    rule_ref,
    rule_summary,
    rule_traffic,
    world_families,
    world_open_families,
)
from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import replace_fix, revoke_fix
from sgaudit.findings import Finding, Fix
from sgaudit.inventory import PeerKind, SecurityGroup, SecurityGroupRule
from sgaudit.netalgebra import Addresses
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class BroadCidrParams(CheckParams):
    """Parameters of ``broad-cidr``."""

    factor: int = 16
    """A block is broad when it holds at least ``factor`` times more addresses than its interfaces."""
    report_world_open: bool = True
    """Report world-open ingress on groups whose members the internet cannot reach."""
    max_suggested_groups: int = 3


def _interface_addresses(ctx: CheckContext) -> Addresses:
    def build() -> Addresses:
        cidrs: list[str] = []
        for eni in ctx.inventory.network_interfaces.values():
            cidrs += [f"{ip}/32" for ip in eni.private_ips]
            cidrs += [f"{ip}/128" for ip in eni.ipv6_addresses]
            cidrs += list(eni.ipv4_prefixes) + list(eni.ipv6_prefixes)
        return addresses_of(cidrs)

    return ctx.memo("broad-cidr:interfaces", build)


def _estate_space(ctx: CheckContext) -> Addresses:
    def build() -> Addresses:
        cidrs: list[str] = []
        for vpc in ctx.inventory.vpcs.values():
            cidrs += list(vpc.cidrs4) + list(vpc.cidrs6)
        return Addresses.from_cidrs(cidrs)

    return ctx.memo("broad-cidr:space", build)


def _interface_ips(ctx: CheckContext) -> dict[int, tuple[list[int], list[tuple[str, ...]]]]:
    """Family -> (every interface address as an integer, ascending; the groups of its interface)."""

    def build() -> dict[int, tuple[list[int], list[tuple[str, ...]]]]:
        found: dict[int, list[tuple[int, tuple[str, ...]]]] = {4: [], 6: []}
        for eni in ctx.inventory.network_interfaces.values():
            for ip in (*eni.private_ips, *eni.ipv6_addresses):
                addr = ip_address(ip)
                found[addr.version].append((int(addr), eni.group_ids))
        out: dict[int, tuple[list[int], list[tuple[str, ...]]]] = {}
        for family, items in found.items():
            items.sort(key=lambda item: item[0])
            out[family] = ([a for a, _ in items], [g for _, g in items])
        return out

    return ctx.memo("broad-cidr:ips", build)


def _groups_in(ctx: CheckContext, block: Addresses) -> list[str]:
    """The groups of the interfaces with an address in ``block``."""
    # The addresses in each interval of the set, by binary search over the sorted addresses: the same
    # interfaces as testing every address against every CIDR block of the set.
    groups: set[str] = set()
    for family, (addrs, gids) in _interface_ips(ctx).items():
        for lo, hi in block.family(family).points.intervals:
            for g in gids[bisect_left(addrs, lo) : bisect_right(addrs, hi)]:
                groups.update(g)
    return sorted(groups)


def _reachable_from_internet(ctx: CheckContext, group: SecurityGroup, rule: SecurityGroupRule) -> bool:
    traffic = rule_traffic(rule)
    return any(
        not (ctx.exposure(ep).some & traffic).is_empty for ep in ctx.group_endpoints.get(group.group_id, [])
    )


def _world_open(ctx: CheckContext, g: SecurityGroup) -> dict[str, tuple[SecurityGroupRule, list[int]]]:
    """Rule ref -> (rule, families) of the group's world-open ingress rules (split blocks included)."""
    by_ports: dict[tuple[str, int | None, int | None], list[SecurityGroupRule]] = defaultdict(list)
    for r in g.ingress:
        if r.peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6, PeerKind.PREFIX_LIST):
            by_ports[(r.protocol, r.from_port, r.to_port)].append(r)
    out: dict[str, tuple[SecurityGroupRule, list[int]]] = {}
    for rules in by_ports.values():
        for family, contributors in world_open_families(ctx, rules).items():
            for r in contributors:
                entry = out.setdefault(rule_ref(r), (r, []))
                entry[1].append(family)
    return out


def _size(a: Addresses) -> int:
    return a.family(4).size + a.family(6).size


def _common_size(ctx: CheckContext, block: Addresses) -> int:
    """``_size(block & _interface_addresses(ctx))``, by binary search into the interface addresses
    instead of intersecting with all of them (one interval per interface on a large estate)."""

    def build() -> dict[int, tuple[tuple[tuple[int, int], ...], list[int]]]:
        found = _interface_addresses(ctx)
        out = {}
        for family in (4, 6):
            intervals = found.family(family).points.intervals
            out[family] = (intervals, [lo for lo, _ in intervals])
        return out

    total = 0
    for family, (intervals, starts) in ctx.memo("broad-cidr:interface-starts", build).items():
        for lo, hi in block.family(family).points.intervals:
            j = max(bisect_right(starts, lo) - 1, 0)
            while j < len(intervals) and intervals[j][0] <= hi:
                a, b = intervals[j]
                if b >= lo:
                    total += min(b, hi) - max(a, lo) + 1
                j += 1
    return total


@register_check("broad-cidr", params=BroadCidrParams)
def broad_cidr(ctx: CheckContext, spec: RuleSpec, params: BroadCidrParams) -> Iterable[Finding]:
    """Report over-broad CIDR ingress and world-open ingress with no internet path."""
    _interface_addresses(ctx)  # parsed up front: a bad interface address fails here, as ever
    space = _estate_space(ctx)
    for g in ctx.sorted_groups:
        world = _world_open(ctx, g)
        for ref in sorted(world):
            r, families = world[ref]
            if not params.report_world_open or _reachable_from_internet(ctx, g, r):
                continue
            members = len(ctx.group_placements.get(g.group_id, []))
            why = (
                f"no member is reachable from the internet on {r.ports_label()}"
                if members
                else "the group has no members"
            )
            yield make_finding(
                spec,
                resource=g.group_id,
                detail=f"world:{ref}",
                arn=g.arn,
                message=(
                    f"{ctx.group_label(g.group_id)}: {rule_summary(r)} is open to every"
                    f" {' and '.join(f'IPv{f}' for f in sorted(set(families)))} address, but {why}:"
                    " the rule is broader than any real source"
                ),
                evidence={
                    "rule": ref,
                    "peer": r.peer.label(),
                    "families": sorted(set(families)),
                    "internet_path": False,
                },
                fix=revoke_fix(
                    f"replace {ref} by rules naming the sources that need {r.ports_label()}"
                    " (a load balancer's or client's group, or the VPC range that needs it)",
                    r,
                ),
            )
        for r in g.ingress:
            if rule_ref(r) in world:
                continue
            if r.peer.kind is PeerKind.PREFIX_LIST:
                pl = ctx.inventory.prefix_lists.get(r.peer.value)
                if pl is None or pl.owner_id == "AWS":
                    continue  # AWS service ranges (S3, CloudFront) are not ours to size
            block = peer_addresses(ctx, r)
            if block is None or block.is_empty or world_families(block):
                continue
            inside = block & space
            if inside.is_empty:
                continue  # outside the estate: we cannot see what lives there
            block_size = _size(block)
            count = _common_size(ctx, block)
            if block_size < params.factor * max(count, 1):
                continue
            ratio = block_size // max(count, 1)
            groups = [x for x in _groups_in(ctx, block) if x != g.group_id]
            fix: Fix
            if groups and len(groups) <= params.max_suggested_groups:
                fix = replace_fix(
                    f"replace {rule_ref(r)} by references to the group(s) of the interfaces in"
                    f" {r.peer.label()}: {', '.join(groups)} (keep only those that need {r.ports_label()})",
                    r,
                    [(r.protocol, r.from_port, r.to_port)],
                    peers=[("security-group", x) for x in groups],
                )
            else:
                fix = revoke_fix(
                    f"narrow {rule_ref(r)} to the sources that need {r.ports_label()} (a group reference or a"
                    " smaller CIDR)",
                    r,
                )
            yield make_finding(
                spec,
                resource=g.group_id,
                detail=f"broad:{rule_ref(r)}",
                arn=g.arn,
                message=(
                    f"{ctx.group_label(g.group_id)}: {rule_summary(r)} admits {block_size:,} addresses"
                    f" but only {count:,} interface address(es) exist in it ({ratio:,}x broader than needed)"
                ),
                evidence={
                    "rule": rule_ref(r),
                    "peer": r.peer.label(),
                    "block_addresses": block_size,
                    "interface_addresses": count,
                    "ratio": ratio,
                    "interface_groups": groups,
                },
                fix=fix,
            )
