"""The seeded estate generator: exact sizes, determinism, realism invariants."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgaudit.synth import EstateBuildError
from sgaudit.synth.random_estate import generate_estate, sizes

from . import invariants


def _bench_generate() -> ModuleType:
    # bench/ is not a package on sys.path when pytest runs from elsewhere: load the script by path.
    path = Path(__file__).resolve().parents[2] / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digest(docs: invariants.Docs) -> str:
    return hashlib.sha256(json.dumps(docs, sort_keys=True).encode()).hexdigest()


def test_deterministic_for_a_seed() -> None:
    a = generate_estate(11, 1500, 150, 1800).documents()
    b = generate_estate(11, 1500, 150, 1800).documents()
    assert _digest(a) == _digest(b)
    c = generate_estate(12, 1500, 150, 1800).documents()
    assert _digest(a) != _digest(c)


@pytest.mark.parametrize(
    ("interfaces", "groups", "rules"), [(0, 1, 3), (5, 3, 10), (120, 20, 150), (4000, 400, 5000)]
)
def test_exact_sizes(interfaces: int, groups: int, rules: int) -> None:
    b = generate_estate(1, interfaces, groups, rules)
    counts = sizes(b)
    assert (counts.interfaces, counts.groups, counts.rules) == (interfaces, groups, rules)
    docs = b.documents()
    assert len(docs["NetworkInterfaces"]) == interfaces
    assert len(docs["SecurityGroups"]) == groups
    assert len(docs["SecurityGroupRules"]) == rules


def test_realistic_mix() -> None:
    docs = generate_estate(2, 6000, 600, 7000).documents()
    assert len(docs["Vpcs"]) >= 3
    for key in (
        "tasks",
        "services",
        "DBInstances",
        "LoadBalancers",
        "Functions",
        "Reservations",
        "NatGateways",
    ):
        assert docs[key], key
    assert docs["VpcPeeringConnections"] and docs["PrefixLists"]
    assert any(not a["IsDefault"] for a in docs["NetworkAcls"])
    types = {e["InterfaceType"] for e in docs["NetworkInterfaces"]}
    assert {"interface", "lambda", "natGateway", "vpc_endpoint"} <= types
    peers = [r for r in docs["SecurityGroupRules"] if "ReferencedGroupInfo" in r]
    assert len(peers) > 100
    assert any("VpcPeeringConnectionId" in r["ReferencedGroupInfo"] for r in peers)
    assert any(r.get("CidrIpv4") == "0.0.0.0/0" and r["FromPort"] == 22 for r in docs["SecurityGroupRules"])
    pcx = {p["VpcPeeringConnectionId"] for p in docs["VpcPeeringConnections"]}
    routed = {
        r["VpcPeeringConnectionId"]
        for t in docs["RouteTables"]
        for r in t["Routes"]
        if "VpcPeeringConnectionId" in r
    }
    assert pcx == routed


def test_invariants_on_generated_estate() -> None:
    docs = generate_estate(5, 2500, 250, 3000).documents()
    invariants.unique_ids(docs)
    invariants.addresses_in_subnets(docs)
    invariants.groups_and_rules_agree(docs)
    invariants.vpc_defaults(docs)
    invariants.references_resolve(docs)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    interfaces=st.integers(0, 300),
    groups=st.integers(1, 40),
    extra_rules=st.integers(0, 200),
)
def test_small_random_estates(seed: int, interfaces: int, groups: int, extra_rules: int) -> None:
    # At most 60 inbound IPv4 rules per group: keep the request feasible.
    rules = 3 + extra_rules % (40 * groups)
    b = generate_estate(seed, interfaces, groups, rules)
    counts = sizes(b)
    assert counts.interfaces == interfaces and counts.groups == groups
    assert counts.rules == max(rules, counts.rules) and counts.rules <= rules + 3
    docs = b.documents()
    invariants.unique_ids(docs)
    invariants.addresses_in_subnets(docs)
    invariants.groups_and_rules_agree(docs)
    invariants.references_resolve(docs)


def test_impossible_rule_counts_are_refused() -> None:
    with pytest.raises(EstateBuildError, match="60 rules"):
        generate_estate(1, 10, 2, 500)


def test_bench_generate_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generate_main = _bench_generate().main
    out = tmp_path / "estate"
    assert (
        generate_main(
            ["--seed", "3", "--interfaces", "200", "--groups", "30", "--rules", "250", "-o", str(out)]
        )
        == 0
    )
    assert "200 interfaces, 30 groups, 250 rules" in capsys.readouterr().out
    data = json.loads((out / "ec2-describe-network-interfaces.json").read_text())
    assert len(data["NetworkInterfaces"]) == 200
    assert (
        generate_main(["--interfaces", "10", "--groups", "2", "--rules", "500", "-o", str(tmp_path / "x")])
        == 2
    )
    assert "60 rules" in capsys.readouterr().err
