"""``service-sg-drift``: running tasks of an ECS service carry other groups than its current configuration.

The groups a task actually enforces are on its interface; the service's network configuration is what
the next task gets. They differ during a rollout, after a failed one, or when someone edited a task's
interface by hand. Findings say which deployment is in which state.
"""

from __future__ import annotations

from collections.abc import Iterable

from sgaudit.checks.common import make_finding
from sgaudit.checks.context import CheckContext
from sgaudit.findings import Finding, Fix, Severity
from sgaudit.inventory import EcsTask
from sgaudit.model.ecs import AwsVpcConfiguration, EcsService
from sgaudit.rulepack.params import CheckParams
from sgaudit.rulepack.registry import register_check
from sgaudit.rulepack.spec import RuleSpec


class DriftParams(CheckParams):
    """Parameters of ``service-sg-drift``."""

    in_progress_severity: Severity = Severity.INFO
    """Severity while a deployment is still rolling out (drift is then expected and temporary)."""


def _configured_groups(ctx: CheckContext, cfg: AwsVpcConfiguration | None) -> tuple[str, ...]:
    if cfg is None:
        return ()
    if cfg.security_groups:
        return tuple(sorted(cfg.security_groups))
    # No groups configured: ECS uses the VPC's default group.
    vpc = next((ctx.inventory.subnets[s].vpc_id for s in cfg.subnets if s in ctx.inventory.subnets), None)
    default = ctx.default_group_of_vpc.get(vpc or "")
    return (default,) if default else ()


def _running_tasks(ctx: CheckContext, svc: EcsService) -> list[EcsTask]:
    """``Inventory.service_tasks(svc)``, from an index by service name built once per run (scanning
    every task for every service is quadratic on a large estate)."""

    def build() -> dict[str, list[EcsTask]]:
        by_name: dict[str, list[EcsTask]] = {}
        for t in ctx.inventory.ecs_tasks.values():
            if t.running and t.service_name is not None:
                by_name.setdefault(t.service_name, []).append(t)
        return by_name

    tasks = ctx.memo("service-sg-drift:tasks", build).get(svc.service_name, [])
    return [t for t in tasks if svc.cluster_arn is None or t.cluster_arn == svc.cluster_arn]


def _deployments(svc: EcsService) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for d in svc.deployments:
        cfg = d.network_configuration.awsvpc_configuration if d.network_configuration else None
        out.append(
            {
                "id": d.id,
                "status": d.status,
                "rollout_state": d.rollout_state,
                "task_definition": d.task_definition,
                "running": d.running_count,
                "desired": d.desired_count,
                "groups": sorted(cfg.security_groups) if cfg else [],
            }
        )
    return sorted(out, key=lambda d: (str(d["status"]), str(d["id"])))


@register_check("service-sg-drift", params=DriftParams)
def service_sg_drift(ctx: CheckContext, spec: RuleSpec, params: DriftParams) -> Iterable[Finding]:
    """Report services whose running tasks' interface groups differ from the configured groups."""
    inv = ctx.inventory
    for arn in sorted(inv.ecs_services):
        svc = inv.ecs_services[arn]
        configured = _configured_groups(ctx, svc.awsvpc)
        if not configured:
            continue
        drifted: dict[tuple[str, ...], list[str]] = {}
        for task in sorted(_running_tasks(ctx, svc), key=lambda t: t.task_id):
            eni = inv.network_interfaces.get(task.eni_id or "")
            if eni is None:
                continue
            groups = tuple(sorted(eni.group_ids))
            if groups != configured:
                drifted.setdefault(groups, []).append(task.task_id)
        if not drifted:
            continue
        cluster = inv.cluster_name(svc.cluster_arn) or "?"
        selector = f"ecs:{cluster}/{svc.service_name}"
        deployments = _deployments(svc)
        primary = next((d for d in deployments if d["status"] == "PRIMARY"), None)
        state = str(primary["rollout_state"]) if primary and primary["rollout_state"] else "unknown"
        in_progress = state == "IN_PROGRESS" or any(d["status"] == "ACTIVE" for d in deployments)
        tasks = sorted(t for ts in drifted.values() for t in ts)
        tf_groups = ", ".join(f'"{g}"' for g in configured)
        sets = "; ".join(
            f"{', '.join(g) or 'no groups'} on {len(t)} task(s)" for g, t in sorted(drifted.items())
        )
        when = (
            "a deployment is rolling out, so old tasks still run with the previous groups"
            if in_progress
            else f"the primary deployment's rollout state is {state}, so these tasks will not be replaced"
            " on their own"
        )
        yield make_finding(
            spec,
            resource=selector,
            detail="drift:" + "|".join(",".join(g) for g in sorted(drifted)),
            arn=svc.service_arn,
            severity=params.in_progress_severity if in_progress else None,
            resources=[*configured, *sorted({g for gs in drifted for g in gs})],
            message=(
                f"ECS service {selector} is configured with {', '.join(configured)} but {len(tasks)} running"
                f" task(s) carry other groups ({sets}); {when}"
            ),
            evidence={
                "configured_groups": list(configured),
                "task_groups": {",".join(g): t for g, t in sorted(drifted.items())},
                "deployments": deployments,
                "rollout_state": state,
            },
            fix=Fix(
                summary=(
                    f"replace the drifted tasks of {selector} so every task runs with the configured groups"
                    " (or fix the configuration if the running groups are the intended ones)"
                ),
                aws_cli=(
                    f"aws ecs update-service --cluster {cluster} --service {svc.service_name}"
                    " --force-new-deployment"
                ),
                terraform="\n".join(
                    [
                        f"# in the aws_ecs_service for {svc.service_name}:",
                        "network_configuration {",
                        f"  security_groups = [{tf_groups}]",
                        "  # subnets and assign_public_ip unchanged",
                        "}",
                    ]
                ),
            ),
        )
