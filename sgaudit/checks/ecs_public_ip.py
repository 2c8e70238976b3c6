"""``ecs-public-ip``: an ECS service that assigns public IPs to its tasks and is reachable from the internet.

Security Hub ECS.2 flags ``assignPublicIp: ENABLED`` alone; this rule reports it when the internet
actually reaches the tasks (a route to an internet gateway, NACLs and security groups that admit it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.checks.exposure import (
    Scope,
    admitting_rules,
    describe_path,
    exposed,
    path_evidence,
    relevant_paths,
)
from sgaudit.engine import EndpointKind
from sgaudit.findings import Finding, Fix
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class EcsPublicIpParams(CheckParams):
    """Parameters of ``ecs-public-ip``."""

    scope: Scope = "some"


@register_check("ecs-public-ip", params=EcsPublicIpParams)
def ecs_public_ip(ctx: CheckContext, spec: RuleSpec, params: EcsPublicIpParams) -> Iterable[Finding]:
    """Report services with assignPublicIp ENABLED whose tasks the internet reaches."""
    inv = ctx.inventory
    services = {
        f"ecs:{inv.cluster_name(s.cluster_arn) or '?'}/{s.service_name}": s for s in inv.ecs_services.values()
    }
    for ep in ctx.endpoints:
        if ep.kind is not EndpointKind.ECS_SERVICE:
            continue
        svc = services.get(ep.selector)
        cfg = svc.awsvpc if svc else None
        if svc is None or cfg is None or cfg.assign_public_ip != "ENABLED":
            continue
        exposure = ctx.exposure(ep)
        hit = exposed(exposure, params.scope)
        if hit.is_empty:
            continue
        paths = relevant_paths(exposure, hit, params.scope)
        rules = admitting_rules(ctx, paths, hit)
        cluster = inv.cluster_name(svc.cluster_arn) or "?"
        subnets = ",".join(cfg.subnets)
        groups = ",".join(cfg.security_groups)
        yield make_finding(
            spec,
            resource=ep.selector,
            detail="",
            arn=svc.service_arn,
            resources=sorted({r.group_id for r in rules}),
            message=(
                f"ECS service {ep.selector} assigns public IPs to its tasks and the internet reaches them on"
                f" {hit.describe()}: "
                + ("; ".join(describe_path(p) for p in paths) or "through their public IPs")
            ),
            evidence={
                "endpoint": ep.selector,
                "assign_public_ip": cfg.assign_public_ip,
                "exposed": hit.describe(),
                "paths": path_evidence(paths, params.scope),
                "rules": [r.rule_id for r in rules if r.rule_id],
            },
            fix=Fix(
                summary=(
                    f"run {ep.selector} in private subnets without public IPs (reach the internet through"
                    " a NAT gateway or VPC endpoints; serve traffic through a load balancer)"
                ),
                aws_cli=(
                    f"aws ecs update-service --cluster {cluster} --service {svc.service_name}"
                    f" --network-configuration 'awsvpcConfiguration={{subnets=[{subnets}],"
                    f"securityGroups=[{groups}],assignPublicIp=DISABLED}}'"
                ),
                terraform=(
                    f"# in the aws_ecs_service for {svc.service_name}:\n"
                    "network_configuration {\n  assign_public_ip = false\n  # subnets: private ones\n}"
                ),
            ),
        )
