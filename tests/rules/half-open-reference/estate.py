"""half-open-reference: the db group admits 5432 from the api group but the api group's egress allows
only 443 (fails: the api group misses egress), and the etl group's egress names the warehouse group,
which admits nothing from it (fails: the warehouse misses ingress). Passing: the worker group reaches its
database through the default allow-all egress (a CIDR rule counts), the cache group through an egress
rule to the VPC range, and the batch group through an all-traffic egress to a prefix list."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    api = b.security_group(net.vpc, "api", allow_all_egress=False)
    b.egress(api, "tcp", 443, cidr="0.0.0.0/0")
    db = b.security_group(net.vpc, "db")
    b.ingress(db, "tcp", 5432, sg=api)

    etl = b.security_group(net.vpc, "etl", allow_all_egress=False)
    warehouse = b.security_group(net.vpc, "warehouse")
    b.egress(etl, "tcp", 5439, sg=warehouse)

    worker = b.security_group(net.vpc, "worker")
    worker_db = b.security_group(net.vpc, "worker-db")
    b.ingress(worker_db, "tcp", 5432, sg=worker)

    cache_client = b.security_group(net.vpc, "cache-client", allow_all_egress=False)
    b.egress(cache_client, "tcp", 6379, cidr=net.vpc.cidr)
    cache = b.security_group(net.vpc, "cache")
    b.ingress(cache, "tcp", 6379, sg=cache_client)

    batch = b.security_group(net.vpc, "batch", allow_all_egress=False)
    internal = b.prefix_list("internal", [net.vpc.cidr])
    b.egress(batch, "-1", prefix_list=internal)
    queue = b.security_group(net.vpc, "queue")
    b.ingress(queue, "tcp", 5672, sg=batch)

    for name, groups, subnet in (
        ("api", [api], net.app_a),
        ("db", [db], net.db_a),
        ("etl", [etl], net.app_b),
        ("warehouse", [warehouse], net.db_b),
        ("worker", [worker], net.app_a),
        ("worker-db", [worker_db], net.db_a),
        ("cache-client", [cache_client], net.app_b),
        ("cache", [cache], net.db_b),
        ("batch", [batch], net.app_a),
        ("queue", [queue], net.db_a),
    ):
        b.ec2_instance(name, subnet=subnet, groups=groups)
    return {
        "api": api.group_id,
        "warehouse": warehouse.group_id,
        "db": db.group_id,
        "etl": etl.group_id,
        "worker": worker.group_id,
        "worker-db": worker_db.group_id,
        "cache-client": cache_client.group_id,
        "batch": batch.group_id,
    }
