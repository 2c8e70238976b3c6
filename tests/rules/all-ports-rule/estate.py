"""all-ports-rule: the app group admits all traffic from the load balancer's group and the legacy group
all TCP ports from the VPC range: both fail. Passing: the api group admits only 8080, the cluster group
references itself for all traffic (members talk to each other), and a world-open all-traffic group
(reported by internet-all-traffic / broad-cidr instead)."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    lb = b.security_group(net.vpc, "lb")
    app = b.security_group(net.vpc, "app-all")
    b.ingress(app, "-1", sg=lb)
    legacy = b.security_group(net.vpc, "legacy-all-tcp")
    b.ingress(legacy, "tcp", 0, 65535, cidr=net.vpc.cidr)
    api = b.security_group(net.vpc, "api-8080")
    b.ingress(api, "tcp", 8080, sg=lb)
    cluster = b.security_group(net.vpc, "cluster-self")
    b.ingress(cluster, "-1", sg=cluster)
    world = b.security_group(net.vpc, "world-all")
    b.ingress(world, "-1", cidr="0.0.0.0/0")
    for name, groups in (
        ("lb", lb),
        ("app", app),
        ("legacy", legacy),
        ("api", api),
        ("node", cluster),
        ("w", world),
    ):
        b.ec2_instance(name, subnet=net.app_a, groups=[groups])
    return {
        "app-all": app.group_id,
        "legacy-all-tcp": legacy.group_id,
        "api-8080": api.group_id,
        "cluster-self": cluster.group_id,
        "world-all": world.group_id,
    }
