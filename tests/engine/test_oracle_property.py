"""Property test: the engine's exact pair evaluation (`Engine.path`) agrees with the brute-force oracle,
and unit tests of the oracle itself (it must be right for the other comparisons to mean anything)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from sgaudit.engine import Endpoint, Engine
from sgaudit.engine.oracle import oracle_pair_traffic, oracle_pairs, oracle_verdict
from sgaudit.inventory import load_inventory
from sgaudit.netalgebra import Traffic
from sgaudit.synth import EstateBuilder, NaclEntry
from tests.engine.estate_recipes import Recipe, engine_for, recipes

# (protocol, port or ICMP type, ICMP code): the boundaries the recipes use, and values between them.
PROBES = (
    ("tcp", 22, None),
    ("tcp", 80, None),
    ("tcp", 443, None),
    ("tcp", 1023, None),
    ("tcp", 1024, None),
    ("tcp", 5432, None),
    ("tcp", 5433, None),
    ("tcp", 32768, None),
    ("tcp", 65535, None),
    ("udp", 53, None),
    ("udp", 61000, None),
    ("icmp", 8, 0),
    ("icmp", 3, 4),
    ("icmp", 0, 0),
    ("icmpv6", 128, 0),
    ("icmpv6", 1, 3),
    ("47", None, None),
    ("50", None, None),
)


def _draw_pairs(engine: Engine, data: st.DataObject, n: int) -> list[tuple[Endpoint, Endpoint]]:
    """``n`` drawn (source, destination) pairs of distinct endpoints with placements (the internet too)."""
    endpoints = [e for e in (*engine.endpoints(), engine.resolve("internet")) if e.placements]
    if len(endpoints) < 2:
        return []
    out = []
    for _ in range(n):
        src = data.draw(st.sampled_from(endpoints), label="source")
        dst = data.draw(st.sampled_from([e for e in endpoints if e.selector != src.selector]), label="dest")
        out.append((src, dst))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(), data=st.data())
def test_path_verdict_equals_oracle(recipe: Recipe, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        for src, dst in _draw_pairs(engine, data, 4):
            protocol, port, code = data.draw(st.sampled_from(PROBES), label="probe")
            result = engine.path(src, dst, protocol, port, code)
            expected = oracle_verdict(engine, src, dst, protocol, port, code=code)
            if result.verdict != expected:
                mine = oracle_pairs(engine, src, dst, protocol, port, code=code)
                note(
                    "engine pairs: "
                    + "; ".join(f"{p.source}->{p.destination} {p.verdict}" for p in result.pairs)
                )
                note("oracle pairs: " + "; ".join(f"{p.source}->{p.destination} {p.verdict}" for p in mine))
            assert result.verdict == expected, f"{src.selector} -> {dst.selector} {protocol} {port}/{code}"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(), data=st.data())
def test_allowed_traffic_equals_oracle(recipe: Recipe, data: st.DataObject) -> None:
    """`Engine.allowed_traffic` (the set-valued evaluation behind exposure and the checks) gives what
    the oracle finds reachable for every pair and for some pair of two endpoints."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        for src, dst in _draw_pairs(engine, data, 3):
            every, some = engine.allowed_traffic(src, dst)
            found = oracle_pair_traffic(engine, [src], [dst], include_internet=False)
            expected = (found[0].every, found[0].some) if found else (Traffic.NONE, Traffic.NONE)
            assert (every, some) == expected, (
                f"{src.selector} -> {dst.selector}: engine every={every.describe()} some={some.describe()};"
                f" oracle every={expected[0].describe()} some={expected[1].describe()}"
            )


# ---- the oracle on hand-made cases ---------------------------------------------------------------


def _load(b: EstateBuilder, tmp_path: Path) -> Engine:
    return Engine(load_inventory(b.write(tmp_path / "snap", indent=None)))


def test_oracle_both_sides_and_nacl_return_leg(tmp_path: Path) -> None:
    b = EstateBuilder(seed=1)
    vpc = b.vpc("10.0.0.0/16")
    app = b.subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    db_a = b.subnet(vpc, "10.0.2.0/24", az="us-east-1a")
    db_b = b.subnet(vpc, "10.0.3.0/24", az="us-east-1b")
    task = b.security_group(vpc, "task", allow_all_egress=False)
    db = b.security_group(vpc, "db")
    b.ingress(db, "tcp", 5432, sg=task)
    svc = b.fargate_service(cluster="prod", name="api", subnets=[app], groups=[task], tasks=2)
    b.rds_instance("pg", subnets=[db_a, db_b], groups=[db])
    engine = _load(b, tmp_path)
    api, pg = engine.resolve(f"ecs:{svc.cluster}/{svc.name}"), engine.resolve("rds:pg")
    assert oracle_verdict(engine, api, pg, "tcp", 5432) == "blocked"  # egress is missing

    b.egress(task, "tcp", 5432, sg=db)
    b.network_acl(
        vpc,
        subnets=[db_b],
        entries=[
            NaclEntry(number=90, direction="ingress", protocol="tcp", cidr="10.0.1.0/24", ports=(5432, 5432)),
            NaclEntry(
                number=100, direction="egress", protocol="tcp", cidr="10.0.1.0/24", ports=(32768, 40000)
            ),
        ],
    )
    engine = _load(b, tmp_path / "2")
    api, pg = engine.resolve("ecs:prod/api"), engine.resolve("rds:pg")
    # Every task reaches the subnet-a placement; subnet b drops part of the ephemeral return range.
    assert oracle_verdict(engine, api, pg, "tcp", 5432) == "partial"
    assert oracle_verdict(engine, api, pg, "tcp", 5433) == "blocked"
    verdicts = {p.destination: p.verdict for p in oracle_pairs(engine, api, pg, "tcp", 5432)}
    assert sorted(verdicts.values()) == ["blocked", "reachable"]


def test_oracle_unknown_prefix_list_and_first_match(tmp_path: Path) -> None:
    b = EstateBuilder(seed=2)
    vpc = b.vpc("10.0.0.0/16")
    sa = b.subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    sb = b.subnet(vpc, "10.0.2.0/24", az="us-east-1b")
    client = b.security_group(vpc, "client")
    server = b.security_group(vpc, "server")
    hidden = b.prefix_list("hidden", ["10.0.1.0/24"], readable=False)
    b.ingress(server, "tcp", 443, prefix_list=hidden)
    b.ingress(server, "udp", 53, cidr="10.0.1.0/24")
    b.network_acl(
        vpc,
        subnets=[sb],
        entries=[
            NaclEntry(
                number=10,
                direction="ingress",
                protocol="udp",
                cidr="10.0.1.0/24",
                ports=(53, 53),
                action="deny",
            ),
            NaclEntry(number=20, direction="ingress", protocol="-1", cidr="0.0.0.0/0"),
            NaclEntry(number=20, direction="egress", protocol="-1", cidr="0.0.0.0/0"),
        ],
    )
    c = b.eni(sa, [client])
    s = b.eni(sb, [server])
    engine = _load(b, tmp_path)
    src, dst = engine.resolve(c.selector), engine.resolve(s.selector)
    assert oracle_verdict(engine, src, dst, "tcp", 443) == "unknown"
    assert oracle_verdict(engine, src, dst, "udp", 53) == "blocked"  # the deny comes first
    assert oracle_verdict(engine, src, dst, "tcp", 22) == "blocked"


def test_oracle_internet_needs_public_address_and_route(tmp_path: Path) -> None:
    b = EstateBuilder(seed=3)
    vpc = b.vpc("10.0.0.0/16")
    pub = b.subnet(vpc, "10.0.0.0/24")
    priv = b.subnet(vpc, "10.0.1.0/24")
    igw = b.internet_gateway(vpc)
    b.route_table(vpc, subnets=[pub], routes=[("0.0.0.0/0", igw)])
    web = b.security_group(vpc, "web")
    b.ingress(web, "tcp", 443, cidr="0.0.0.0/1")
    b.ingress(web, "tcp", 443, cidr="128.0.0.0/1")
    exposed = b.eni(pub, [web], public_ip=True)
    no_ip = b.eni(pub, [web])
    no_route = b.eni(priv, [web], public_ip=True)
    engine = _load(b, tmp_path)
    internet = engine.resolve("internet")
    assert oracle_verdict(engine, internet, engine.resolve(exposed.selector), "tcp", 443) == "reachable"
    assert oracle_verdict(engine, internet, engine.resolve(no_ip.selector), "tcp", 443) == "blocked"
    assert oracle_verdict(engine, internet, engine.resolve(no_route.selector), "tcp", 443) == "blocked"
    assert oracle_verdict(engine, internet, engine.resolve(exposed.selector), "tcp", 80) == "blocked"
