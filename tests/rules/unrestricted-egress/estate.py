"""unrestricted-egress: a used group with the default allow-all egress fails. Passing: a used group with
egress only to 443, and an unused group with allow-all egress (unused-security-group covers it)."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    open_egress = b.security_group(net.vpc, "open-egress")
    tight = b.security_group(net.vpc, "tight-egress", allow_all_egress=False)
    b.egress(tight, "tcp", 443, cidr="0.0.0.0/0")
    unused = b.security_group(net.vpc, "unused")
    b.ec2_instance("a", subnet=net.app_a, groups=[open_egress])
    b.ec2_instance("b", subnet=net.app_a, groups=[tight])
    return {"open-egress": open_egress.group_id, "tight-egress": tight.group_id, "unused": unused.group_id}
