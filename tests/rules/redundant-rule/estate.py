"""redundant-rule: 5432 from 10.0.10.0/24 is covered by 5400-5500 from 10.0.0.0/16 in the same group,
and 443 from a prefix list is covered by a CIDR holding its entries: both fail (one group each).
Passing: a group whose rules overlap in ports but not in peers."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    red = b.security_group(net.vpc, "redundant-port")
    b.ingress(red, "tcp", 5432, cidr="10.0.10.0/24")
    b.ingress(red, "tcp", 5400, 5500, cidr="10.0.0.0/16")
    offices = b.prefix_list("offices", ["203.0.113.0/25", "203.0.113.128/25"])
    red_pl = b.security_group(net.vpc, "redundant-prefix-list")
    b.ingress(red_pl, "tcp", 443, prefix_list=offices)
    b.ingress(red_pl, "tcp", 443, cidr="203.0.113.0/24")
    ok = b.security_group(net.vpc, "distinct")
    b.ingress(ok, "tcp", 5432, cidr="10.0.10.0/24")
    b.ingress(ok, "tcp", 5400, 5500, cidr="10.0.11.0/24")
    return {
        "redundant-port": red.group_id,
        "redundant-prefix-list": red_pl.group_id,
        "distinct": ok.group_id,
    }
