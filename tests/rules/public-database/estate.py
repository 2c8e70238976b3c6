"""public-database: a publicly accessible RDS instance whose group admits 0.0.0.0/0 on its port, and a
public Aurora cluster open to one office range, fail; a public instance whose group admits only the app
group, a private instance, and a public instance on a non-default port whose group opens only 5432 pass."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    app = b.security_group(net.vpc, "app")
    world = b.security_group(net.vpc, "db-world")
    b.ingress(world, "tcp", 5432, cidr="0.0.0.0/0")
    office = b.security_group(net.vpc, "db-office")
    b.ingress(office, "tcp", 5432, cidr="203.0.113.0/24")
    from_app = b.security_group(net.vpc, "db-from-app")
    b.ingress(from_app, "tcp", 5432, sg=app)
    b.ec2_instance("app", subnet=net.app_a, groups=[app])
    public = [net.pub_a, net.pub_b]
    open_db = b.rds_instance("open-db", subnets=public, groups=[world], public=True)
    cluster = b.rds_cluster("office-aurora", subnets=public, groups=[office], public=True, instances=2)
    closed = b.rds_instance("closed-db", subnets=public, groups=[from_app], public=True)
    private = b.rds_instance("private-db", subnets=[net.db_a, net.db_b], groups=[world], public=False)
    odd_port = b.rds_instance("odd-port-db", subnets=public, groups=[world], public=True, port=6543)
    return {
        "open-db": open_db.selector,
        "office-aurora": cluster.selector,
        "closed-db": closed.selector,
        "private-db": private.selector,
        "odd-port-db": odd_port.selector,
    }
