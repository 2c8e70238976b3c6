"""default-sg-in-use: the main VPC's default group is used by an instance and by an ECS service that
names no groups: fails. The second VPC's default group is unused; its default rules are not reported
here because this fixture's config turns report_rules_when_unused off: passes."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    other = b.vpc("10.1.0.0/16", name="other")
    b.subnet(other, "10.1.0.0/24", az=f"{b.region}a", name="other-a")
    b.ec2_instance("legacy", subnet=net.app_a, groups=None)
    b.fargate_service(cluster="prod", name="nogroups", subnets=[net.app_a], groups=None, tasks=1)
    return {"main-default": net.vpc.default_group.group_id, "other-default": other.default_group.group_id}
