"""intent-violated: the intents forbid the internet reaching both databases; open-db (public, 5432 from
0.0.0.0/0) is reachable and fails, private-db (private subnets) is blocked and passes."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    world = b.security_group(net.vpc, "db-world")
    b.ingress(world, "tcp", 5432, cidr="0.0.0.0/0")
    open_db = b.rds_instance("open-db", subnets=[net.pub_a, net.pub_b], groups=[world], public=True)
    private = b.rds_instance("private-db", subnets=[net.db_a, net.db_b], groups=[world])
    return {"open-db": open_db.selector, "private-db": private.selector}
