"""ECS collector: clusters, services, tasks, their task definitions and container instances.

Per cluster: list, then describe in the largest batches the API accepts (10 services, 100 tasks,
100 container instances). Task definitions are described once per distinct ARN, whether a service
(any deployment or task set) or a running task names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sgaudit.collect.plan import spec
from sgaudit.collect.scope import Job, JsonObject, ScopeContext

_LIST_CLUSTERS = spec("ecs", "ListClusters")
_DESCRIBE_CLUSTERS = spec("ecs", "DescribeClusters")
_LIST_SERVICES = spec("ecs", "ListServices")
_DESCRIBE_SERVICES = spec("ecs", "DescribeServices")
_LIST_TASKS = spec("ecs", "ListTasks")
_DESCRIBE_TASKS = spec("ecs", "DescribeTasks")
_DESCRIBE_TASK_DEFINITION = spec("ecs", "DescribeTaskDefinition")
_LIST_CONTAINER_INSTANCES = spec("ecs", "ListContainerInstances")
_DESCRIBE_CONTAINER_INSTANCES = spec("ecs", "DescribeContainerInstances")

_Then = Callable[[list[str]], Sequence[Job]]


def jobs(ctx: ScopeContext) -> list[Job]:
    """List the clusters; everything else follows from their ARNs."""
    return [ctx.listing(_LIST_CLUSTERS, lambda arns: _per_cluster(ctx, arns))]


def _per_cluster(ctx: ScopeContext, cluster_arns: list[str]) -> Sequence[Job]:
    follow: list[Job] = ctx.batches(_DESCRIBE_CLUSTERS, cluster_arns)
    for arn in cluster_arns:
        follow.append(ctx.listing(_LIST_SERVICES, _services_then(ctx, arn), cluster=arn))
        follow.append(ctx.listing(_LIST_TASKS, _tasks_then(ctx, arn), cluster=arn))
        follow.append(
            ctx.listing(_LIST_CONTAINER_INSTANCES, _container_instances_then(ctx, arn), cluster=arn)
        )
    return follow


def _container_instances_then(ctx: ScopeContext, cluster: str) -> _Then:
    def then(instance_arns: list[str]) -> Sequence[Job]:
        return ctx.batches(_DESCRIBE_CONTAINER_INSTANCES, instance_arns, cluster=cluster)

    return then


def _services_then(ctx: ScopeContext, cluster: str) -> _Then:
    def then(service_arns: list[str]) -> Sequence[Job]:
        return ctx.batches(
            _DESCRIBE_SERVICES,
            service_arns,
            lambda services: _task_definitions(ctx, _service_task_definitions(services)),
            cluster=cluster,
        )

    return then


def _tasks_then(ctx: ScopeContext, cluster: str) -> _Then:
    def then(task_arns: list[str]) -> Sequence[Job]:
        return ctx.batches(
            _DESCRIBE_TASKS,
            task_arns,
            lambda tasks: _task_definitions(ctx, (t["taskDefinitionArn"] for t in tasks)),
            cluster=cluster,
        )

    return then


def _service_task_definitions(services: list[JsonObject]) -> Iterable[str]:
    # During a rollout the deployments (and task sets) name other revisions than the service.
    # A service on the EXTERNAL deployment controller has task sets and no taskDefinition.
    for service in services:
        for item in (service, *service.get("deployments", []), *service.get("taskSets", [])):
            if item.get("taskDefinition"):
                yield item["taskDefinition"]


def _task_definitions(ctx: ScopeContext, arns: Iterable[str]) -> Sequence[Job]:
    return [_task_definition_job(ctx, arn) for arn in ctx.claim(arns)]


def _task_definition_job(ctx: ScopeContext, arn: str) -> Job:
    def run() -> Sequence[Job]:
        response = ctx.call(_DESCRIBE_TASK_DEFINITION, taskDefinition=arn)
        if response is not None:
            ctx.add(_DESCRIBE_TASK_DEFINITION, [response[_DESCRIBE_TASK_DEFINITION.result_key]])
        return []

    return Job(f"{ctx.label(_DESCRIBE_TASK_DEFINITION)} {arn.rsplit('/', 1)[-1]}", run)
