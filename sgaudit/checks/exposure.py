"""Shared by the internet-exposure checks: which endpoints to judge, and how to say how they are exposed."""

from __future__ import annotations

from typing import Any, Literal

from sgaudit.checks.context import CheckContext
from sgaudit.checks.fixes import revoke_cli, terraform_remove
from sgaudit.engine import Endpoint, EndpointKind, Exposure, ExposurePath
from sgaudit.findings import Fix
from sgaudit.inventory import SecurityGroupRule
from sgaudit.netalgebra import Traffic

Scope = Literal["world", "some"]


def exposure_endpoints(ctx: CheckContext) -> list[Endpoint]:
    """Endpoints to judge, without double counting: a cluster's member instances are left to the cluster."""
    clustered = {
        ident
        for ident, db in ctx.inventory.db_instances.items()
        if db.db_cluster_identifier in ctx.inventory.db_clusters
    }
    out = []
    for ep in ctx.endpoints:
        if ep.kind is EndpointKind.RDS and ep.selector.removeprefix("rds:") in clustered:
            continue
        out.append(ep)
    return out


def exposed(exposure: Exposure, scope: Scope) -> Traffic:
    """The traffic the internet reaches: from every address (``world``) or from some (``some``)."""
    return exposure.world if scope == "world" else exposure.some


def path_traffic(path: ExposurePath, scope: Scope) -> Traffic:
    """One path's exposed traffic for the scope."""
    return path.world if scope == "world" else path.some


def relevant_paths(exposure: Exposure, traffic: Traffic, scope: Scope) -> list[ExposurePath]:
    """The exposed paths that carry some of ``traffic``."""
    return [p for p in exposure.paths if p.exposed and not (path_traffic(p, scope) & traffic).is_empty]


def describe_path(path: ExposurePath) -> str:
    """``eni-1 (IPv4): public IP 54.1.2.3, route 0.0.0.0/0 -> igw-1 in rtb-1, NACL acl-1 rule 100,
    SG rules sgr-1, sgr-2`` - how one placement is exposed."""
    parts = []
    if path.public_address:
        parts.append(f"public address {path.public_address}")
    if path.igw_route:
        parts.append(
            f"route {path.igw_route}" + (f" in {path.route_table_id}" if path.route_table_id else "")
        )
    if path.nacl_id:
        rules = ", ".join(path.nacl_rules)
        parts.append(f"NACL {path.nacl_id}" + (f" rule {rules}" if rules else ""))
    if path.sg_rule_ids:
        parts.append(f"SG rule {', '.join(path.sg_rule_ids)}")
    return f"{path.placement} (IPv{path.family}): " + ", ".join(parts)


def path_evidence(paths: list[ExposurePath], scope: Scope) -> list[dict[str, Any]]:
    """JSON-friendly evidence of the exposed paths."""
    return [
        {
            "placement": p.placement,
            "family": p.family,
            "public_address": p.public_address,
            "route_table": p.route_table_id,
            "igw_route": p.igw_route,
            "internet_gateway": p.internet_gateway_id,
            "nacl": p.nacl_id,
            "nacl_rules": list(p.nacl_rules),
            "sg_rules": list(p.sg_rule_ids),
            "admitted_cidrs": list(p.admitted_cidrs),
            "traffic": path_traffic(p, scope).describe(),
        }
        for p in paths
    ]


def admitting_rules(
    ctx: CheckContext, paths: list[ExposurePath], traffic: Traffic
) -> list[SecurityGroupRule]:
    """The security-group rules (by id) that admit the exposed traffic, in id order."""
    from sgaudit.checks.common import rule_traffic  # noqa: PLC0415 - small helper, avoids a cycle

    ids = sorted({i for p in paths for i in p.sg_rule_ids})
    rules = [ctx.rules_by_id[i] for i in ids if i in ctx.rules_by_id]
    return [r for r in rules if not (rule_traffic(r) & traffic).is_empty]


def close_fix(ctx: CheckContext, endpoint: Endpoint, rules: list[SecurityGroupRule], what: str) -> Fix:
    """Remove (or restrict to known sources) the rules that open ``what`` to the internet."""
    if not rules:
        return Fix(
            summary=f"remove the internet path to {endpoint.selector} for {what}: drop its public address or"
            " the route to the internet gateway, or restrict the security groups"
        )
    return Fix(
        summary=(
            f"close {what} on {endpoint.selector} to the internet: remove "
            + ", ".join(r.rule_id or r.group_id for r in rules)
            + (" or restrict it" if len(rules) == 1 else " or restrict them")
            + " to the sources that need access (a VPN range, a load balancer's group)"
        ),
        aws_cli="\n".join(revoke_cli(r) for r in rules),
        terraform="\n".join(terraform_remove(r) for r in rules),
    )
