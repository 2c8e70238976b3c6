"""stale-reference: a rule naming a deleted group of this account fails. Passing: a rule naming another
account's group (unknown, not stale) and a rule naming a live group."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    stale = b.security_group(net.vpc, "has-stale")
    b.ingress(stale, "tcp", 5432, sg="sg-0ffffffffffffffff")
    cross = b.security_group(net.vpc, "cross-account")
    b.ingress(cross, "tcp", 5432, sg="sg-0123456789abcdef0", user_id="999988887777")
    live_peer = b.security_group(net.vpc, "peer")
    live = b.security_group(net.vpc, "live-ref")
    b.ingress(live, "tcp", 5432, sg=live_peer)
    return {"has-stale": stale.group_id, "cross-account": cross.group_id, "live-ref": live.group_id}
