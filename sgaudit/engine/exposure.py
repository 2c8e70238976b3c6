"""Internet exposure through the effective path: public address, route to an internet gateway,
NACL, and security-group ingress, per placement and address family.

``world`` is the traffic that EVERY internet address reaches (so 0.0.0.0/1 + 128.0.0.0/1, ::/0 and
prefix lists holding 0.0.0.0/0 count as world-open, and a /8 does not); ``some`` is what at least one
internet address reaches. For an endpoint with several placements both are unions over placements:
one exposed task or subnet exposes the endpoint.

Internet -> placement depends on the placement only through its subnet (route table, NACL), VPC
(internet gateways), security groups and whether it has a public address of the family: never on
which private address it has, since the internet side is the only one split into atoms. So the
answer is computed once per equivalence class of placements (`_ClassKey`) and shared; the few texts
that name the placement itself are kept as parts to join with each placement's id. The routing
layer is judged with the same `Evaluator` helpers as `Evaluator.route`, without building the hops
that only a path report shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sgaudit.engine.evaluate import (
    Evaluator,
    Pair,
    RouteOutcome,
    external_text,
    first_address,
    no_route_detail,
    split,
)
from sgaudit.engine.index import NetIndex
from sgaudit.engine.models import Endpoint, Exposure, ExposurePath, Listeners, Placement, Tri
from sgaudit.inventory import Direction
from sgaudit.netalgebra import AddressSet, Traffic

Parts = tuple[str, ...]
"""A text that may name the placement: ``placement_id.join(parts)``."""

_ClassKey = tuple[int, str | None, str | None, tuple[str, ...], bool, bool, Listeners | None]
"""(family, subnet, VPC, security groups, filtered by groups, has a public address of the family,
a load balancer's listeners): everything of a placement that exposure reads, apart from its id."""

_NO_ADDRESS_REACHES: Parts = ("no internet address reaches it",)


@dataclass(frozen=True, slots=True)
class _ClassExposure:
    """The `ExposurePath` fields one equivalence class of placements shares."""

    route_table_id: str | None
    igw_route: str | None
    igw_id: str | None
    nacl_id: str | None
    nacl_rules: tuple[str, ...]
    sg_rule_ids: tuple[str, ...]
    admitted_cidrs: tuple[str, ...]
    world: Traffic
    some: Traffic
    exposed: bool
    reason: Parts
    unknowns: tuple[Parts, ...]

    def path(self, p: Placement, family: int, public: str | None) -> ExposurePath:
        """This class's answer for one of its placements."""
        return ExposurePath(
            placement=p.id,
            family=family,
            public_address=public,
            route_table_id=self.route_table_id,
            igw_route=self.igw_route,
            internet_gateway_id=self.igw_id,
            nacl_id=self.nacl_id,
            nacl_rules=self.nacl_rules,
            sg_rule_ids=self.sg_rule_ids,
            admitted_cidrs=self.admitted_cidrs,
            world=self.world,
            some=self.some,
            exposed=self.exposed,
            reason=p.id.join(self.reason),
            unknowns=tuple(dict.fromkeys(p.id.join(u) for u in self.unknowns)) if self.unknowns else (),
        )


class ExposureBuilder:
    """Computes `Exposure` values; one builder serves an engine's queries and shares their classes."""

    def __init__(self, index: NetIndex, evaluator: Evaluator, internet: Placement) -> None:
        self.ix = index
        self.ev = evaluator
        self.internet = internet
        self._classes: dict[_ClassKey, _ClassExposure] = {}
        self._splits: dict[tuple[int, frozenset[AddressSet]], list[AddressSet]] = {}
        self._crosses: dict[AddressSet, bool] = {}
        self._routes: dict[
            tuple[str, str | None, int, AddressSet], tuple[tuple[str, str] | None, str | None]
        ] = {}

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
        if not p.addresses(family) or not self.internet.addresses(family):
            return None
        if family == 4:
            public = p.public_ips[0] if p.public_ips else ("public" if p.public else None)
        else:
            public = p.addresses6.to_cidr_strings()[0]
        key: _ClassKey = (
            family,
            p.subnet_id,
            p.vpc_id,
            p.group_ids,
            p.sg_filtered,
            self.ev.inbound_public(p, family),
            p.listeners,
        )
        shared = self._classes.get(key)
        if shared is None:
            computed = self._compute(p, family)
            if self.ev.dst_cuts(self.internet, p, family):
                # Never for an external source; were it so, the placement's own addresses would be
                # split and the class would not decide alone.
                return computed.path(p, family, public)
            shared = self._classes[key] = computed
        return shared.path(p, family, public)

    def _compute(self, p: Placement, family: int) -> _ClassExposure:
        """The class of ``p``: reads only the fields of `_ClassKey`; texts naming ``p`` stay parts."""
        ev, ix, internet = self.ev, self.ix, self.internet
        dst_atoms = split(p.addresses(family), ev.dst_cuts(internet, p, family))
        src_atoms = self._internet_atoms(family, ev.src_cuts(internet, p, family))
        public = ev.inbound_public(p, family)
        # The routing layer as `Evaluator._route_inbound` judges it: the table (or why it cannot be
        # read), the route to an internet gateway of the VPC, a public address.
        rtb, table_problem = ev.table_problem(p.subnet_id, family)
        acl = ix.nacl_id(p.subnet_id)
        world: Traffic | None = None
        some = Traffic.NONE
        admitted = AddressSet.empty(family)
        sg_rules: set[str] = set()
        nacl_rules: set[str] = set()
        unknowns: list[Parts] = []
        reasons: list[Parts] = []
        igw_route: str | None = None
        igw_id: str | None = None
        for da in dst_atoms:
            atom_world: Traffic | None = None
            for sa in src_atoms:
                pair = Pair(internet, p, family, sa, da)
                result = Tri.ALLOW
                if table_problem is not None:
                    unknowns.append(table_problem)
                    result = Tri.UNKNOWN
                else:
                    assert rtb is not None
                    igw, denied = self._inbound_route(p, rtb, family, sa)
                    if igw is not None:
                        igw_route, igw_id = igw
                    if denied is not None:
                        reasons.append((denied,))
                        result = Tri.DENY
                if not public:
                    reasons.append(ev.no_public_parts(family))
                    result = Tri.DENY
                if result is Tri.DENY:
                    sure = maybe = Traffic.NONE  # what `Evaluator.sets` answers for a denied route
                else:
                    # An inbound route never sets refs_ok, middlebox or nat_subnet: the defaults.
                    sure, maybe = ev.sets(pair, RouteOutcome(result=result))
                if maybe != sure:
                    unknowns.append(("", f": some traffic from {sa} cannot be decided"))
                if atom_world is None:
                    atom_world = sure
                elif atom_world:
                    # Most placements admit nothing: skip the five-dimension intersection then.
                    atom_world = atom_world & sure if sure else Traffic.NONE
                if sure:
                    some = some | sure
                    admitted = admitted | sa
                    out = ev.sg_match(
                        p, internet, Direction.INGRESS, family=family, addr=pair.s_addr, refs_ok=False
                    )
                    sg_rules.update(r.label for r in out.rules if not r.traffic.isdisjoint(sure))
                    if acl is not None:
                        _, decisions = ix.nacl_eval(acl, False, family, pair.s_addr, sure)
                        nacl_rules.update(d.rule for d in decisions if d.allow)
                elif result is Tri.ALLOW:
                    reasons.append(self._why_not(pair))
            world = atom_world if world is None else world | (atom_world or Traffic.NONE)
        exposed = bool(some)
        reason: Parts = ()
        if not exposed:
            reason = reasons[0] if reasons else _NO_ADDRESS_REACHES
        return _ClassExposure(
            route_table_id=ix.route_table_id(p.subnet_id),
            igw_route=igw_route,
            igw_id=igw_id,
            nacl_id=acl,
            nacl_rules=tuple(sorted(nacl_rules, key=_rule_key)),
            sg_rule_ids=tuple(sorted(sg_rules)),
            admitted_cidrs=tuple(admitted.to_cidr_strings()) if admitted else (),
            world=world or Traffic.NONE,
            some=some,
            exposed=exposed,
            reason=reason,
            unknowns=tuple(dict.fromkeys(unknowns)),
        )

    def _inbound_route(
        self, p: Placement, rtb: str, family: int, atom: AddressSet
    ) -> tuple[tuple[str, str] | None, str | None]:
        """(the route text and internet gateway that deliver, or why the route does not), per table,
        VPC and internet atom: placements of one subnet meet the same atoms again and again."""
        key = (rtb, p.vpc_id, family, atom)
        found = self._routes.get(key)
        if found is None:
            hit, igws, routed = self.ev.inbound_hit(p, rtb, family, first_address(atom))
            igw = (hit.text, hit.target) if routed and hit is not None else None
            denied = None
            if not routed:
                where = external_text(family, atom)
                denied = no_route_detail(rtb, where, hit, self.ev.inbound_why(p, igws))
            found = self._routes[key] = (igw, denied)
        return found

    def _internet_atoms(self, family: int, cuts: list[AddressSet]) -> list[AddressSet]:
        """``split`` of the internet by ``cuts``, shared by classes whose relevant cuts are the same
        set: `split` keeps only the cuts that cross the block, and depends on their set alone (so
        groups whose CIDRs are all private cut the internet alike)."""
        block = self.internet.addresses(family)
        relevant: set[AddressSet] = set()
        for c in cuts:
            crosses = self._crosses.get(c)
            if crosses is None:
                crosses = self._crosses[c] = (
                    c.version == block.version and not c.isdisjoint(block) and not c.covers(block)
                )
            if crosses:
                relevant.add(c)
        key = (family, frozenset(relevant))
        found = self._splits.get(key)
        if found is None:
            found = self._splits[key] = split(block, list(relevant))
        return found

    def _why_not(self, pair: Pair) -> Parts:
        p = pair.dst
        out = self.ev.sg_match(
            p, self.internet, Direction.INGRESS, family=pair.family, addr=pair.s_addr, refs_ok=False
        )
        if p.sg_filtered and not out.rules:
            groups = ", ".join(p.group_ids)
            if not groups:
                return ("no security-group ingress rule of ", " admits internet sources")
            return (f"no security-group ingress rule of {groups} admits internet sources",)
        if p.listeners is not None and out.possible().isdisjoint(p.listeners.traffic):
            lb = p.listeners
            return (
                f"load balancer {lb.load_balancer} listens only on {lb.describe()},"
                " which its groups do not admit",
            )
        acl = self.ix.nacl_id(p.subnet_id)
        return (f"network ACL {acl or '?'} denies what the security groups admit (or its reply)",)


def _rule_key(rule: str) -> tuple[int, str]:
    return (int(rule), "") if rule.isdigit() else (99999, rule)
