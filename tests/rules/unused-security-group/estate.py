"""unused-security-group: a group nothing uses fails. Passing: a group only another group's rule
references, one only a Lambda function uses, one only a load balancer uses, one only a VPC endpoint
uses, one only an ECS service's configuration names (no running task), one an RDS instance uses, and
the VPC's default group."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    orphan = b.security_group(net.vpc, "orphan")
    b.ingress(orphan, "tcp", 22, cidr="10.0.0.0/16")
    referenced = b.security_group(net.vpc, "referenced-only")
    target = b.security_group(net.vpc, "target")
    b.ingress(target, "tcp", 443, sg=referenced)
    b.ec2_instance("target", subnet=net.app_a, groups=[target])
    fn = b.security_group(net.vpc, "lambda")
    b.lambda_function("fn", subnets=[net.app_a, net.app_b], groups=[fn])
    lb = b.security_group(net.vpc, "lb")
    b.alb("web", subnets=[net.pub_a, net.pub_b], groups=[lb])
    svc = b.security_group(net.vpc, "scaled-to-zero")
    b.fargate_service(cluster="prod", name="idle", subnets=[net.app_a], groups=[svc], tasks=0, desired=0)
    vpce = b.security_group(net.vpc, "endpoint")
    b.vpc_endpoint(net.vpc, "ecr.api", subnets=[net.app_a], groups=[vpce])
    db = b.security_group(net.vpc, "db")
    b.rds_instance("db", subnets=[net.db_a, net.db_b], groups=[db])
    return {
        "orphan": orphan.group_id,
        "referenced-only": referenced.group_id,
        "lambda": fn.group_id,
        "lb": lb.group_id,
        "scaled-to-zero": svc.group_id,
        "endpoint": vpce.group_id,
        "db": db.group_id,
        "default": net.vpc.default_group.group_id,
    }
