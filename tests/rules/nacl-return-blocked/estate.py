"""nacl-return-blocked: app -> db-1 on 5432 is allowed by both groups, but db-1's subnet NACL lets the
reply out only to ports 1024-2048 while the app (a Linux host) uses 32768-60999: fails on that NACL.
app -> db-2 goes through a NACL that returns 1024-65535 and passes."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder, NaclEntry


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    app = b.security_group(net.vpc, "app")
    db = b.security_group(net.vpc, "db")
    b.ingress(db, "tcp", 5432, sg=app)
    app_cidr = net.app_a.cidr

    def entries(lo: int, hi: int) -> list[NaclEntry]:
        return [
            NaclEntry(number=100, direction="ingress", protocol="tcp", cidr=app_cidr, ports=(5432, 5432)),
            NaclEntry(number=100, direction="egress", protocol="tcp", cidr=app_cidr, ports=(lo, hi)),
        ]

    bad = b.network_acl(net.vpc, name="db-narrow-return", subnets=[net.db_a], entries=entries(1024, 2048))
    good = b.network_acl(net.vpc, name="db-good-return", subnets=[net.db_b], entries=entries(1024, 65535))
    b.ec2_instance("app", subnet=net.app_a, groups=[app])
    b.ec2_instance("db-1", subnet=net.db_a, groups=[db])
    b.ec2_instance("db-2", subnet=net.db_b, groups=[db])
    return {"narrow-acl": bad.network_acl_id, "good-acl": good.network_acl_id}
