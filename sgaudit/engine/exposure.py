"""Internet exposure through the effective path: public address, route to an internet gateway,
NACL, and security-group ingress, per placement and address family.

``world`` is the traffic that EVERY internet address reaches (so 0.0.0.0/1 + 128.0.0.0/1, ::/0 and
prefix lists holding 0.0.0.0/0 count as world-open, and a /8 does not); ``some`` is what at least one
internet address reaches. For an endpoint with several placements both are unions over placements:
one exposed task or subnet exposes the endpoint.
"""

from __future__ import annotations

from sgaudit.engine.evaluate import Evaluator, Pair, split
from sgaudit.engine.index import NetIndex
from sgaudit.engine.models import Endpoint, Exposure, ExposurePath, Placement, Tri
from sgaudit.inventory import Direction
from sgaudit.netalgebra import AddressSet, Traffic


class ExposureBuilder:
    """Computes `Exposure` values."""

    def __init__(self, index: NetIndex, evaluator: Evaluator, internet: Placement) -> None:
        self.ix = index
        self.ev = evaluator
        self.internet = internet

    def exposure(self, dst: Endpoint) -> Exposure:
        """What of ``dst`` the internet reaches."""
        world, some = Traffic.NONE, Traffic.NONE
        paths: list[ExposurePath] = []
        unknowns: list[str] = []
        for p in dst.placements:
            if p.is_external:
                continue
            for family in (4, 6):
                path = self._placement(p, family)
                if path is None:
                    continue
                paths.append(path)
                world, some = world | path.world, some | path.some
                unknowns.extend(path.unknowns)
        return Exposure(
            endpoint=dst.selector, world=world, some=some, paths=paths, unknowns=list(dict.fromkeys(unknowns))
        )

    def _placement(self, p: Placement, family: int) -> ExposurePath | None:
        internet = self.internet.addresses(family)
        if not p.addresses(family) or not internet:
            return None
        if family == 4:
            public = p.public_ips[0] if p.public_ips else ("public" if p.public else None)
        else:
            public = p.addresses6.to_cidr_strings()[0]
        dst_atoms = split(p.addresses(family), self.ev.dst_cuts(self.internet, p, family))
        src_atoms = split(internet, self.ev.src_cuts(self.internet, p, family))
        world: Traffic | None = None
        some = Traffic.NONE
        admitted = AddressSet.empty(family)
        sg_rules: set[str] = set()
        nacl_rules: set[str] = set()
        unknowns: list[str] = []
        reasons: list[str] = []
        igw_route: str | None = None
        igw_id: str | None = None
        acl = self.ix.nacl_id(p.subnet_id)
        for da in dst_atoms:
            atom_world: Traffic | None = None
            for sa in src_atoms:
                pair = Pair(self.internet, p, family, sa, da)
                route = self.ev.route(pair)
                if route.igw_hit is not None:
                    igw_route, igw_id = route.igw_hit.text, route.igw_hit.target
                for _, issue in route.hops:
                    if issue is not None:
                        (unknowns if issue.result is Tri.UNKNOWN else reasons).append(issue.detail)
                sure, maybe = self.ev.sets(pair)
                if maybe != sure:
                    unknowns.append(f"{p.id}: some traffic from {sa} cannot be decided")
                atom_world = sure if atom_world is None else atom_world & sure
                if sure:
                    some = some | sure
                    admitted = admitted | sa
                    out = self.ev.sg_match(
                        p, self.internet, Direction.INGRESS, family=family, addr=pair.s_addr, refs_ok=False
                    )
                    sg_rules.update(r.label for r in out.rules if not r.traffic.isdisjoint(sure))
                    if acl is not None:
                        _, decisions = self.ix.nacl_eval(acl, False, family, pair.s_addr, sure)
                        nacl_rules.update(d.rule for d in decisions if d.allow)
                elif route.result is Tri.ALLOW:
                    reasons.append(self._why_not(pair))
            world = atom_world if world is None else world | (atom_world or Traffic.NONE)
        exposed = bool(some)
        reason = ""
        if not exposed:
            reason = next(iter(dict.fromkeys(reasons)), "no internet address reaches it")
        return ExposurePath(
            placement=p.id,
            family=family,
            public_address=public,
            route_table_id=self.ix.route_table_id(p.subnet_id),
            igw_route=igw_route,
            internet_gateway_id=igw_id,
            nacl_id=acl,
            nacl_rules=tuple(sorted(nacl_rules, key=_rule_key)),
            sg_rule_ids=tuple(sorted(sg_rules)),
            admitted_cidrs=tuple(admitted.to_cidr_strings()),
            world=world or Traffic.NONE,
            some=some,
            exposed=exposed,
            reason=reason,
            unknowns=tuple(dict.fromkeys(unknowns)),
        )

    def _why_not(self, pair: Pair) -> str:
        p = pair.dst
        out = self.ev.sg_match(
            p, self.internet, Direction.INGRESS, family=pair.family, addr=pair.s_addr, refs_ok=False
        )
        if p.sg_filtered and not out.rules:
            return (
                f"no security-group ingress rule of {', '.join(p.group_ids) or p.id} admits internet sources"
            )
        acl = self.ix.nacl_id(p.subnet_id)
        return f"network ACL {acl or '?'} denies what the security groups admit (or its reply)"


def _rule_key(rule: str) -> tuple[int, str]:
    return (int(rule), "") if rule.isdigit() else (99999, rule)
