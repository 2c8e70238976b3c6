"""broad-cidr: the db group admits 5432 from the whole VPC (65,536 addresses, a handful of interfaces)
and the admin group admits 8443 from 0.0.0.0/0 on private instances only: both fail. Passing: ingress
from one host (/32), a public web group open to the world on 443 (an internet path exists, so the
internet-* rules decide), and a corporate range outside every VPC."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    app = b.security_group(net.vpc, "app")
    app_host = b.ec2_instance("app", subnet=net.app_a, groups=[app])
    db = b.security_group(net.vpc, "db-vpc-wide")
    b.ingress(db, "tcp", 5432, cidr=net.vpc.cidr)
    admin = b.security_group(net.vpc, "admin-world-private")
    b.ingress(admin, "tcp", 8443, cidr="0.0.0.0/0")
    one_host = b.security_group(net.vpc, "from-one-host")
    b.ingress(one_host, "tcp", 9000, cidr=f"{app_host.private_ip}/32")
    web = b.security_group(net.vpc, "web-public")
    b.ingress(web, "tcp", 443, cidr="0.0.0.0/0")
    corp = b.security_group(net.vpc, "corp-vpn")
    b.ingress(corp, "tcp", 22, cidr="172.16.0.0/12")
    b.ec2_instance("db", subnet=net.db_a, groups=[db])
    b.ec2_instance("admin", subnet=net.app_b, groups=[admin])
    b.ec2_instance("svc", subnet=net.app_b, groups=[one_host, corp])
    b.ec2_instance("web", subnet=net.pub_a, groups=[web], public_ip=True)
    return {
        "db-vpc-wide": db.group_id,
        "admin-world-private": admin.group_id,
        "from-one-host": one_host.group_id,
        "web-public": web.group_id,
        "corp-vpn": corp.group_id,
    }
