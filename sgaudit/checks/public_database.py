"""``public-database``: an RDS instance or cluster the internet reaches on its endpoint port.

Needs all of: a public address (``PubliclyAccessible``), a route to an internet gateway, NACLs and
security groups that admit the **endpoint port** (not the engine's default port). The flag alone
(Security Hub RDS.2) is reported only when ``flag_only`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable

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
from sgaudit.engine import EndpointKind
from sgaudit.findings import Finding, Fix
from sgaudit.netalgebra import Traffic
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class PublicDatabaseParams(CheckParams):
    """Parameters of ``public-database``."""

    scope: Scope = "some"
    """``some``: reachable from any internet address counts (a database should have none)."""


def _publicly_accessible(ctx: CheckContext, selector: str) -> bool:
    kind, _, ident = selector.partition(":")
    if kind == "rds":
        db = ctx.inventory.db_instances.get(ident)
        return bool(db and db.publicly_accessible)
    cl = ctx.inventory.db_clusters.get(ident)
    return bool(cl and cl.publicly_accessible)


@register_check("public-database", params=PublicDatabaseParams)
def public_database(ctx: CheckContext, spec: RuleSpec, params: PublicDatabaseParams) -> Iterable[Finding]:
    """Report databases reachable from the internet on their endpoint port."""
    for ep in exposure_endpoints(ctx):
        if ep.kind not in (EndpointKind.RDS, EndpointKind.RDS_CLUSTER):
            continue
        ports = sorted({p for proto, p in ep.listen_ports if proto == "tcp"})
        if not ports:
            continue
        exposure = ctx.exposure(ep)
        wanted = Traffic.union(Traffic.single("tcp", p) for p in ports)
        hit = exposed(exposure, params.scope) & wanted
        if hit.is_empty:
            continue
        paths = relevant_paths(exposure, hit, params.scope)
        rules = admitting_rules(ctx, paths, hit)
        world = not (exposure.world & wanted).is_empty
        sources = sorted({c for p in paths for c in p.admitted_cidrs})
        who = (
            "every internet address" if world else f"internet addresses {', '.join(sources[:5]) or '(some)'}"
        )
        how = "; ".join(describe_path(p) for p in paths)
        fix = close_fix(ctx, ep, rules, hit.describe())
        kind, _, ident = ep.selector.partition(":")
        flag = "--db-instance-identifier" if kind == "rds" else "--db-cluster-identifier"
        command = "modify-db-instance" if kind == "rds" else "modify-db-cluster"
        cli = f"aws rds {command} {flag} {ident} --no-publicly-accessible --apply-immediately"
        if _publicly_accessible(ctx, ep.selector):
            fix = Fix(
                summary=f"turn off public accessibility of {ep.selector}, and " + fix.summary,
                aws_cli="\n".join(x for x in [cli, fix.aws_cli] if x),
                terraform="\n".join(
                    x
                    for x in [
                        f"# aws_db_instance / aws_rds_cluster {ident}:\npublicly_accessible = false",
                        fix.terraform,
                    ]
                    if x
                ),
            )
        yield make_finding(
            spec,
            resource=ep.selector,
            detail="",
            arn=ep.arn,
            resources=sorted({r.group_id for r in rules}),
            message=(
                f"database {ep.selector} is reachable from {who} on its endpoint port {hit.describe()}: {how}"
            ),
            evidence={
                "endpoint": ep.selector,
                "ports": ports,
                "world_open": world,
                "paths": path_evidence(paths, params.scope),
                "rules": [r.rule_id for r in rules if r.rule_id],
            },
            fix=fix,
        )
