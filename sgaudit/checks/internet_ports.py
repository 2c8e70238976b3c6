"""The internet exposure rules: ``internet-{admin,database,high-risk}-ports`` and ``internet-all-traffic``.

Judged on the **effective** path from the internet (``Engine.internet_exposure``): a public address,
a route to an internet gateway, NACLs and security groups that let it through. So a literal
``0.0.0.0/0`` on a group attached only to private interfaces is not reported here (``broad-cidr``
reports the rule), while ``0.0.0.0/1`` + ``128.0.0.0/1``, ``::/0`` and prefix lists holding them are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.checks.exposure import (
    Scope,
    admitting_rules,
    close_fix,
    describe_path,
    exposed,
    exposure_endpoints,
    path_evidence,
    relevant_paths,
)
from sgaudit.checks.public_database import PublicDatabaseParams
from sgaudit.engine import Endpoint, EndpointKind, Exposure
from sgaudit.findings import Finding
from sgaudit.netalgebra import Traffic
from sgaudit.rulepack.params import CheckParams, PortSpec, ports_traffic
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class InternetPortsParams(CheckParams):
    """Parameters of the internet-exposure port checks."""

    mode: Literal["ports", "all-traffic"] = "ports"
    """``ports``: any of ``ports`` is exposed; ``all-traffic``: every port of tcp or udp (or all) is."""
    port_list: str | None = None
    """The name under which a config file's ``settings.port_lists`` replaces ``ports``."""
    ports: tuple[PortSpec, ...] = ()
    scope: Scope = "world"
    """``world``: open to every internet address; ``some``: to at least one."""
    defer_to: tuple[str, ...] = ()
    """Rule names whose findings make this one redundant on the same endpoint and ports."""


def opens_all(traffic: Traffic) -> bool:
    """True when every port of tcp or udp (or every protocol) is in ``traffic``."""
    return traffic.is_all or traffic.opens_all_ports("tcp") or traffic.opens_all_ports("udp")


def reported_traffic(params: InternetPortsParams, open_traffic: Traffic) -> Traffic:
    """What this rule reports of an endpoint's exposed traffic (empty: nothing)."""
    if params.mode == "all-traffic":
        return open_traffic if opens_all(open_traffic) else Traffic.NONE
    return open_traffic & ports_traffic(params.ports)


def _deferred(
    ctx: CheckContext, params: InternetPortsParams, endpoint: Endpoint, traffic: Traffic
) -> Traffic:
    """``traffic`` minus what the rules of ``defer_to`` report on this endpoint."""
    remaining = traffic
    for name in params.defer_to:
        other = ctx.rule(name)
        if other is None:
            continue  # disabled: nothing to defer to
        if isinstance(other.params, PublicDatabaseParams):
            if endpoint.kind in (EndpointKind.RDS, EndpointKind.RDS_CLUSTER):
                ports = [p for proto, p in endpoint.listen_ports if proto == "tcp"]
                remaining = remaining - Traffic.union(Traffic.single("tcp", p) for p in ports)
            continue
        if not isinstance(other.params, InternetPortsParams):
            continue
        theirs = reported_traffic(other.params, exposed(ctx.exposure(endpoint), other.params.scope))
        if other.params.mode == "all-traffic" and not theirs.is_empty:
            return Traffic.NONE
        remaining = remaining - theirs
    return remaining


@register_check("internet-ports", params=InternetPortsParams)
def internet_ports(ctx: CheckContext, spec: RuleSpec, params: InternetPortsParams) -> Iterable[Finding]:
    """Report endpoints the internet reaches on the rule's ports (or on everything)."""
    for ep in exposure_endpoints(ctx):
        exposure = ctx.exposure(ep)
        open_traffic = exposed(exposure, params.scope)
        if open_traffic.is_empty:
            continue
        hit = _deferred(ctx, params, ep, reported_traffic(params, open_traffic))
        if hit.is_empty:
            continue
        # One finding per port-list entry, so that opening one more port is a new finding (a baseline
        # or a diff sees it) and closing one leaves the others' fingerprints alone.
        if params.mode == "all-traffic":
            pieces = [("all", hit)]
        else:
            pieces = [(str(p), hit & p.traffic) for p in params.ports]
        for detail, piece in pieces:
            if piece.is_empty:
                continue
            yield _finding(ctx, spec, params, ep, exposure=exposure, detail=detail, hit=piece)


def _finding(
    ctx: CheckContext,
    spec: RuleSpec,
    params: InternetPortsParams,
    ep: Endpoint,
    *,
    exposure: Exposure,
    detail: str,
    hit: Traffic,
) -> Finding:
    paths = relevant_paths(exposure, hit, params.scope)
    rules = admitting_rules(ctx, paths, hit)
    what = hit.describe()
    how = "; ".join(describe_path(p) for p in paths) or "through its public address"
    who = "every internet address" if params.scope == "world" else "the internet"
    return make_finding(
        spec,
        resource=ep.selector,
        detail=detail,
        arn=ep.arn,
        resources=sorted({r.group_id for r in rules}) + [r.rule_id for r in rules if r.rule_id],
        message=f"{ep.label or ep.selector} ({ep.selector}) is reachable from {who} on {what}: {how}",
        evidence={
            "endpoint": ep.selector,
            "exposed": what,
            "port_entry": detail,
            "paths": path_evidence(paths, params.scope),
            "rules": [r.rule_id for r in rules if r.rule_id],
            "unknowns": list(exposure.unknowns),
        },
        fix=close_fix(ctx, ep, rules, what),
    )
