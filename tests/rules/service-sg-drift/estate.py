"""service-sg-drift: a service whose running tasks still carry the old group (its configuration names
the new one) fails; a service whose tasks match its configuration passes."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    old = b.security_group(net.vpc, "api-old")
    new = b.security_group(net.vpc, "api-new")
    steady_sg = b.security_group(net.vpc, "steady")
    apps = [net.app_a, net.app_b]
    drifty = b.fargate_service(
        cluster="prod", name="api", subnets=apps, groups=[new], task_groups=[old], tasks=2
    )
    steady = b.fargate_service(cluster="prod", name="steady", subnets=apps, groups=[steady_sg], tasks=2)
    return {"api": drifty.selector, "steady": steady.selector}
