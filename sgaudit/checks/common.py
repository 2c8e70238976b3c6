"""Helpers the check modules share: building findings, rule traffic, world-open peers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from operator import or_
from typing import Any

from sgaudit.checks.context import CheckContext
from sgaudit.engine.index import cidr_span
from sgaudit.engine.index import rule_traffic as cached_rule_traffic
from sgaudit.findings import Finding, Fix, Severity
from sgaudit.inventory import PeerKind, SecurityGroupRule
from sgaudit.netalgebra import Addresses, AddressSet, IntervalSet, Traffic
from sgaudit.rulepack.spec import RuleSpec


def make_finding(
    spec: RuleSpec,
    *,
    resource: str,
    detail: str,
    message: str,
    resources: Sequence[str] = (),
    evidence: Mapping[str, Any] | None = None,
    fix: Fix | None = None,
    arn: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of ``spec`` with a fingerprint from rule id, resource and ``detail`` (stable across runs).

    ``detail`` must not depend on order or time: callers build it from sorted ids and port labels.
    """
    listed = list(dict.fromkeys([resource, *resources]))
    return Finding(
        fingerprint=Finding.make_fingerprint(spec.id, resource, detail),
        rule=spec.id,
        name=spec.name,
        severity=severity or spec.severity,
        resource=resource,
        resources=listed,
        message=message,
        evidence=dict(evidence or {}),
        fix=fix,
        arn=arn,
    )


def rule_traffic(rule: SecurityGroupRule) -> Traffic:
    """The protocol/port space one security-group rule allows."""
    return cached_rule_traffic(rule.protocol, rule.from_port, rule.to_port)


def rule_ref(rule: SecurityGroupRule) -> str:
    """How a finding names a rule: its ``sgr-`` id, else group/direction/ports/peer."""
    return rule.rule_id or f"{rule.group_id}:{rule.direction.value}:{rule.ports_label()}:{rule.peer.label()}"


def rule_summary(rule: SecurityGroupRule) -> str:
    """``sgr-... (ingress tcp/22 from 0.0.0.0/0)`` for messages."""
    word = "from" if rule.direction.value == "ingress" else "to"
    what = f"{rule.direction.value} {rule.ports_label()} {word} {rule.peer.label()}"
    return f"{rule.rule_id} ({what})" if rule.rule_id else what


def peer_addresses(ctx: CheckContext, rule: SecurityGroupRule) -> Addresses | None:
    """The addresses a CIDR or prefix-list peer names; None for group peers and unreadable lists."""
    kind = rule.peer.kind
    if kind not in (PeerKind.CIDR4, PeerKind.CIDR6, PeerKind.PREFIX_LIST):
        return None
    # Parsed once per peer and run: several checks ask for every rule, and estates repeat peers.
    cache: dict[tuple[PeerKind, str], Addresses | None] = ctx.memo("common:peer-addresses", dict)
    key = (kind, rule.peer.value)
    if key in cache:
        return cache[key]
    found: Addresses | None
    if kind is PeerKind.PREFIX_LIST:
        pl = ctx.inventory.prefix_lists.get(rule.peer.value)
        cidrs = pl.entry_cidrs if pl else None
        found = None if cidrs is None else addresses_of(cidrs)
    else:
        found = addresses_of([rule.peer.value])
    cache[key] = found
    return found


def addresses_of(cidrs: Iterable[str]) -> Addresses:
    """``Addresses.from_cidrs(cidrs)``, decoding canonical IPv4 text without `ipaddress` (the same
    values and errors: `sgaudit.engine.index.cidr_span`)."""
    spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for cidr in cidrs:
        family, lo, hi = cidr_span(cidr)
        spans[family].append((lo, hi))
    return Addresses(AddressSet(4, IntervalSet(spans[4])), AddressSet(6, IntervalSet(spans[6])))


def world_families(addresses: Addresses) -> list[int]:
    """The families (4, 6) in which ``addresses`` is the whole address space."""
    return [f for f in (4, 6) if addresses.family(f).is_universe]


def world_open_families(
    ctx: CheckContext, rules: Iterable[SecurityGroupRule]
) -> dict[int, list[SecurityGroupRule]]:
    """Families where the union of these rules' CIDR/prefix-list peers is the whole address space.

    Catches ``0.0.0.0/0``, ``::/0``, the ``0.0.0.0/1`` + ``128.0.0.0/1`` split and prefix lists that
    hold them; the values are the rules that contribute.
    """
    out: dict[int, list[SecurityGroupRule]] = {}
    parts: dict[int, list[AddressSet]] = {4: [], 6: []}
    contributors: dict[int, list[SecurityGroupRule]] = {4: [], 6: []}
    for r in rules:
        addrs = peer_addresses(ctx, r)
        if addrs is None:
            continue
        for f in (4, 6):
            part = addrs.family(f)
            if not part.is_empty:
                parts[f].append(part)
                contributors[f].append(r)
    for f in (4, 6):
        # Most rules have a port range of their own: one block, no union to build.
        if parts[f] and reduce(or_, parts[f]).is_universe:
            out[f] = contributors[f]
    return out


def ports_text(traffic: Traffic) -> str:
    """Traffic as a person reads it."""
    return traffic.describe()
