"""ELBv2 collector: load balancers and their listeners, target groups and their targets' health."""

from __future__ import annotations

from collections.abc import Sequence

from sgaudit.collect.plan import spec
from sgaudit.collect.scope import Job, JsonObject, ScopeContext

_LOAD_BALANCERS = spec("elbv2", "DescribeLoadBalancers")
_LISTENERS = spec("elbv2", "DescribeListeners")
_TARGET_GROUPS = spec("elbv2", "DescribeTargetGroups")
_TARGET_HEALTH = spec("elbv2", "DescribeTargetHealth")


def jobs(ctx: ScopeContext) -> list[Job]:
    """List load balancers and target groups; then listeners per LB and health per group."""
    return [
        ctx.listing(_LOAD_BALANCERS, lambda lbs: _listeners(ctx, lbs)),
        ctx.listing(_TARGET_GROUPS, lambda groups: _target_health(ctx, groups)),
    ]


def _listeners(ctx: ScopeContext, load_balancers: list[JsonObject]) -> Sequence[Job]:
    return [ctx.listing(_LISTENERS, LoadBalancerArn=lb["LoadBalancerArn"]) for lb in load_balancers]


def _target_health(ctx: ScopeContext, groups: list[JsonObject]) -> Sequence[Job]:
    return [_health_job(ctx, group["TargetGroupArn"]) for group in groups]


def _health_job(ctx: ScopeContext, arn: str) -> Job:
    def run() -> Sequence[Job]:
        response = ctx.call(_TARGET_HEALTH, TargetGroupArn=arn)
        if response is not None:
            # One call per group, so the file keeps the group's ARN beside its targets.
            descriptions = response.get(_TARGET_HEALTH.result_key, [])
            ctx.add(_TARGET_HEALTH, [{"TargetGroupArn": arn, "TargetHealthDescriptions": descriptions}])
        return []

    return Job(f"{ctx.label(_TARGET_HEALTH)} {arn.rsplit('/', 2)[-2]}", run)
