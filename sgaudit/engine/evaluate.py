"""Exact evaluation of one (source placement, destination placement) pair, per `docs/semantics.md`.

Two entry points share the layer helpers:

- `Evaluator.flow` judges ONE flow (a protocol and port, or ICMP type/code) for one address atom
  pair and one family, recording every layer as a `Hop` and every denying or undecidable component
  as an `Issue` (with a hint for the fix); it never stops at the first blocker;
- `Evaluator.sets` computes, for the same atom pair, the `Traffic` that is definitely allowed and
  the `Traffic` that may be (undecidable), with set algebra instead of port loops.

A range placement (a whole subnet, the internet) stands for one pair per address; `split` cuts it
into atoms by every CIDR boundary that a layer tests on that side, so one representative address
per atom decides for the whole atom.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from sgaudit.engine.index import CompiledRule, NetIndex, RouteHit
from sgaudit.engine.models import EngineOptions, Hop, Placement, Tri
from sgaudit.inventory import Direction, PeerKind
from sgaudit.netalgebra import (
    ICMP_CODES,
    OTHER_PROTOCOLS,
    PORTS,
    AddressSet,
    IntervalSet,
    Traffic,
    protocol_number,
)

Mode = Literal["local", "peering", "inbound", "outbound"]
Leg = Literal["forward", "return"]
SgDirection = Literal["egress", "ingress"]

ECHO_REQUEST = IntervalSet.span(8 * 256, 8 * 256 + 255)
ECHO6_REQUEST = IntervalSet.span(128 * 256, 128 * 256 + 255)


# ---- the query ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """One flow: protocol number, destination port (or ICMP type and code)."""

    protocol: int
    port: int | None
    code: int | None
    traffic: Traffic

    @classmethod
    def make(cls, protocol: str | int, port: int | None, code: int | None = None) -> Query:
        """Build a query; raises `InvalidTrafficError` for an impossible flow."""
        number = protocol_number(protocol)
        if number in (1, 58):
            return cls(number, port, code, Traffic.single(number, port, code))
        if number in (6, 17):
            return cls(number, port, None, Traffic.single(number, port))
        return cls(number, None, None, Traffic.single(number))

    @property
    def text(self) -> str:
        """``tcp 5432``, ``icmp type 8 code 0``, ``protocol 47``."""
        return self.traffic.describe()

    def return_traffic(self, ephemeral: tuple[int, int]) -> Traffic | None:
        """What the reply looks like to a stateless NACL; None when there is no reply leg."""
        if self.protocol == 6:
            return Traffic(tcp=IntervalSet.span(*ephemeral))
        if self.protocol == 17:
            return Traffic(udp=IntervalSet.span(*ephemeral))
        if self.protocol == 1:
            return Traffic.single("icmp", 0, 0) if self.port == 8 else None
        if self.protocol == 58:
            return Traffic.single("icmpv6", 129, 0) if self.port == 128 else None
        return Traffic.single(self.protocol)


# ---- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SgFixHint:
    """A missing security-group rule: on ``side``'s groups, towards ``peer``."""

    direction: SgDirection
    side: Placement
    peer: Placement
    family: int
    refs_ok: bool
    peer_cidrs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NaclFixHint:
    """A missing NACL entry (to go before rule ``before``; 32767 = the implicit deny)."""

    acl_id: str
    egress: bool
    family: int
    cidr: str
    traffic: Traffic
    before: int


@dataclass(frozen=True, slots=True)
class RouteFixHint:
    """A missing route."""

    route_table_id: str
    destination: str
    target: str


FixHint = SgFixHint | NaclFixHint | RouteFixHint


@dataclass(frozen=True, slots=True)
class Issue:
    """A component that denies (or cannot decide) the flow for one atom pair."""

    result: Tri
    code: str
    component: str
    component_kind: str
    direction: SgDirection | None
    leg: Leg
    family: int
    rule: str | None
    detail: str
    fix: FixHint | None = None


@dataclass(slots=True)
class FamilyEval:
    """One family's verdict for one atom pair, with every layer checked."""

    family: int
    src_atom: AddressSet
    dst_atom: AddressSet
    result: Tri = Tri.ALLOW
    hops: list[Hop] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, hop: Hop, issue: Issue | None = None) -> None:
        """Record a layer."""
        self.hops.append(hop)
        self.result = self.result & hop.result
        if issue is not None:
            self.issues.append(issue)


@dataclass(slots=True)
class SgOutcome:
    """Which rules of a side's groups match a peer."""

    rules: list[CompiledRule] = field(default_factory=list)
    unknown_rules: list[tuple[CompiledRule, str, str]] = field(default_factory=list)  # rule, code, reason
    missing_groups: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def result(self) -> Tri:
        """ALLOW if a rule matches; UNKNOWN if one might; else DENY."""
        if self.rules:
            return Tri.ALLOW
        if self.unknown_rules or self.missing_groups:
            return Tri.UNKNOWN
        return Tri.DENY

    def allowed(self) -> Traffic:
        """The union of the matching rules' traffic."""
        return Traffic.union(r.traffic for r in self.rules)

    def possible(self) -> Traffic:
        """What the rules allow or might allow."""
        if self.missing_groups:
            return Traffic.ALL
        return Traffic.union(
            [*(r.traffic for r in self.rules), *(r.traffic for r, _, _ in self.unknown_rules)]
        )


@dataclass(slots=True)
class RouteOutcome:
    """The routing layer for one atom pair."""

    result: Tri = Tri.ALLOW
    hops: list[tuple[Hop, Issue | None]] = field(default_factory=list)
    refs_ok: bool = False
    middlebox: bool = False
    nat_subnet: str | None = None
    igw_hit: RouteHit | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, hop: Hop, issue: Issue | None = None) -> None:
        """Record a routing component."""
        self.hops.append((hop, issue))
        self.result = self.result & hop.result

    def deny(self, hop: Hop, issue: Issue) -> None:
        """Record a component that blocks or cannot decide."""
        self.add(hop, issue)


@dataclass(frozen=True, slots=True)
class Pair:
    """One atom pair of one family: the context every layer needs."""

    src: Placement
    dst: Placement
    family: int
    src_atom: AddressSet
    dst_atom: AddressSet

    @property
    def s_addr(self) -> int:
        """The representative source address."""
        return self.src_atom.points.intervals[0][0]

    @property
    def d_addr(self) -> int:
        """The representative destination address."""
        return self.dst_atom.points.intervals[0][0]

    @property
    def mode(self) -> Mode:
        """Where the path goes."""
        return classify(self.src, self.dst)

    @property
    def crosses(self) -> bool:
        """True when the traffic leaves the source's subnet (NACLs apply)."""
        mode = self.mode
        return mode in ("peering", "outbound") or (
            mode == "local" and self.src.subnet_id != self.dst.subnet_id
        )

    def text(self, side: Literal["src", "dst"]) -> str:
        """How hop details name a side's address: '' for an interface or a subnet range (the pair
        carries the address, and one evaluation serves every interface of an equivalence class),
        the block for a small external atom."""
        p, atom = (self.src, self.src_atom) if side == "src" else (self.dst, self.dst_atom)
        if not p.is_external:
            return ""
        return external_text(self.family, atom)


def _hop(
    *,
    kind: str,
    id: str,
    result: Tri,
    direction: SgDirection | None = None,
    leg: Leg = "forward",
    family: int | None = None,
    rule: str | None = None,
    detail: str = "",
) -> Hop:
    """A `Hop` from values built here (model_construct: hops are the engine's hottest allocation)."""
    return Hop.model_construct(
        kind=kind, id=id, direction=direction, leg=leg, family=family, result=result, rule=rule, detail=detail
    )


@lru_cache(maxsize=65536)
def external_text(family: int, atom: AddressSet) -> str:
    """How hop details name an external atom: its block(s) when at most two CIDRs say it, else
    ``internet addresses``; one address as the address. Cached: exposure names the same few
    internet atoms for every placement of a subnet."""
    if atom.size > 1:
        return str(atom) if _cidr_count(atom, 2) <= 2 else "internet addresses"
    return address_text(family, atom.points.intervals[0][0])


def _cidr_count(atom: AddressSet, limit: int) -> int:
    """``len(atom.to_cidrs())``, counted without building the networks and stopping past ``limit``.

    The same greedy walk as `AddressSet.to_cidrs` (the largest aligned block that fits at each start).
    """
    whole = 1 << (32 if atom.version == 4 else 128)
    count = 0
    for run_lo, hi in atom.points.intervals:
        lo = run_lo
        while lo <= hi:
            align = lo & -lo if lo else whole
            fit = 1 << ((hi - lo + 1).bit_length() - 1)
            lo += align if align < fit else fit
            count += 1
            if count > limit:
                return count
    return count


def no_route_detail(rtb: str, where: str, hit: RouteHit | None, why: str) -> str:
    """The detail of a route that does not deliver (or of no route at all)."""
    got = f"routes {where} to {hit.target} ({hit.destination})" if hit else f"has no route to {where}"
    return f"route table {rtb} {got}: {why}"


def cidr_blocks(block: AddressSet) -> list[AddressSet]:
    """``[AddressSet.from_cidr(n) for n in block.to_cidrs()]``, without building the networks."""
    whole = 1 << (32 if block.version == 4 else 128)
    out: list[AddressSet] = []
    for run_lo, hi in block.points.intervals:
        lo = run_lo
        while lo <= hi:
            align = lo & -lo if lo else whole
            fit = 1 << ((hi - lo + 1).bit_length() - 1)
            size = align if align < fit else fit
            out.append(AddressSet(block.version, IntervalSet.span(lo, lo + size - 1)))
            lo += size
    return out


def first_address(atom: AddressSet) -> int:
    """A representative address of a (non-empty) atom."""
    return atom.points.intervals[0][0]


def address_text(family: int, value: int) -> str:
    """An integer address as text."""
    return str(ipaddress.IPv4Address(value) if family == 4 else ipaddress.IPv6Address(value))


def split(block: AddressSet, cuts: list[AddressSet]) -> list[AddressSet]:
    """Cut ``block`` into atoms on which every set in ``cuts`` is all-or-nothing."""
    if block.size == 1:
        return [block]
    relevant = {
        c for c in cuts if c.version == block.version and not c.isdisjoint(block) and not c.covers(block)
    }
    if not relevant:
        return [block]
    atoms = AddressSet.partition(block.version, ((c, i) for i, c in enumerate(relevant)))
    return [a.points & block for a in atoms if not a.points.isdisjoint(block)]


def classify(src: Placement, dst: Placement) -> Mode:
    """Where the path goes: inside one VPC, across VPCs, in from or out to outside every VPC."""
    if src.is_external:
        return "inbound"
    if dst.is_external:
        return "outbound"
    if src.vpc_id == dst.vpc_id:
        return "local"
    return "peering"


def _issue(
    result: Tri,
    code: str,
    component: str,
    kind: str,
    *,
    family: int,
    detail: str,
    direction: SgDirection | None = None,
    leg: Leg = "forward",
    rule: str | None = None,
    fix: FixHint | None = None,
) -> Issue:
    return Issue(result, code, component, kind, direction, leg, family, rule, detail, fix)


class Evaluator:
    """Layer evaluation over one `NetIndex`."""

    def __init__(self, index: NetIndex, options: EngineOptions) -> None:
        self.ix = index
        self.options = options
        self._group_cuts: dict[tuple[str, Direction, int], tuple[AddressSet, ...]] = {}

    # ---- atoms ------------------------------------------------------------------------------------

    def src_cuts(self, src: Placement, dst: Placement, family: int) -> list[AddressSet]:
        """Sets whose membership of the SOURCE address a layer tests."""
        mode = classify(src, dst)
        cuts: list[AddressSet] = []
        if not dst.is_external:
            cuts += self.rule_cuts(dst, Direction.INGRESS, family)
            if mode == "inbound" or src.subnet_id != dst.subnet_id:
                cuts += self.ix.nacl_cuts(self.ix.nacl_id(dst.subnet_id), family)
            if mode in ("inbound", "peering"):
                cuts += self.ix.route_cuts(self.ix.route_table_id(dst.subnet_id), family)
        if mode == "outbound":
            for nat_subnet in self._nat_subnets(src.vpc_id):
                cuts += self.ix.nacl_cuts(self.ix.nacl_id(nat_subnet), family)
        return cuts

    def dst_cuts(self, src: Placement, dst: Placement, family: int) -> list[AddressSet]:
        """Sets whose membership of the DESTINATION address a layer tests."""
        mode = classify(src, dst)
        cuts: list[AddressSet] = []
        if not src.is_external:
            cuts += self.rule_cuts(src, Direction.EGRESS, family)
            if mode == "outbound" or src.subnet_id != dst.subnet_id:
                cuts += self.ix.nacl_cuts(self.ix.nacl_id(src.subnet_id), family)
            cuts += self.ix.route_cuts(self.ix.route_table_id(src.subnet_id), family)
        if mode == "outbound":
            for nat_subnet in self._nat_subnets(src.vpc_id):
                cuts += self.ix.nacl_cuts(self.ix.nacl_id(nat_subnet), family)
                cuts += self.ix.route_cuts(self.ix.route_table_id(nat_subnet), family)
        return cuts

    def rule_cuts(self, p: Placement, direction: Direction, family: int) -> list[AddressSet]:
        """The CIDR and prefix-list peers of a placement's rules (one direction, one family)."""
        cuts: list[AddressSet] = []
        for gid in p.group_ids:
            key = (gid, direction, family)
            found = self._group_cuts.get(key)
            if found is None:
                found = self._group_cuts[key] = self._compile_group_cuts(gid, direction, family)
            cuts += found
        return cuts

    def _compile_group_cuts(self, gid: str, direction: Direction, family: int) -> tuple[AddressSet, ...]:
        # Per group, once: every placement carrying the group asks again.
        cuts: list[AddressSet] = []
        g = self.ix.group(gid)
        for r in g.rules(direction) if g else ():
            if r.cidr is not None and r.family == family:
                cuts.append(r.cidr)
            elif r.peer_kind is PeerKind.PREFIX_LIST:
                pl = self.ix.prefix_list(r.peer_id)
                if pl is not None:
                    cuts += cidr_blocks(pl[0 if family == 4 else 1])
        return tuple(cuts)

    def _nat_subnets(self, vpc_id: str | None) -> list[str]:
        return [n.subnet_id for n in self.ix.inv.nat_gateways.values() if n.vpc_id == vpc_id and n.subnet_id]

    # ---- security groups -------------------------------------------------------------------------

    def refs_private(self, src: Placement, dst: Placement) -> bool:
        """SG references can match: same VPC, or an active same-region peering (routes aside)."""
        if src.is_external or dst.is_external or not src.vpc_id or not dst.vpc_id:
            return False
        if src.vpc_id == dst.vpc_id:
            return True
        pcx = self.ix.active_peering(src.vpc_id, dst.vpc_id)
        if pcx is None:
            return False
        return _same_region(src, dst, pcx.requester_vpc_info.region, pcx.accepter_vpc_info.region)

    def sg_match(
        self,
        side: Placement,
        peer: Placement,
        direction: Direction,
        *,
        family: int,
        addr: int,
        refs_ok: bool,
        middlebox: bool = False,
        flow: Traffic | None = None,
    ) -> SgOutcome:
        """The rules of ``side``'s groups (one direction) that match ``peer`` at address ``addr``.

        With ``flow``, only rules whose traffic covers that one flow are considered.
        """
        out = SgOutcome()
        slot = 0 if family == 4 else 1
        for gid in side.group_ids:
            g = self.ix.group(gid)
            if g is None:
                out.missing_groups.append(gid)
                continue
            for r in g.rules(direction):
                if flow is not None and not r.traffic.covers(flow):
                    continue
                kind = r.peer_kind
                if kind is PeerKind.CIDR4 or kind is PeerKind.CIDR6:
                    if r.family == family and r.cidr is not None and r.cidr.points.contains(addr):
                        out.rules.append(r)
                elif kind is PeerKind.PREFIX_LIST:
                    pl = self.ix.prefix_list(r.peer_id)
                    if pl is None:
                        reason = f"prefix list {r.peer_id} entries unknown (rule {r.label})"
                        out.unknown_rules.append((r, "PREFIX_LIST_UNKNOWN", reason))
                    elif pl[slot].points.contains(addr):
                        out.rules.append(r)
                else:
                    self._sg_peer(r, peer, refs_ok=refs_ok, middlebox=middlebox, out=out)
        return out

    def _sg_peer(
        self, r: CompiledRule, peer: Placement, *, refs_ok: bool, middlebox: bool, out: SgOutcome
    ) -> None:
        gid = r.peer_id
        owner = r.rule.peer.user_id
        foreign = bool(owner) and owner not in self.ix.accounts
        known = gid in self.ix.inv.security_groups
        if not known and not foreign and not self.ix.group_exists(gid):
            out.stale.append(
                f"rule {r.label} of {r.rule.group_id} references {gid}, which does not exist (stale):"
                " it matches nothing"
            )
        # A reference matches the private addresses of member interfaces only: never outside every
        # VPC, through NAT, or across regions; and only a placement that carries the group.
        if peer.is_external or not (refs_ok or middlebox) or gid not in peer.group_ids:
            return
        if not known:
            if foreign:
                reason = (
                    f"cross-account group {owner}/{gid} not readable (rule {r.label} of {r.rule.group_id})"
                )
                out.unknown_rules.append((r, "UNKNOWN_PEERED_SGS", reason))
            return
        if middlebox:
            reason = (
                f"rule {r.label} references {gid}, but the route goes through a middlebox or transit"
                " gateway, which may not preserve security-group membership"
            )
            out.unknown_rules.append((r, "SG_REFERENCES_NOT_PRESERVED", reason))
            return
        out.rules.append(r)

    # ---- routing --------------------------------------------------------------------------------

    def route(self, pair: Pair) -> RouteOutcome:
        """The routing layer (both directions where they matter)."""
        out = RouteOutcome()
        mode = pair.mode
        if mode == "local":
            self._route_local(pair, out)
        elif mode == "peering":
            self._route_peering(pair, out)
        elif mode == "inbound":
            self._route_inbound(pair, out)
        else:
            self._route_outbound(pair, out)
        return out

    def table_problem(self, subnet_id: str | None, family: int) -> tuple[str | None, tuple[str, ...] | None]:
        """(the subnet's route table id, why it cannot be used or None).

        The reason is given as parts to join with the placement's id (``fallback.join(parts)``): it
        names the placement only when it has no subnet, so exposure can share it between placements.
        """
        rtb = self.ix.route_table_id(subnet_id)
        if rtb is None:
            if subnet_id:
                return None, (f"no route table for {subnet_id} in the snapshot",)
            return None, ("no route table for ", " in the snapshot")
        if self.ix.routes(rtb, family) is None:
            return rtb, (f"route table {rtb} routes to a prefix list without readable entries",)
        return rtb, None

    def _table(
        self, subnet_id: str | None, fallback: str, family: int, leg: Leg, out: RouteOutcome
    ) -> str | None:
        rtb, problem = self.table_problem(subnet_id, family)
        if problem is not None:
            reason = fallback.join(problem)
            component = rtb or subnet_id or fallback
            out.add(
                _hop(kind="route", id=component, leg=leg, family=family, result=Tri.UNKNOWN, detail=reason),
                _issue(
                    Tri.UNKNOWN,
                    "ROUTE_TABLE_UNKNOWN",
                    component,
                    "route-table",
                    family=family,
                    leg=leg,
                    detail=reason,
                ),
            )
            return None
        return rtb

    def _no_route(
        self,
        out: RouteOutcome,
        rtb: str,
        *,
        family: int,
        leg: Leg,
        where: str,
        hit: RouteHit | None,
        why: str,
        fix: FixHint | None = None,
    ) -> None:
        detail = no_route_detail(rtb, where, hit, why)
        rule = hit.text if hit else None
        out.add(
            _hop(kind="route", id=rtb, leg=leg, family=family, result=Tri.DENY, rule=rule, detail=detail),
            _issue(
                Tri.DENY,
                "NO_ROUTE_TO_DESTINATION",
                rtb,
                "route-table",
                family=family,
                leg=leg,
                rule=rule,
                detail=detail,
                fix=fix,
            ),
        )

    def _route_local(self, pair: Pair, out: RouteOutcome) -> None:
        src, family = pair.src, pair.family
        if src.subnet_id is not None and src.subnet_id == pair.dst.subnet_id:
            out.refs_ok = True
            out.add(
                _hop(
                    kind="route",
                    id=src.subnet_id,
                    family=family,
                    result=Tri.ALLOW,
                    detail="same subnet: not routed",
                )
            )
            return
        out.refs_ok = True
        rtb = self._table(src.subnet_id, src.id, family, "forward", out)
        if rtb is None:
            return
        where = address_text(family, pair.d_addr)
        hit = self.ix.lookup(rtb, family, pair.d_addr)
        if hit is None:
            self._no_route(
                out,
                rtb,
                family=family,
                leg="forward",
                where=where,
                hit=None,
                why="the local route is missing",
            )
            return
        if hit.target_kind == "local":
            out.add(_hop(kind="route", id=rtb, family=family, result=Tri.ALLOW, rule=hit.text))
            return
        if hit.target_kind not in ("middlebox", "vpce"):
            why = "inside a VPC only the local route or a middlebox delivers"
            self._no_route(out, rtb, family=family, leg="forward", where=where, hit=hit, why=why)
            return
        # A route more specific than the VPC CIDR sends the traffic through an appliance.
        out.refs_ok, out.middlebox = False, True
        detail = f"through a middlebox ({hit.target}): security-group references are not preserved"
        out.add(_hop(kind="route", id=rtb, family=family, result=Tri.ALLOW, rule=hit.text, detail=detail))

    def _pcx_ok(self, hit: RouteHit, vpc_a: str, vpc_b: str) -> str:
        """'' when the route's peering connects exactly the two VPCs and is active, else why not."""
        pcx = self.ix.inv.peering_connections.get(hit.target)
        if pcx is None:
            return f"{hit.target} is not in the snapshot"
        ends = {pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id}
        if ends != {vpc_a, vpc_b}:
            joined = " and ".join(sorted(e or "?" for e in ends))
            return f"{hit.target} connects {joined}: peering is not transitive"
        if not pcx.active:
            return f"{hit.target} is {pcx.status.code}, not active"
        return ""

    def _route_peering(self, pair: Pair, out: RouteOutcome) -> None:
        src, dst, family = pair.src, pair.dst, pair.family
        svpc, dvpc = src.vpc_id or "", dst.vpc_id or ""
        pcx = self.ix.active_peering(svpc, dvpc)
        out.refs_ok = pcx is not None and _same_region(
            src, dst, pcx.requester_vpc_info.region, pcx.accepter_vpc_info.region
        )
        if pcx is not None and not out.refs_ok:
            out.notes.append(
                f"{pcx.vpc_peering_connection_id} crosses regions: security-group references do not match"
            )
        legs: tuple[tuple[Leg, Placement, Placement, int], ...] = (
            ("forward", src, dst, pair.d_addr),
            ("return", dst, src, pair.s_addr),
        )
        for leg, side, other, addr in legs:
            rtb = self._table(side.subnet_id, side.id, family, leg, out)
            if rtb is None:
                continue
            hit = self.ix.lookup(rtb, family, addr)
            fix: FixHint | None = None
            if pcx is not None:
                fix = RouteFixHint(
                    rtb, self._vpc_block(other.vpc_id, family, addr), pcx.vpc_peering_connection_id
                )
            where = address_text(family, addr)
            if hit is not None and hit.target_kind == "tgw":
                self._via_transit(out, rtb, hit, family=family, leg=leg)
                continue
            if hit is not None and hit.target_kind == "pcx":
                why = self._pcx_ok(hit, svpc, dvpc)
                if not why:
                    out.add(
                        _hop(kind="route", id=rtb, leg=leg, family=family, result=Tri.ALLOW, rule=hit.text)
                    )
                    continue
            elif hit is None:
                why = f"nothing routes to {other.vpc_id}"
            else:
                why = (
                    f"between VPCs only a peering connection or a transit gateway to {other.vpc_id} delivers"
                )
            self._no_route(out, rtb, family=family, leg=leg, where=where, hit=hit, why=why, fix=fix)
        if pcx is not None:
            hop = _hop(kind="peering", id=pcx.vpc_peering_connection_id, family=family, result=Tri.ALLOW)
            out.hops.append((hop.model_copy(update={"detail": f"{svpc} <-> {dvpc}"}), None))
        elif not out.middlebox:
            out.notes.append(f"no active peering between {svpc} and {dvpc}")

    @staticmethod
    def _via_transit(out: RouteOutcome, rtb: str, hit: RouteHit, *, family: int, leg: Leg) -> None:
        """A route to a transit gateway (or Cloud WAN core network): its own route tables and
        attachments are not in the snapshot, so whether it delivers cannot be decided; nor whether
        security-group references match across it (transit-gateway group referencing)."""
        # One text per route, whatever the address: the list of reasons stays short.
        detail = (
            f"{rtb} routes it to transit gateway {hit.target}, whose route tables are not in the snapshot:"
            " whether it delivers cannot be decided"
        )
        out.middlebox = True
        out.add(
            _hop(
                kind="route", id=rtb, leg=leg, family=family, result=Tri.UNKNOWN, rule=hit.text, detail=detail
            ),
            _issue(
                Tri.UNKNOWN,
                "TRANSIT_GATEWAY_NOT_MODELLED",
                hit.target,
                "transit-gateway",
                family=family,
                leg=leg,
                rule=hit.text,
                detail=detail,
            ),
        )

    def _vpc_block(self, vpc_id: str | None, family: int, address: int) -> str:
        cidrs = self.ix.vpc_cidrs.get(vpc_id or "")
        if cidrs:
            for net in cidrs[0 if family == 4 else 1].to_cidrs():
                if int(net.network_address) <= address <= int(net.broadcast_address):
                    return str(net)
        return f"{address_text(family, address)}/{32 if family == 4 else 128}"

    def inbound_public(self, dst: Placement, family: int) -> bool:
        """Whether the internet can address ``dst`` in ``family`` (a public IPv4, or any IPv6)."""
        return dst.public if family == 4 else bool(dst.addresses6)

    def inbound_hit(
        self, dst: Placement, rtb: str, family: int, s_addr: int
    ) -> tuple[RouteHit | None, list[str], bool]:
        """(the route ``dst``'s table picks for an internet address, its VPC's internet gateways,
        whether that route delivers: it must lead to one of those gateways)."""
        hit = self.ix.lookup(rtb, family, s_addr)
        igws = self.ix.igws_by_vpc.get(dst.vpc_id or "", [])
        return hit, igws, hit is not None and hit.target_kind == "igw" and hit.target in igws

    @staticmethod
    def inbound_why(dst: Placement, igws: list[str]) -> str:
        """Why a route that does not lead to an internet gateway of the VPC does not deliver."""
        why = "the internet reaches a subnet only through an internet gateway of its VPC"
        if not igws:
            why += f" ({dst.vpc_id} has none attached)"
        return why

    @staticmethod
    def no_public_parts(family: int) -> tuple[str, str]:
        """The 'no public address' detail as parts to join with the placement's id."""
        what = "a public IPv4 address" if family == 4 else "an IPv6 address"
        return ("", f" has no public address: the internet can only reach {what}")

    def _route_inbound(self, pair: Pair, out: RouteOutcome) -> None:
        dst, family = pair.dst, pair.family
        public = self.inbound_public(dst, family)
        rtb = self._table(dst.subnet_id, dst.id, family, "return", out)
        routed = False
        if rtb is not None:
            hit, igws, routed = self.inbound_hit(dst, rtb, family, pair.s_addr)
            if routed:
                assert hit is not None
                out.igw_hit = hit
                out.add(
                    _hop(kind="route", id=rtb, leg="return", family=family, result=Tri.ALLOW, rule=hit.text)
                )
                out.add(_hop(kind="internet-gateway", id=hit.target, family=family, result=Tri.ALLOW))
            else:
                fix = RouteFixHint(rtb, "0.0.0.0/0" if family == 4 else "::/0", igws[0]) if igws else None
                why = self.inbound_why(dst, igws)
                where = pair.text("src") or "the source"
                self._no_route(out, rtb, family=family, leg="return", where=where, hit=hit, why=why, fix=fix)
        if not public:
            detail = dst.id.join(self.no_public_parts(family))
            code = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS" if routed else "INGRESS_RTB_NO_PUBLIC_IP"
            component = dst.interface_id or dst.id
            out.add(
                _hop(kind="internet-gateway", id=component, family=family, result=Tri.DENY, detail=detail),
                _issue(
                    Tri.DENY,
                    code,
                    component,
                    "network-interface",
                    family=family,
                    direction="ingress",
                    detail=detail,
                ),
            )

    def _route_outbound(self, pair: Pair, out: RouteOutcome) -> None:
        src, family, d_addr = pair.src, pair.family, pair.d_addr
        rtb = self._table(src.subnet_id, src.id, family, "forward", out)
        if rtb is None:
            return
        hit = self.ix.lookup(rtb, family, d_addr)
        vpc = src.vpc_id or ""
        where = pair.text("dst") or "the destination"
        if hit is None:
            nats = [
                n for n in self.ix.inv.nat_gateways.values() if n.vpc_id == vpc and n.state == "available"
            ]
            igws = self.ix.igws_by_vpc.get(vpc, [])
            fix: FixHint | None = None
            dest = "0.0.0.0/0" if family == 4 else "::/0"
            if family == 4 and nats and not src.public:
                fix = RouteFixHint(rtb, dest, nats[0].nat_gateway_id)
            elif igws:
                fix = RouteFixHint(rtb, dest, igws[0])
            why = "nothing leads out of the VPC"
            self._no_route(out, rtb, family=family, leg="forward", where=where, hit=None, why=why, fix=fix)
            return
        kind = hit.target_kind
        attached = self.ix.igws_by_vpc.get(vpc, []) if kind == "igw" else self.ix.eigws_by_vpc.get(vpc, [])
        if kind in ("igw", "eigw") and hit.target not in attached:
            why = f"{hit.target} is not attached to {vpc}"
            self._no_route(out, rtb, family=family, leg="forward", where=where, hit=hit, why=why)
            return
        if kind == "igw":
            out.igw_hit = hit
            out.add(_hop(kind="route", id=rtb, family=family, result=Tri.ALLOW, rule=hit.text))
            if family == 4 and not src.public:
                detail = f"{src.id} has no public IPv4 address: the internet gateway cannot translate it"
                out.add(
                    _hop(
                        kind="internet-gateway", id=hit.target, family=family, result=Tri.DENY, detail=detail
                    ),
                    _issue(
                        Tri.DENY,
                        "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                        hit.target,
                        "internet-gateway",
                        family=family,
                        direction="egress",
                        detail=detail,
                    ),
                )
            else:
                out.add(_hop(kind="internet-gateway", id=hit.target, family=family, result=Tri.ALLOW))
        elif kind == "eigw" and family == 6:
            out.add(_hop(kind="route", id=rtb, family=family, result=Tri.ALLOW, rule=hit.text))
            out.add(
                _hop(
                    kind="internet-gateway",
                    id=hit.target,
                    family=family,
                    result=Tri.ALLOW,
                    detail="egress-only",
                )
            )
        elif kind == "nat":
            out.add(_hop(kind="route", id=rtb, family=family, result=Tri.ALLOW, rule=hit.text))
            self._via_nat(hit.target, pair, out)
        elif kind == "tgw":
            # Centralised egress: the internet may lie behind another VPC's NAT or firewall.
            self._via_transit(out, rtb, hit, family=family, leg="forward")
        else:
            why = "only an internet gateway, a NAT gateway or (IPv6) an egress-only gateway leads out"
            if kind == "vpce":
                why = f"gateway endpoint {hit.target} reaches only its AWS service"
            self._no_route(out, rtb, family=family, leg="forward", where=where, hit=hit, why=why)

    def _via_nat(self, nat_id: str, pair: Pair, out: RouteOutcome) -> None:
        family = pair.family
        nat = self.ix.nat(nat_id)
        if nat is None or not nat.subnet_id:
            reason = f"NAT gateway {nat_id} is not in the snapshot"
            out.add(
                _hop(kind="nat-gateway", id=nat_id, family=family, result=Tri.UNKNOWN, detail=reason),
                _issue(Tri.UNKNOWN, "NAT_UNKNOWN", nat_id, "nat-gateway", family=family, detail=reason),
            )
            return
        why = ""
        if nat.state != "available":
            why = f"NAT gateway {nat_id} is {nat.state}"
        elif nat.connectivity_type != "public":
            why = f"NAT gateway {nat_id} is {nat.connectivity_type}: it does not reach the internet"
        elif family != 4:
            why = f"NAT gateway {nat_id} translates IPv4 only"
        if why:
            out.add(
                _hop(kind="nat-gateway", id=nat_id, family=family, result=Tri.DENY, detail=why),
                _issue(Tri.DENY, "NO_ROUTE_TO_DESTINATION", nat_id, "nat-gateway", family=family, detail=why),
            )
            return
        out.nat_subnet = nat.subnet_id
        public = next((a.public_ip for a in nat.nat_gateway_addresses if a.public_ip), None)
        detail = f"translates to {public or 'its public IP'}"
        out.add(_hop(kind="nat-gateway", id=nat_id, family=family, result=Tri.ALLOW, detail=detail))
        rtb = self._table(nat.subnet_id, nat_id, family, "forward", out)
        if rtb is None:
            return
        hit = self.ix.lookup(rtb, family, pair.d_addr)
        igws = self.ix.igws_by_vpc.get(nat.vpc_id or "", [])
        if hit is not None and hit.target_kind == "igw" and hit.target in igws:
            out.igw_hit = hit
            out.add(
                _hop(
                    kind="route",
                    id=rtb,
                    family=family,
                    result=Tri.ALLOW,
                    rule=hit.text,
                    detail=f"from {nat_id}",
                )
            )
            out.add(_hop(kind="internet-gateway", id=hit.target, family=family, result=Tri.ALLOW))
        else:
            fix = RouteFixHint(rtb, "0.0.0.0/0", igws[0]) if igws and hit is None else None
            why = f"NAT gateway {nat_id}'s subnet needs a route to an internet gateway"
            where = pair.text("dst") or "the destination"
            self._no_route(out, rtb, family=family, leg="forward", where=where, hit=hit, why=why, fix=fix)

    # ---- NACLs ----------------------------------------------------------------------------------

    def nacl_leg(
        self,
        subnet_id: str | None,
        *,
        egress: bool,
        family: int,
        address: int,
        traffic: Traffic,
        kind: str,
        leg: Leg,
        peer_cidr: str,
        what: str,
    ) -> tuple[Hop, Issue | None]:
        """One stateless NACL leg, first match in rule order; ALLOW only if all of ``traffic`` passes."""
        acl = self.ix.nacl_id(subnet_id)
        direction: SgDirection = "egress" if egress else "ingress"
        if acl is None:
            reason = f"no network ACL for {subnet_id or '?'} in the snapshot"
            component = subnet_id or "?"
            return (
                _hop(
                    kind=kind,
                    id=component,
                    direction=direction,
                    leg=leg,
                    family=family,
                    result=Tri.UNKNOWN,
                    detail=reason,
                ),
                _issue(
                    Tri.UNKNOWN,
                    "NACL_UNKNOWN",
                    component,
                    "network-acl",
                    family=family,
                    direction=direction,
                    leg=leg,
                    detail=reason,
                ),
            )
        allowed, decisions = self.ix.nacl_eval(acl, egress, family, address, traffic)
        if allowed.covers(traffic):
            rules = ",".join(dict.fromkeys(d.rule for d in decisions if d.allow))
            detail = f"{self.ix.describe(traffic)} {what}"
            hop = _hop(
                kind=kind,
                id=acl,
                direction=direction,
                leg=leg,
                family=family,
                result=Tri.ALLOW,
                rule=rules,
                detail=detail,
            )
            return hop, None
        deny = next(d for d in decisions if not d.allow)
        partial = (
            f"; only {self.ix.describe(allowed)} is allowed, so connections fail intermittently"
            if allowed
            else ""
        )
        rule_text = "the implicit deny (*)" if deny.rule == "*" else f"rule {deny.rule}"
        detail = f"{rule_text} of {acl} denies {direction} {self.ix.describe(deny.traffic)} {what}{partial}"
        before = 32767 if deny.rule == "*" else int(deny.rule)
        fix = NaclFixHint(acl, egress, family, peer_cidr, traffic, before)
        return (
            _hop(
                kind=kind,
                id=acl,
                direction=direction,
                leg=leg,
                family=family,
                result=Tri.DENY,
                rule=deny.rule,
                detail=detail,
            ),
            _issue(
                Tri.DENY,
                "SUBNET_ACL_RESTRICTION",
                acl,
                "network-acl",
                family=family,
                direction=direction,
                leg=leg,
                rule=deny.rule,
                detail=detail,
                fix=fix,
            ),
        )

    def nacl_cidr(self, p: Placement, family: int, atom: AddressSet) -> str:
        """The block a NACL fix names for the other side: its subnet, or its external addresses."""
        if p.kind == "internet":
            return "0.0.0.0/0" if family == 4 else "::/0"
        if p.is_external:
            cidrs = self.ix.cidrs(atom)
            return cidrs[0] if len(cidrs) == 1 else self.ix.cidrs(p.addresses(family))[0]
        blocks = self.ix.subnet_cidrs(p.subnet_id)
        if blocks:
            found = self.ix.cidrs(blocks[0 if family == 4 else 1])
            if found:
                return found[0]
        return self.ix.cidrs(atom)[0]

    def ephemeral(self, client: Placement) -> tuple[int, int]:
        """The client's ephemeral port range."""
        return self.options.ephemeral_range(client.client_kind)

    # ---- one flow -------------------------------------------------------------------------------

    def flow(self, pair: Pair, q: Query) -> FamilyEval:
        """Judge one flow for one atom pair and family, every layer recorded."""
        src, dst, family = pair.src, pair.dst, pair.family
        ev = FamilyEval(family, pair.src_atom, pair.dst_atom)
        route = self.route(pair)
        ev.notes += route.notes
        mode = pair.mode
        s_text, d_text = pair.text("src") or "the source", pair.text("dst") or "the destination"
        nat = mode == "outbound" and route.nat_subnet is not None
        # Through a NAT gateway in the source's own subnet, the NAT's legs are the subnet's legs.
        own = pair.crosses and not src.is_external and not (nat and route.nat_subnet == src.subnet_id)
        far = mode == "inbound" or (pair.crosses and not dst.is_external)
        ret = q.return_traffic(self.ephemeral(src))
        src_cidr = self.nacl_cidr(src, family, pair.src_atom)
        dst_cidr = self.nacl_cidr(dst, family, pair.dst_atom)

        def leg(subnet: str | None, egress: bool, addr: int, traffic: Traffic, kind: str, **kw: str) -> None:
            ev.add(
                *self.nacl_leg(
                    subnet,
                    egress=egress,
                    family=family,
                    address=addr,
                    traffic=traffic,
                    kind=kind,
                    leg="return" if "return" in kind else "forward",
                    peer_cidr=kw["cidr"],
                    what=kw["what"],
                )
            )

        # 1. Security-group egress of the source.
        if not src.is_external:
            self._sg_layer(ev, pair, q, route, "egress")
        # 2. NACLs on the way out, routes, NACLs on the way in.
        if own:
            leg(
                src.subnet_id, True, pair.d_addr, q.traffic, "nacl-egress", cidr=dst_cidr, what=f"to {d_text}"
            )
        for hop, issue in route.hops:
            ev.add(hop, issue)
        if nat:
            if route.nat_subnet != src.subnet_id:
                what = "into the NAT gateway's subnet"
                leg(route.nat_subnet, False, pair.s_addr, q.traffic, "nacl-ingress", cidr=src_cidr, what=what)
            what = "from the NAT gateway to the internet"
            leg(route.nat_subnet, True, pair.d_addr, q.traffic, "nacl-egress", cidr=dst_cidr, what=what)
        if far:
            leg(
                dst.subnet_id,
                False,
                pair.s_addr,
                q.traffic,
                "nacl-ingress",
                cidr=src_cidr,
                what=f"from {s_text}",
            )
        # 3. Security-group ingress of the destination; a load balancer then takes only its listeners.
        if not dst.is_external:
            self._sg_layer(ev, pair, q, route, "ingress")
        if dst.listeners is not None:
            self._listener_layer(ev, pair, q)
        # 4. The reply through the stateless NACLs.
        if ret is not None:
            if far:
                what = f"back to {s_text}"
                leg(dst.subnet_id, True, pair.s_addr, ret, "nacl-return-egress", cidr=src_cidr, what=what)
            if nat:
                nat_ret = _with_ports(ret, self.options.ephemeral_range("nat"))
                what = "from the internet back to the NAT gateway"
                leg(
                    route.nat_subnet,
                    False,
                    pair.d_addr,
                    nat_ret,
                    "nacl-return-ingress",
                    cidr=dst_cidr,
                    what=what,
                )
                if route.nat_subnet != src.subnet_id:
                    what = "from the NAT gateway back to the source"
                    leg(
                        route.nat_subnet,
                        True,
                        pair.s_addr,
                        ret,
                        "nacl-return-egress",
                        cidr=src_cidr,
                        what=what,
                    )
            if own:
                what = f"from {d_text}"
                leg(src.subnet_id, False, pair.d_addr, ret, "nacl-return-ingress", cidr=dst_cidr, what=what)
        return ev

    def _sg_layer(
        self, ev: FamilyEval, pair: Pair, q: Query, route: RouteOutcome, direction: SgDirection
    ) -> None:
        egress = direction == "egress"
        side, peer = (pair.src, pair.dst) if egress else (pair.dst, pair.src)
        family = pair.family
        kind = f"security-group-{direction}"
        component = ",".join(side.group_ids) or side.id
        if not side.sg_filtered:
            detail = "no security groups: not filtered"
            ev.add(
                _hop(
                    kind=kind, id=side.id, direction=direction, family=family, result=Tri.ALLOW, detail=detail
                )
            )
            return
        addr = pair.d_addr if egress else pair.s_addr
        out = self.sg_match(
            side,
            peer,
            Direction.EGRESS if egress else Direction.INGRESS,
            family=family,
            addr=addr,
            refs_ok=route.refs_ok,
            middlebox=route.middlebox,
            flow=q.traffic,
        )
        ev.notes += out.stale
        result = out.result()
        prep = "to" if egress else "from"
        if result is Tri.ALLOW:
            r = out.rules[0]
            detail = f"{r.rule.group_id}: {r.describe()}"
            ev.add(
                _hop(
                    kind=kind,
                    id=component,
                    direction=direction,
                    family=family,
                    result=result,
                    rule=r.label,
                    detail=detail,
                )
            )
            return
        if result is Tri.UNKNOWN:
            reasons = [reason for _, _, reason in out.unknown_rules]
            reasons += [f"security group {g} is not in the snapshot" for g in out.missing_groups]
            code = out.unknown_rules[0][1] if out.unknown_rules else "SG_UNKNOWN"
            detail = "; ".join(reasons)
            ev.add(
                _hop(
                    kind=kind, id=component, direction=direction, family=family, result=result, detail=detail
                ),
                _issue(
                    result,
                    code,
                    component,
                    "security-group",
                    family=family,
                    direction=direction,
                    detail=detail,
                ),
            )
            return
        labels = ", ".join(self.ix.group_label(g) for g in side.group_ids) or side.id
        peer_groups = ", ".join(self.ix.group_label(g) for g in peer.group_ids)
        role = "destination" if egress else "source"
        if peer.kind == "internet":
            peer_desc = "the internet"
        elif peer.is_external:
            peer_desc = peer.id
        elif route.refs_ok and peer_groups:
            peer_desc = f"the {role} (groups {peer_groups})"
        else:
            peer_desc = f"the {role}'s addresses"
        detail = f"no {direction} rule of {labels} allows {q.text} {prep} {peer_desc}"
        atom = pair.dst_atom if egress else pair.src_atom
        checked = pair.text("dst" if egress else "src") or f"the {role}'s address"
        if route.refs_ok and peer.group_ids:
            checked += f" and groups {', '.join(peer.group_ids)}"
        fix = SgFixHint(direction, side, peer, family, route.refs_ok, self._fix_cidrs(peer, family, atom))
        ev.add(
            _hop(
                kind=kind,
                id=component,
                direction=direction,
                family=family,
                result=Tri.DENY,
                detail=f"checked {q.text} {prep} {checked}",
            ),
            _issue(
                Tri.DENY,
                "ENI_SG_RULES_MISMATCH",
                component,
                "security-group",
                family=family,
                direction=direction,
                detail=detail,
                fix=fix,
            ),
        )

    @staticmethod
    def _listener_layer(ev: FamilyEval, pair: Pair, q: Query) -> None:
        """A load balancer accepts a connection only on a listener's protocol and port (Reachability
        Analyzer's ``ELBV2_LISTENER_PORT_RESTRICTION``); no security-group rule can change that."""
        listeners = pair.dst.listeners
        assert listeners is not None
        lb = listeners.load_balancer
        accepted = not q.traffic.isdisjoint(listeners.traffic)
        hop = _hop(
            kind="load-balancer-listener",
            id=lb,
            family=pair.family,
            result=Tri.ALLOW if accepted else Tri.DENY,
            detail=f"listener {q.text}" if accepted else f"listeners {listeners.describe()}",
        )
        if accepted:
            ev.add(hop)
            return
        detail = f"load balancer {lb} has no listener for {q.text} (its listeners: {listeners.describe()})"
        issue = _issue(
            Tri.DENY,
            "ELBV2_LISTENER_PORT_RESTRICTION",
            lb,
            "load-balancer",
            family=pair.family,
            detail=detail,
        )
        ev.add(hop, issue)

    def _fix_cidrs(self, peer: Placement, family: int, atom: AddressSet) -> tuple[str, ...]:
        """CIDRs a rule can name where references cannot work: the world, the external block,
        or the peer's subnet (an interface's address changes with every deployment)."""
        if peer.kind == "internet":
            return ("0.0.0.0/0",) if family == 4 else ("::/0",)
        if peer.is_external or peer.kind == "subnet-range":
            return self.ix.cidrs(peer.addresses(family))
        blocks = self.ix.subnet_cidrs(peer.subnet_id)
        if blocks and blocks[0 if family == 4 else 1]:
            return self.ix.cidrs(blocks[0 if family == 4 else 1])
        return self.ix.cidrs(atom)

    # ---- traffic sets ---------------------------------------------------------------------------

    def sets(self, pair: Pair, route: RouteOutcome | None = None) -> tuple[Traffic, Traffic]:
        """(definitely allowed, possibly allowed) traffic for one atom pair and family.

        ``route`` is the pair's routing layer when the caller has it already (only its result,
        ``refs_ok``, ``middlebox`` and ``nat_subnet`` are read).
        """
        src, dst, family = pair.src, pair.dst, pair.family
        if route is None:
            route = self.route(pair)
        if route.result is Tri.DENY:
            return Traffic.NONE, Traffic.NONE
        sure = Traffic.NONE if route.result is Tri.UNKNOWN else Traffic.ALL
        maybe = Traffic.ALL
        for egress, side, peer, addr in ((True, src, dst, pair.d_addr), (False, dst, src, pair.s_addr)):
            if side.is_external or not side.sg_filtered:
                continue
            out = self.sg_match(
                side,
                peer,
                Direction.EGRESS if egress else Direction.INGRESS,
                family=family,
                addr=addr,
                refs_ok=route.refs_ok,
                middlebox=route.middlebox,
            )
            sure, maybe = sure & out.allowed(), maybe & out.possible()
        if dst.listeners is not None:
            accepted = dst.listeners.traffic
            sure, maybe = sure & accepted, maybe & accepted
        if not maybe:
            return Traffic.NONE, Traffic.NONE
        mode = pair.mode
        nat = mode == "outbound" and route.nat_subnet is not None
        own = pair.crosses and not src.is_external and not (nat and route.nat_subnet == src.subnet_id)
        far = mode == "inbound" or (pair.crosses and not dst.is_external)
        eph = self.ephemeral(src)
        legs: list[tuple[str | None, bool, int]] = []  # forward legs: (subnet, egress, tested address)
        back: list[tuple[str | None, bool, int, tuple[int, int]]] = []  # return legs with the reply's ports
        if own:
            legs.append((src.subnet_id, True, pair.d_addr))
            back.append((src.subnet_id, False, pair.d_addr, eph))
        if far:
            legs.append((dst.subnet_id, False, pair.s_addr))
            back.append((dst.subnet_id, True, pair.s_addr, eph))
        if nat:
            if route.nat_subnet != src.subnet_id:
                legs.append((route.nat_subnet, False, pair.s_addr))
                back.append((route.nat_subnet, True, pair.s_addr, eph))
            legs.append((route.nat_subnet, True, pair.d_addr))
            back.append((route.nat_subnet, False, pair.d_addr, self.options.ephemeral_range("nat")))
        for subnet, egress, addr in legs:
            acl = self.ix.nacl_id(subnet)
            if acl is None:
                sure = Traffic.NONE
                continue
            allowed, _ = self.ix.nacl_eval(acl, egress, family, addr, maybe)
            sure, maybe = sure & allowed, maybe & allowed
        if back:
            mask_sure, mask_maybe = self._return_mask(back, family)
            sure, maybe = sure & mask_sure, maybe & mask_maybe
        return sure, maybe | sure

    def _return_mask(
        self, back: list[tuple[str | None, bool, int, tuple[int, int]]], family: int
    ) -> tuple[Traffic, Traffic]:
        """Forward traffic whose reply passes every return leg (reply shapes per semantics.md)."""
        tcp_ok = udp_ok = echo_ok = echo6_ok = True
        other = OTHER_PROTOCOLS
        unknown = False
        for subnet, egress, addr, eph in back:
            acl = self.ix.nacl_id(subnet)
            if acl is None:
                unknown = True
                continue
            ports = IntervalSet.span(*eph)
            probe = Traffic(
                tcp=ports,
                udp=ports,
                icmp=IntervalSet.point(0),
                icmpv6=IntervalSet.point(129 * 256),
                other=OTHER_PROTOCOLS,
            )
            allowed, _ = self.ix.nacl_eval(acl, egress, family, addr, probe)
            tcp_ok = tcp_ok and allowed.tcp.covers(ports)
            udp_ok = udp_ok and allowed.udp.covers(ports)
            echo_ok = echo_ok and bool(allowed.icmp)
            echo6_ok = echo6_ok and bool(allowed.icmpv6)
            other = other & allowed.other
        empty = IntervalSet()
        mask = Traffic(
            tcp=PORTS if tcp_ok else empty,
            udp=PORTS if udp_ok else empty,
            icmp=ICMP_CODES if echo_ok else ICMP_CODES - ECHO_REQUEST,
            icmpv6=ICMP_CODES if echo6_ok else ICMP_CODES - ECHO6_REQUEST,
            other=other,
        )
        if unknown:
            return Traffic.NONE, mask
        return mask, mask


def _same_region(src: Placement, dst: Placement, r1: str | None, r2: str | None) -> bool:
    if r1 and r2:
        return r1 == r2
    if src.region and dst.region:
        return src.region == dst.region
    return True


def _with_ports(ret: Traffic, ports: tuple[int, int]) -> Traffic:
    """The same reply shape with the NAT gateway's own ephemeral ports."""
    span = IntervalSet.span(*ports)
    if ret.tcp:
        return Traffic(tcp=span)
    if ret.udp:
        return Traffic(udp=span)
    return ret
