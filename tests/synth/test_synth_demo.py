"""The committed demo snapshot is exactly what build_demo_estate() produces, and plants what the
README says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sgaudit.demo import intents_path, snapshot_path
from sgaudit.synth.demo import CANARY, build_demo_estate, main, write_demo

from . import invariants


def test_committed_files_are_up_to_date(tmp_path: Path) -> None:
    fresh = write_demo(tmp_path / "snapshot")
    committed = snapshot_path()
    names = sorted(p.name for p in committed.glob("*.json"))
    assert names == sorted(p.name for p in fresh.glob("*.json")), (
        "demo snapshot is stale: run python -m sgaudit.synth.demo --write"
    )
    for name in names:
        assert (committed / name).read_bytes() == (fresh / name).read_bytes(), (
            f"{name} is stale: run python -m sgaudit.synth.demo --write"
        )


def test_looks_saved_by_hand() -> None:
    folder = snapshot_path()
    assert not (folder / "manifest.json").exists()
    assert not [p for p in folder.iterdir() if p.is_dir()]
    td = json.loads((folder / "ecs-describe-task-definition-api-1.json").read_text())
    assert set(td) == {"taskDefinition", "tags"}
    # Indented like the CLI's output.
    assert (folder / "ec2-describe-vpcs.json").read_text().startswith('{\n    "Vpcs": [\n')


def test_regeneration_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--write", str(tmp_path)]) == 0
    assert (tmp_path / "ec2-describe-security-groups.json").exists()
    assert main([]) == 2
    capsys.readouterr()


@pytest.fixture(scope="module")
def docs() -> invariants.Docs:
    return build_demo_estate().documents()


def test_demo_invariants(docs: invariants.Docs) -> None:
    invariants.unique_ids(docs)
    invariants.addresses_in_subnets(docs)
    invariants.groups_and_rules_agree(docs)
    invariants.vpc_defaults(docs)
    invariants.references_resolve(docs)


def _group(docs: invariants.Docs, name: str) -> dict[str, object]:
    (g,) = [g for g in docs["SecurityGroups"] if g["GroupName"] == name]
    return g


def test_planted_half_open_pair(docs: invariants.Docs) -> None:
    api, db, reporting = _group(docs, "api"), _group(docs, "db"), _group(docs, "reporting")
    assert [
        (p["IpProtocol"], p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in api["IpPermissionsEgress"]
    ] == [  # type: ignore[index, union-attr, attr-defined]
        ("tcp", 443, "0.0.0.0/0")
    ]
    (perm,) = db["IpPermissions"]  # type: ignore[misc]
    assert perm["FromPort"] == 5432
    assert {p["GroupId"] for p in perm["UserIdGroupPairs"]} == {api["GroupId"], reporting["GroupId"]}
    (out,) = reporting["IpPermissionsEgress"]  # type: ignore[misc]
    assert out["UserIdGroupPairs"][0]["GroupId"] == db["GroupId"] and out["FromPort"] == 5432


def test_planted_exposures(docs: invariants.Docs) -> None:
    bastion = _group(docs, "bastion")
    assert bastion["IpPermissions"][0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"  # type: ignore[index]
    legacy = _group(docs, "legacy-admin")
    used = {g["GroupId"] for e in docs["NetworkInterfaces"] for g in e["Groups"]}
    assert legacy["GroupId"] not in used
    (inst,) = docs["Reservations"][0]["Instances"]
    assert inst["PublicIpAddress"] and inst["SecurityGroups"][0]["GroupName"] == "bastion"
    worker = next(s for s in docs["services"] if s["serviceName"] == "worker")
    default = _group(docs, "default")
    assert worker["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [default["GroupId"]]
    alb = _group(docs, "web-alb")
    peers = {
        (p["FromPort"], r)
        for p in alb["IpPermissions"]
        for r in [x["CidrIp"] for x in p["IpRanges"]] + [x["CidrIpv6"] for x in p["Ipv6Ranges"]]
    }  # type: ignore[union-attr, index, attr-defined]
    assert peers == {(443, "0.0.0.0/0"), (443, "::/0"), (80, "0.0.0.0/0"), (80, "::/0")}


def test_task_definition_names_the_database(docs: invariants.Docs) -> None:
    (db,) = docs["DBInstances"]
    assert (
        db["DBInstanceIdentifier"] == "prod-db"
        and db["Endpoint"]["Port"] == 5432
        and not db["PubliclyAccessible"]
    )
    api = next(t for t in docs["taskDefinitions"] if t["family"] == "api")
    env = {e["name"]: e["value"] for e in api["containerDefinitions"][0]["environment"]}
    assert env["DATABASE_HOST"] == db["Endpoint"]["Address"]
    assert env["SESSION_SIGNING_KEY"] == CANARY
    assert api["containerDefinitions"][0]["secrets"][0]["name"] == "DATABASE_PASSWORD"


def test_canary_only_in_the_task_definition() -> None:
    hits = [p.name for p in snapshot_path().glob("*.json") if CANARY in p.read_text()]
    assert hits == ["ecs-describe-task-definition-api-1.json"]


def test_db_nacl_allows_both_legs(docs: invariants.Docs) -> None:
    (acl,) = [a for a in docs["NetworkAcls"] if not a["IsDefault"]]
    subnets = {s["SubnetId"]: s for s in docs["Subnets"]}
    names = {
        next(t["Value"] for t in subnets[a["SubnetId"]]["Tags"] if t["Key"] == "Name")
        for a in acl["Associations"]
    }
    assert names == {"prod-db-a", "prod-db-b"}
    allows = {
        (e["Egress"], e["CidrBlock"], e["PortRange"]["From"], e["PortRange"]["To"])
        for e in acl["Entries"]
        if e["RuleAction"] == "allow"
    }
    assert allows == {
        (False, "10.0.10.0/24", 5432, 5432),
        (False, "10.0.11.0/24", 5432, 5432),
        (True, "10.0.10.0/24", 1024, 65535),
        (True, "10.0.11.0/24", 1024, 65535),
    }


def test_intents_file_names_demo_endpoints(docs: invariants.Docs) -> None:
    intents = yaml.safe_load(intents_path().read_text())["intents"]
    assert [i["name"] for i in intents] == ["api-reaches-db", "internet-not-to-db", "alb-to-api"]
    services = {f"ecs:prod/{s['serviceName']}" for s in docs["services"]}
    dbs = {f"rds:{d['DBInstanceIdentifier']}" for d in docs["DBInstances"]}
    lbs = {f"elb:{lb['LoadBalancerName']}" for lb in docs["LoadBalancers"]}
    known = services | dbs | lbs | {"internet"}
    for intent in intents:
        assert intent["from"] in known and intent["to"] in known
        assert intent["expect"] in ("reachable", "blocked")
    assert (intents_path().parent / "README.md").exists()
