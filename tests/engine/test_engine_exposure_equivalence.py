"""`Engine.internet_exposure` (per equivalence class of placements, lean routing) equals the
straightforward per-placement computation it replaced, kept here verbatim as the reference.

The reference judges every placement on its own, with the full routing layer (`Evaluator.route`, hops
and texts) and `Evaluator.sets` recomputing the route; the engine shares one answer between placements
with the same subnet, VPC, groups and public address, and names each placement in its own texts. The
comparison covers random estates (the matrix property test's recipes: IPv6, prefix lists with and
without entries, NACL denies, public addresses, gateways, RDS and Fargate ranges), hand-made corners
(a subnet without route table or NACL data, a placement without a subnet, placements sharing a class)
and a generated bench estate. The text helpers the lean path uses are checked against the expressions
they replaced.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from sgaudit.engine import Endpoint, Engine, Exposure, ExposurePath, Placement, Tri
from sgaudit.engine.evaluate import Pair, _cidr_count, cidr_blocks, external_text, split
from sgaudit.inventory import Direction, load_inventory
from sgaudit.netalgebra import AddressSet, IntervalSet, Traffic
from sgaudit.synth import EstateBuilder, NaclEntry
from sgaudit.synth.random_estate import generate_estate
from tests.engine.engine_helpers import edit_json, load
from tests.engine.estate_recipes import Recipe, engine_for, recipes

# ---- the reference: the per-placement computation, as it was ------------------------------------


class ReferenceExposure:
    """Every placement judged on its own, through `Evaluator.route` and `Evaluator.sets`."""

    def __init__(self, engine: Engine) -> None:
        self.ix = engine.index
        self.ev = engine.evaluator
        self.internet = engine.internet_placement

    def exposure(self, dst: Endpoint) -> Exposure:
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
            nacl_rules=tuple(sorted(nacl_rules, key=lambda r: (int(r), "") if r.isdigit() else (99999, r))),
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
        if p.listeners is not None and out.possible().isdisjoint(p.listeners.traffic):
            lb = p.listeners
            return (
                f"load balancer {lb.load_balancer} listens only on {lb.describe()},"
                " which its groups do not admit"
            )
        acl = self.ix.nacl_id(p.subnet_id)
        return f"network ACL {acl or '?'} denies what the security groups admit (or its reply)"


def assert_same_exposure(engine: Engine, endpoints: list[Endpoint]) -> int:
    """Every endpoint's exposure equals the reference's, as values and as JSON; returns how many paths."""
    ref = ReferenceExposure(engine)
    paths = 0
    for ep in endpoints:
        mine, theirs = engine.internet_exposure(ep), ref.exposure(ep)
        assert mine == theirs, ep.selector
        assert json.dumps(mine.model_dump(mode="json")) == json.dumps(theirs.model_dump(mode="json"))
        paths += len(mine.paths)
    return paths


# ---- random estates ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes())
def test_exposure_equals_the_per_placement_reference(recipe: Recipe) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        assert_same_exposure(engine, engine.endpoints())


def test_exposure_equals_the_reference_on_a_generated_estate(tmp_path: Path) -> None:
    builder = generate_estate(3, 300, 40, 400, account="123456789012", region="us-east-1")
    engine = Engine(load_inventory(builder.write(tmp_path / "snap", indent=None)))
    assert assert_same_exposure(engine, engine.endpoints()) > 300


# ---- hand-made corners ---------------------------------------------------------------------------


def _public_estate(*, ipv6: bool = True) -> EstateBuilder:
    b = EstateBuilder(seed=21)
    vpc = b.vpc("10.0.0.0/16", ipv6="2600:1f18:aaaa:bb00::/56" if ipv6 else None)
    public = b.subnet(vpc, "10.0.0.0/24", az="us-east-1a", ipv6="2600:1f18:aaaa:bb00::/64" if ipv6 else None)
    private = b.subnet(vpc, "10.0.1.0/24", az="us-east-1b")
    igw = b.internet_gateway(vpc)
    b.route_table(vpc, subnets=[public], routes=[("0.0.0.0/0", igw), *([("::/0", igw)] if ipv6 else [])])
    b.network_acl(
        vpc,
        subnets=[public],
        entries=[
            NaclEntry(
                number=90,
                direction="ingress",
                protocol="tcp",
                cidr="0.0.0.0/1",
                ports=(22, 22),
                action="deny",
            ),
            NaclEntry(number=100, direction="ingress", protocol="-1", cidr="0.0.0.0/0"),
            NaclEntry(number=100, direction="egress", protocol="-1", cidr="0.0.0.0/0"),
        ],
    )
    web = b.security_group(vpc, "web")
    b.ingress(web, "tcp", 22, cidr="0.0.0.0/0")
    b.ingress(web, "tcp", 443, cidr=["0.0.0.0/1", "128.0.0.0/1"])
    b.ingress(web, "tcp", 8443, cidr="203.0.113.0/24")
    pl = b.prefix_list("partners", ["198.51.100.0/24"], readable=False)
    b.ingress(web, "tcp", 9000, prefix_list=pl)
    bare = b.security_group(vpc, "bare")
    for name in ("a", "b", "c"):
        b.ec2_instance(f"pub-{name}", subnet=public, groups=[web], public_ip=True, ipv6=ipv6)
        b.ec2_instance(f"priv-{name}", subnet=public, groups=[web])
        b.ec2_instance(f"far-{name}", subnet=private, groups=[web], public_ip=True)
    b.ec2_instance("bare", subnet=public, groups=[bare], public_ip=True)
    b.rds_instance("db", subnets=[public, private], groups=[web], port=5432, public=True)
    return b


def test_placements_sharing_a_class_name_themselves(tmp_path: Path) -> None:
    engine = load(_public_estate(), tmp_path)
    assert_same_exposure(engine, engine.endpoints())
    # The private instances share one class: each reason names its own interface.
    privates = [engine.resolve(f"name:priv-{n}") for n in "abc"]
    reasons = [engine.internet_exposure(ep).paths[0].reason for ep in privates]
    assert len(set(reasons)) == 3
    for ep, reason in zip(privates, reasons, strict=True):
        assert reason.startswith(ep.placements[0].id)


def test_missing_route_table_and_nacl_data(tmp_path: Path) -> None:
    folder = _public_estate().write(tmp_path / "snap", indent=None)
    edit_json(folder, "RouteTables", lambda tables: tables.clear())  # type: ignore[attr-defined]
    edit_json(folder, "NetworkAcls", lambda acls: acls.clear())  # type: ignore[attr-defined]
    engine = Engine(load_inventory(folder))
    assert_same_exposure(engine, engine.endpoints())
    x = engine.internet_exposure(engine.resolve("name:pub-a"))
    assert any("no route table" in u for u in x.unknowns)


def test_placements_without_a_subnet(tmp_path: Path) -> None:
    engine = load(_public_estate(ipv6=False), tmp_path)
    ep = engine.resolve("name:pub-a")
    # Two placements with no subnet (hence no route table, named by their own id) in one class.
    loose = tuple(
        ep.placements[0].model_copy(update={"id": f"eni-loose{i}", "subnet_id": None}) for i in range(2)
    )
    odd = ep.model_copy(update={"selector": "eni:loose", "placements": loose})
    assert_same_exposure(engine, [odd])
    texts = [u for p in engine.internet_exposure(odd).paths for u in p.unknowns]
    assert {
        "no route table for eni-loose0 in the snapshot",
        "no route table for eni-loose1 in the snapshot",
    } <= set(texts)


def test_every_field_of_the_class_key_matters(tmp_path: Path) -> None:
    # Variants of one exposed placement that differ in one field each (some are combinations no
    # snapshot produces, to prove the field is part of the key): none may reuse another's answer.
    engine = load(_public_estate(ipv6=False), tmp_path)
    ep = engine.resolve("name:pub-a")
    p = ep.placements[0]
    variants = {
        "same": {},
        "unfiltered": {"sg_filtered": False},
        "other-vpc": {"vpc_id": "vpc-0000000000000000f"},
        "not-public": {"public": False, "public_ips": ()},
        "other-groups": {"group_ids": (*p.group_ids, engine.resolve("name:bare").placements[0].group_ids[0])},
    }
    for name, update in variants.items():
        one = ep.model_copy(update={"placements": (p.model_copy(update={"id": f"eni-{name}", **update}),)})
        assert_same_exposure(engine, [ep, one])


def test_a_group_with_no_rules_names_the_groups_or_the_placement(tmp_path: Path) -> None:
    engine = load(_public_estate(ipv6=False), tmp_path)
    ep = engine.resolve("name:bare")
    ungrouped = ep.model_copy(
        update={"placements": (ep.placements[0].model_copy(update={"id": "eni-nogroups", "group_ids": ()}),)}
    )
    assert_same_exposure(engine, [ep, ungrouped])
    assert (
        engine.internet_exposure(ungrouped)
        .paths[0]
        .reason.startswith("no security-group ingress rule of eni-nogroups ")
    )


# ---- the text helpers ----------------------------------------------------------------------------


def _random_sets(seed: int, count: int) -> list[AddressSet]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        version = rng.choice((4, 6))
        bits = 32 if version == 4 else 128
        spans = []
        for _ in range(rng.randint(0, 4)):
            lo = rng.randrange(1 << bits)
            width = rng.choice((0, 1, 2, 255, 256, rng.randrange(1 << rng.randint(1, bits))))
            spans.append((lo, min((1 << bits) - 1, lo + width)))
        if rng.random() < 0.05:
            spans = [(0, (1 << bits) - 1)]
        out.append(AddressSet(version, IntervalSet(spans)))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_cidr_helpers_equal_to_cidrs(seed: int) -> None:
    for block in _random_sets(seed, 500):
        nets = block.to_cidrs()
        assert cidr_blocks(block) == [AddressSet.from_cidr(n) for n in nets]
        for limit in (0, 1, 2, 3):
            expected = len(nets) if len(nets) <= limit else limit + 1
            assert _cidr_count(block, limit) == expected
        if block:
            old = (
                (str(block) if len(block.to_cidrs()) <= 2 else "internet addresses")
                if block.size > 1
                else str(block).split("/")[0]
            )
            assert external_text(block.version, block) == old
