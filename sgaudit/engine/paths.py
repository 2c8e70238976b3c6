"""Endpoint-level results: every pair of placements, every atom, combined into a `PathResult`.

Verdicts follow DESIGN.md section 4: per pair, a definite deny outranks an unknown; a pair whose
address families differ takes the best family (reachable > unknown > blocked); over pairs, all
reachable -> reachable, all blocked -> blocked, some reachable -> partial, else unknown.

Two interfaces make one pair, judged per family. A pair with a range placement on either side (a
subnet, the internet) is one pair per address atom and family (semantics.md: "each atom is its own
pair").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sgaudit.engine.endpoints import listener_protocols
from sgaudit.engine.evaluate import Evaluator, FamilyEval, FixHint, Issue, Pair, Query, split
from sgaudit.engine.fixes import FixBuilder
from sgaudit.engine.index import NetIndex
from sgaudit.engine.models import (
    Blocker,
    Endpoint,
    EndpointKind,
    Hop,
    PairResult,
    PairVerdict,
    PathResult,
    Placement,
    Tri,
    Verdict,
)
from sgaudit.inventory import Inventory
from sgaudit.netalgebra import AddressSet, Traffic

_VERDICT: dict[Tri, PairVerdict] = {Tri.ALLOW: "reachable", Tri.DENY: "blocked", Tri.UNKNOWN: "unknown"}
_RANK = {"reachable": 2, "unknown": 1, "blocked": 0}
_HOP_ORDER = {
    "security-group-egress": 0,
    "nacl-egress": 1,
    "route": 2,
    "nat-gateway": 3,
    "peering": 4,
    "internet-gateway": 5,
    "nacl-ingress": 6,
    "security-group-ingress": 7,
    "load-balancer-listener": 8,
    "nacl-return-egress": 9,
    "nacl-return-ingress": 10,
}


_CACHE_LIMIT = 200_000


def class_key(p: Placement, other: Placement) -> tuple[object, ...]:
    """What a pair evaluation depends on apart from the address (which `_Side.cell` adds): the
    interfaces and subnet ranges of one subnet with the same groups and flags share a key, so a
    service's 300 tasks, its configured view and the RDS placements of one subnet are judged once.
    The placement's own id joins the key wherever an evaluation names it: an external placement,
    a side without filtering groups, and the public-address checks towards the internet."""
    if p.is_external:
        return ("external", p.kind, p.id, p.addresses4, p.addresses6)
    base = (p.subnet_id, p.vpc_id, p.group_ids, p.public, p.client_kind, p.sg_filtered, p.region, p.listeners)
    if other.is_external or not p.group_ids or not p.sg_filtered:
        return (*base, p.id)
    return base


@dataclass(slots=True)
class _Side:
    """One side of a class pair: its boundary sets, and (lazily) its atoms or cell breakpoints."""

    cuts: list[AddressSet]
    breaks: list[int] | None = None
    atoms: dict[AddressSet, list[tuple[AddressSet, int]]] = field(default_factory=dict)

    def cell(self, address: int) -> int:
        """Which cell of the boundaries an address lies in (equal cells: same atom)."""
        if self.breaks is None:
            self.breaks = sorted(
                {x for c in self.cuts for lo, hi in c.points.intervals for x in (lo, hi + 1)}
            )
        return bisect_right(self.breaks, address)

    def split(self, block: AddressSet) -> list[tuple[AddressSet, int]]:
        """A block's atoms with their cells (cached: the ranges of a class recur in every query)."""
        found = self.atoms.get(block)
        if found is None:
            intervals = block.points.intervals
            if len(intervals) == 1 and intervals[0][0] == intervals[0][1]:  # one address
                found = [(block, self.cell(intervals[0][0]))]
            else:
                found = [(a, self.cell(a.points.intervals[0][0])) for a in split(block, self.cuts)]
                self.atoms[block] = found
        return found


@dataclass(slots=True)
class PairEval:
    """One pair with the per-family evaluations behind it."""

    result: PairResult
    evals: list[FamilyEval]


def combine(verdicts: Iterable[str]) -> Verdict:
    """Endpoint verdict over pair verdicts (DESIGN.md section 4)."""
    vs = list(verdicts)
    if not vs:
        return "unknown"
    if all(v == "reachable" for v in vs):
        return "reachable"
    if all(v == "blocked" for v in vs):
        return "blocked"
    if any(v == "reachable" for v in vs):
        return "partial"
    return "unknown"


class PathBuilder:
    """Evaluates endpoint pairs into `PathResult` values."""

    def __init__(self, index: NetIndex, evaluator: Evaluator) -> None:
        self.ix = index
        self.ev = evaluator
        self.fixer = FixBuilder(index)
        self._cuts: dict[tuple[object, ...], tuple[_Side, _Side]] = {}
        self._memo: dict[tuple[object, ...], FamilyEval] = {}
        self._sets: dict[tuple[object, ...], Traffic] = {}

    # ---- pairs ----------------------------------------------------------------------------------

    def sides(
        self, src: Placement, dst: Placement, family: int, keys: tuple[object, object] | None = None
    ) -> tuple[_Side, _Side]:
        """The atom boundaries of a placement pair's classes (cached per class pair); ``keys`` are
        their class keys when the caller has them."""
        skey, dkey = keys if keys is not None else (class_key(src, dst), class_key(dst, src))
        key = (skey, dkey, family)
        found = self._cuts.get(key)
        if found is None:
            found = (_Side(self.ev.src_cuts(src, dst, family)), _Side(self.ev.dst_cuts(src, dst, family)))
            if len(self._cuts) > _CACHE_LIMIT:
                self._cuts.clear()
            self._cuts[key] = found
        return found

    def atoms(
        self, src: Placement, dst: Placement, family: int, keys: tuple[object, object] | None = None
    ) -> list[tuple[AddressSet, AddressSet, tuple[int, int]]]:
        """The atom pairs of one placement pair and family with their cells (which atom of the
        class pair's partition each side's address lies in)."""
        a_s, a_d = src.addresses(family), dst.addresses(family)
        if not a_s or not a_d:
            return []
        s_side, d_side = self.sides(src, dst, family, keys)
        dst_atoms = d_side.split(a_d)
        return [(s, d, (sc, dc)) for s, sc in s_side.split(a_s) for d, dc in dst_atoms]

    def pair(
        self, src: Placement, dst: Placement, q: Query, keys: tuple[object, object] | None = None
    ) -> list[PairEval]:
        """Every (atom) pair of two placements for one flow.

        Interfaces of one class (same subnet, groups and flags) whose addresses lie in the same
        cell of every boundary the layers test get the same evaluation: it is computed once.
        ``keys`` are the two class keys when the caller has them (a path computes each once).
        """
        keys = keys if keys is not None else (class_key(src, dst), class_key(dst, src))
        skey, dkey = keys
        qkey = (q.protocol, q.port, q.code)  # cheaper to hash than the query's traffic
        per_family: list[list[tuple[FamilyEval, AddressSet, AddressSet]]] = []
        for family in (4, 6):
            items = []
            for s, d, cells in self.atoms(src, dst, family, keys):
                key = (skey, dkey, family, cells, qkey)
                ev = self._memo.get(key)
                if ev is None:
                    ev = self.ev.flow(Pair(src, dst, family, s, d), q)
                    if len(self._memo) > _CACHE_LIMIT:
                        self._memo.clear()
                    self._memo[key] = ev
                items.append((ev, s, d))
            if items:
                per_family.append(items)
        if not per_family:
            return [self._no_family(src, dst)]
        if src.kind == "interface" and dst.kind == "interface":
            # Two interfaces are one pair; the client uses whichever family works.
            return [self._pair_result(src, dst, [items[0] for items in per_family])]
        return [self._pair_result(src, dst, [item]) for items in per_family for item in items]

    def _no_family(self, src: Placement, dst: Placement) -> PairEval:
        missing = [p.id for p in (src, dst) if not p.addresses4 and not p.addresses6]
        if missing:
            reason = (
                f"no address known for {', '.join(missing)} (its subnet or interface is not in the snapshot)"
            )
            verdict: PairVerdict = "unknown"
        else:
            reason = "no address family in common (one side is IPv4-only, the other IPv6-only)"
            verdict = "blocked"
        return PairEval(PairResult(source=src.id, destination=dst.id, verdict=verdict, reason=reason), [])

    def _pair_result(
        self, src: Placement, dst: Placement, items: list[tuple[FamilyEval, AddressSet, AddressSet]]
    ) -> PairEval:
        evals = [e for e, _, _ in items]
        families: dict[str, PairVerdict] = {str(e.family): _VERDICT[e.result] for e in evals}
        verdict: PairVerdict = max(families.values(), key=lambda v: _RANK[v])
        reason = ""
        if verdict != "reachable":
            issues = [i for e in evals for i in e.issues if (i.result is Tri.DENY) == (verdict == "blocked")]
            if issues:
                reason = f"{issues[0].code}: {issues[0].detail}"
        # model_construct: every field is built here from validated values (the hot path of big services).
        result = PairResult.model_construct(
            source=src.id,
            destination=dst.id,
            source_addresses=tuple(c for _, s, _ in items for c in self.ix.cidrs(s)),
            destination_addresses=tuple(c for _, _, d in items for c in self.ix.cidrs(d)),
            verdict=verdict,
            reason=reason,
            families=families,
            hops=tuple(h for e in evals for h in e.hops),
        )
        return PairEval(result, evals)

    # ---- paths ----------------------------------------------------------------------------------

    def path(
        self,
        src: Endpoint,
        dst: Endpoint,
        q: Query,
        *,
        protocol: str,
        port: int | None,
        code: int | None,
        sources: Sequence[Placement] | None = None,
        destinations: Sequence[Placement] | None = None,
    ) -> PathResult:
        """Evaluate every pair of placements and assemble hops, blockers, unknowns and fixes."""
        s_pl = list(src.placements if sources is None else sources)
        d_pl = list(dst.placements if destinations is None else destinations)
        pairs: list[PairEval] = []
        notes: list[str] = [*src.notes, *dst.notes]
        # A placement's class key depends only on whether the other side is external: computed
        # once per placement and side, not once per pair.
        known: dict[tuple[str, bool], tuple[object, ...]] = {}

        def key_of(p: Placement, other: Placement) -> tuple[object, ...]:
            k = (p.id, other.is_external)
            hit = known.get(k)
            if hit is None:
                hit = known[k] = class_key(p, other)
            return hit

        for s in s_pl:
            for d in d_pl:
                if s.id == d.id:
                    continue
                if s.is_external and d.is_external:
                    reason = "both ends are outside every VPC: no AWS network lies between them"
                    pairs.append(
                        PairEval(
                            PairResult(source=s.id, destination=d.id, verdict="blocked", reason=reason), []
                        )
                    )
                    continue
                pairs.extend(self.pair(s, d, q, (key_of(s, d), key_of(d, s))))
        if not pairs:
            notes.append("no pair of placements to judge (an endpoint has no placements)")
        verdict = combine(p.result.verdict for p in pairs)
        blockers, unknowns, hints = self._issues(pairs)
        for p in pairs:
            if not p.evals and p.result.verdict == "blocked":
                notes.append(p.result.reason)
            for e in p.evals:
                notes.extend(e.notes)
                if p.result.verdict == "reachable" and e.result is not Tri.ALLOW:
                    notes.append(
                        f"IPv{e.family} is {_VERDICT[e.result]}"
                        f" for {p.result.source} -> {p.result.destination}"
                        f" (IPv{10 - e.family} works)"
                    )
        fixes = self.fixer.build(hints, src, dst, q.traffic)
        notes.extend(_half_open_notes(blockers, pairs))
        if dst.kind is EndpointKind.ELB and dst.arn:
            notes.extend(target_health_notes(self.ix.inv, dst.arn, q))
        if any(b.code in _NEEDS_PUBLIC for b in blockers):
            notes.append(
                "the internet reaches only public addresses: no rule change opens this path; it would"
                " need a public IP (or an internet-facing load balancer in front of it)"
            )
        if verdict != "reachable" and not fixes and blockers:
            notes.append("no rule change alone fixes this path (see the blockers)")
        return PathResult(
            source=src.selector,
            destination=dst.selector,
            protocol=protocol,
            port=port,
            icmp_code=code,
            verdict=verdict,
            pairs=[p.result for p in pairs],
            hops=_merge_hops(p.result.hops for p in pairs),
            blockers=blockers,
            unknowns=unknowns,
            fixes=fixes,
            notes=list(dict.fromkeys(notes)),
        )

    def _issues(self, pairs: list[PairEval]) -> tuple[list[Blocker], list[str], list[FixHint]]:
        grouped: dict[tuple[object, ...], tuple[Issue, list[str]]] = {}
        unknowns: list[str] = []
        hints: list[FixHint] = []
        for p in pairs:
            if p.result.verdict == "reachable":
                continue
            if not p.evals and p.result.verdict == "unknown":
                unknowns.append(p.result.reason)
            label = f"{p.result.source} -> {p.result.destination}"
            if len(p.result.destination_addresses) > 0 and "@" in p.result.destination:
                label += f" ({', '.join(p.result.destination_addresses)})"
            elif p.result.source == "internet" or "@" in p.result.source:
                more = "..." if len(p.result.source_addresses) > 2 else ""
                label += f" (from {', '.join(p.result.source_addresses[:2])}{more})"
            # A pair that no rule change can open (no public address towards the internet) gets
            # no fix at all: opening its groups and NACLs to the world would achieve nothing.
            fixable = not any(i.code in _NEEDS_PUBLIC for e in p.evals for i in e.issues)
            for e in p.evals:
                for i in e.issues:
                    if i.result is Tri.UNKNOWN:
                        unknowns.append(f"{i.code}: {i.detail}")
                        continue
                    key = (i.code, i.component, i.component_kind, i.direction, i.leg, i.family, i.rule)
                    entry = grouped.setdefault(key, (i, []))
                    if label not in entry[1]:
                        entry[1].append(label)
                    if i.fix is not None and fixable:
                        hints.append(i.fix)
        blockers = [
            Blocker(
                code=i.code,
                component=i.component,
                component_kind=i.component_kind,
                direction=i.direction,
                leg=i.leg,
                family=i.family,
                rule=i.rule,
                detail=i.detail,
                pairs=tuple(labels),
            )
            for i, labels in grouped.values()
        ]
        blockers.sort(key=lambda b: (_blocker_order(b), b.component))
        return blockers, list(dict.fromkeys(unknowns)), hints

    # ---- traffic sets ---------------------------------------------------------------------------

    def allowed(self, src: Endpoint, dst: Endpoint) -> tuple[Traffic, Traffic]:
        """(traffic reachable for EVERY pair, for SOME pair), definite allows only."""
        every: Traffic | None = None
        some = Traffic.NONE
        for s in src.placements:
            for d in dst.placements:
                if s.id == d.id:
                    continue
                if s.is_external and d.is_external:
                    every = Traffic.NONE
                    continue
                per_family: list[list[Traffic]] = []
                skey, dkey = class_key(s, d), class_key(d, s)
                for family in (4, 6):
                    sets = []
                    for sa, da, cells in self.atoms(s, d, family):
                        key = (skey, dkey, family, cells)
                        sure = self._sets.get(key)
                        if sure is None:
                            sure = self._sets[key] = self.ev.sets(Pair(s, d, family, sa, da))[0]
                        sets.append(sure)
                    if sets:
                        per_family.append(sets)
                if not per_family:
                    pair_sets = [Traffic.NONE]
                elif s.kind == "interface" and d.kind == "interface":
                    pair_sets = [Traffic.union(f[0] for f in per_family)]
                else:
                    pair_sets = [t for f in per_family for t in f]
                for t in pair_sets:
                    every = t if every is None else every & t
                    some = some | t
        return (every or Traffic.NONE), some


_NEEDS_PUBLIC = frozenset(
    {
        "INGRESS_RTB_NO_PUBLIC_IP",
        "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
        "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
    }
)


def _half_open_notes(blockers: list[Blocker], pairs: list[PairEval]) -> list[str]:
    """The classic mistake: one side's groups allow the flow, the other side's do not."""
    notes: list[str] = []
    for b in blockers:
        if b.code != "ENI_SG_RULES_MISMATCH":
            continue
        other = "security-group-ingress" if b.direction == "egress" else "security-group-egress"
        allowing = {
            (h.id, h.rule, h.detail)
            for p in pairs
            if p.result.verdict != "reachable"
            for h in p.result.hops
            if h.kind == other and h.result is Tri.ALLOW and h.rule
        }
        for gid, rule, detail in sorted(allowing, key=lambda x: (x[0], x[1] or "")):
            side = "destination" if b.direction == "egress" else "source"
            notes.append(
                f"half-open: the {side}'s group already allows it ({rule}: {detail}),"
                f" but {b.component} has no matching {b.direction} rule"
            )
            del gid
    return notes


def _blocker_order(b: Blocker) -> int:
    order = {"security-group": 0, "network-acl": 1, "route-table": 2, "load-balancer": 3}
    return order.get(b.component_kind, 3) * 2 + (1 if b.leg == "return" else 0)


def _merge_hops(per_pair: Iterable[tuple[Hop, ...]]) -> list[Hop]:
    """Distinct components across pairs, in path order (first pair's order within a kind)."""
    seen: dict[tuple[object, ...], Hop] = {}
    for hops in per_pair:
        for h in hops:
            key = (h.kind, h.id, h.direction, h.leg, h.family, h.result, h.rule)
            seen.setdefault(key, h)
    ordered = list(seen.values())
    ordered.sort(key=lambda h: _HOP_ORDER.get(h.kind, 10))
    return ordered


def target_health_notes(inv: Inventory, lb_arn: str, q: Query) -> list[str]:
    """What the listeners of a load balancer that take this flow forward to, and how healthy those
    targets are (target-health data): a connection the network delivers to the load balancer still
    fails when no target behind the listener is healthy."""
    notes: list[str] = []
    for li in sorted(inv.listeners.values(), key=lambda li: (li.port or 0, li.listener_arn)):
        if li.load_balancer_arn != lb_arn or li.port is None:
            continue
        if all(q.traffic.isdisjoint(Traffic.single(p, li.port)) for p in listener_protocols(li)):
            continue
        arns = [a for action in li.default_actions for a in action.target_group_arns]
        what = f"listener {li.protocol or 'TCP'} {li.port}"
        if not arns:
            kinds = ", ".join(sorted({a.type for a in li.default_actions})) or "no action"
            notes.append(f"{what} forwards to no target group ({kinds})")
            continue
        for arn in dict.fromkeys(arns):
            tg = inv.target_groups.get(arn)
            name = (tg.target_group_name if tg else None) or arn
            target = f"{name} ({tg.protocol or '?'} {tg.port})" if tg and tg.port else name
            health = inv.target_health.get(arn)
            if health is None:
                notes.append(f"{what} forwards to {target}: target health not in the snapshot")
                continue
            states: dict[str, int] = {}
            reasons: set[str] = set()
            for desc in health.target_health_descriptions:
                state = (desc.target_health.state if desc.target_health else None) or "unknown"
                states[state] = states.get(state, 0) + 1
                if state != "healthy" and desc.target_health and desc.target_health.reason:
                    reasons.add(desc.target_health.reason)
            total = sum(states.values())
            healthy = states.get("healthy", 0)
            if not total:
                notes.append(f"{what} forwards to {target}, which has no registered targets")
                continue
            detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
            if reasons:
                detail += f"; {', '.join(sorted(reasons))}"
            text = f"{what} forwards to {target}: {healthy} of {total} targets healthy ({detail})"
            if not healthy:
                text += "; the load balancer accepts the connection but has no healthy target for it"
            notes.append(text)
    return notes
