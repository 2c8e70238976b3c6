"""intent-blocked: the written intent api -> orders-db is blocked (the api group's egress allows only
443) and an inferred one (the worker's task definition names billing-db, whose group admits nothing from
it) is blocked too; worker -> reports-db is allowed on both sides and passes."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    dbs = [net.db_a, net.db_b]
    api = b.security_group(net.vpc, "api", allow_all_egress=False)
    b.egress(api, "tcp", 443, cidr="0.0.0.0/0")
    worker = b.security_group(net.vpc, "worker")
    orders_sg = b.security_group(net.vpc, "orders-db")
    b.ingress(orders_sg, "tcp", 5432, sg=api)
    reports_sg = b.security_group(net.vpc, "reports-db")
    b.ingress(reports_sg, "tcp", 5432, sg=worker)
    billing_sg = b.security_group(net.vpc, "billing-db")
    orders = b.rds_instance("orders-db", subnets=dbs, groups=[orders_sg])
    reports = b.rds_instance("reports-db", subnets=dbs, groups=[reports_sg])
    billing = b.rds_instance("billing-db", subnets=dbs, groups=[billing_sg], engine="mysql")
    apps = [net.app_a, net.app_b]
    b.fargate_service(cluster="prod", name="api", subnets=apps, groups=[api], tasks=1)
    b.fargate_service(
        cluster="prod",
        name="worker",
        subnets=apps,
        groups=[worker],
        tasks=1,
        env={"BILLING_DB": f"mysql://{billing.address}:3306/billing"},
    )
    return {"orders-db": orders.selector, "reports-db": reports.selector, "billing-db": billing.selector}
