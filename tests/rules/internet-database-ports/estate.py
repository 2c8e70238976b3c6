"""internet-database-ports: MongoDB and Redis open to the world on a public instance fail; a public web
server, a private database host, and a public RDS instance (reported by public-database instead) pass."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    mongo = b.security_group(net.vpc, "mongo-world")
    b.ingress(mongo, "tcp", 27017, cidr="0.0.0.0/0")
    b.ingress(mongo, "tcp", 6379, cidr6="::/0")
    web = b.security_group(net.vpc, "web")
    b.ingress(web, "tcp", 443, cidr="0.0.0.0/0")
    pg = b.security_group(net.vpc, "pg-world")
    b.ingress(pg, "tcp", 5432, cidr="0.0.0.0/0")
    mongo_host = b.ec2_instance("mongo", subnet=net.pub_a, groups=[mongo], public_ip=True)
    web_host = b.ec2_instance("web", subnet=net.pub_a, groups=[web], public_ip=True)
    private = b.ec2_instance("private-mongo", subnet=net.app_a, groups=[mongo])
    rds = b.rds_instance("public-pg", subnets=[net.pub_a, net.pub_b], groups=[pg], public=True)
    return {
        "mongo": mongo_host.selector,
        "web": web_host.selector,
        "private-mongo": private.selector,
        "public-pg": rds.selector,
    }
