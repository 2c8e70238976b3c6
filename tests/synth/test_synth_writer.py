"""Writing estates as snapshot directories: layouts, manifest, failures, file shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgaudit.snapshot.manifest import Manifest
from sgaudit.synth import EstateBuilder, EstateBuildError, write_snapshot
from sgaudit.synth.writer import CALLS, file_name


def _estate(account: str = "111122223333", region: str = "us-east-1") -> EstateBuilder:
    b = EstateBuilder(account=account, region=region)
    vpc = b.vpc("10.0.0.0/16", name="v")
    s = b.subnet(vpc, "10.0.1.0/24", az=f"{region}a")
    sg = b.security_group(vpc, "app")
    b.fargate_service(cluster="c", name="svc", subnets=[s], groups=[sg], tasks=1)
    b.fargate_service(cluster="c", name="other", subnets=[s], groups=[sg], tasks=1)
    return b


def test_file_names_follow_the_cli() -> None:
    assert file_name("SecurityGroups") == "ec2-describe-security-groups.json"
    assert file_name("DBInstances") == "rds-describe-db-instances.json"
    assert file_name("PrefixLists") == "ec2-describe-managed-prefix-lists.json"
    assert file_name("Functions") == "lambda-list-functions.json"
    assert set(CALLS) == set(_estate().documents())


def test_flat_layout(tmp_path: Path) -> None:
    root = _estate().write(tmp_path / "snap")
    files = sorted(p.name for p in root.iterdir())
    assert len(files) == len(CALLS) and "manifest.json" not in files
    services = json.loads((root / "ecs-describe-services.json").read_text())
    assert set(services) == {"services", "failures"} and services["failures"] == []
    vpcs = json.loads((root / "ec2-describe-vpcs.json").read_text())
    assert list(vpcs) == ["Vpcs"] and len(vpcs["Vpcs"]) == 1


def test_per_call_task_definitions_and_skip_empty(tmp_path: Path) -> None:
    root = _estate().write(tmp_path, task_definition_files="per-call", skip_empty=True)
    names = {p.name for p in root.iterdir()}
    assert {"ecs-describe-task-definition-svc-1.json", "ecs-describe-task-definition-other-1.json"} <= names
    assert "ecs-describe-task-definition.json" not in names
    assert "rds-describe-db-instances.json" not in names
    one = json.loads((root / "ecs-describe-task-definition-svc-1.json").read_text())
    assert one["taskDefinition"]["family"] == "svc" and one["tags"] == []


def test_accounts_layout_with_manifest(tmp_path: Path) -> None:
    a = _estate("111111111111", "us-east-1")
    b = _estate("222222222222", "eu-west-1")
    root = write_snapshot(tmp_path, [a, b], layout="accounts", manifest=True, indent=None)
    assert (root / "accounts/111111111111/us-east-1/ec2-describe-vpcs.json").exists()
    assert (root / "accounts/222222222222/eu-west-1/ec2-describe-vpcs.json").exists()
    manifest = Manifest.model_validate_json((root / "manifest.json").read_text())
    assert manifest.complete
    assert [(s.account, s.region, s.path) for s in manifest.scopes] == [
        ("111111111111", "us-east-1", "accounts/111111111111/us-east-1"),
        ("222222222222", "eu-west-1", "accounts/222222222222/eu-west-1"),
    ]
    ops = {c.operation for c in manifest.scopes[0].calls}
    assert {"DescribeSecurityGroups", "DescribeTasks", "ListFunctions"} <= ops
    # Compact output is one line.
    assert (
        len((root / "accounts/111111111111/us-east-1/ec2-describe-vpcs.json").read_text().splitlines()) == 1
    )


def test_region_layout_and_failures(tmp_path: Path) -> None:
    root = _estate().write(tmp_path, layout="region", manifest=True, failures={"DBInstances": "AccessDenied"})
    assert not (root / "us-east-1/rds-describe-db-instances.json").exists()
    assert (root / "us-east-1/rds-describe-db-clusters.json").exists()
    manifest = Manifest.model_validate_json((root / "manifest.json").read_text())
    assert not manifest.complete
    (failed,) = manifest.scopes[0].errors
    assert (failed.service, failed.operation, failed.error_code) == (
        "rds",
        "DescribeDBInstances",
        "AccessDenied",
    )


def test_writer_refuses_impossible_requests(tmp_path: Path) -> None:
    a, b = _estate("111111111111"), _estate("222222222222")
    with pytest.raises(EstateBuildError, match="flat"):
        write_snapshot(tmp_path, [a, b])
    with pytest.raises(EstateBuildError, match="one account"):
        write_snapshot(tmp_path, [a, b], layout="region")
    with pytest.raises(EstateBuildError, match="manifest=True"):
        a.write(tmp_path, failures={"Vpcs": "AccessDenied"})
    with pytest.raises(EstateBuildError, match="unknown document"):
        a.write(tmp_path, manifest=True, failures={"Nope": "AccessDenied"})


def test_cross_account_peering_shows_on_both_sides() -> None:
    a, b = EstateBuilder(account="111111111111"), EstateBuilder(account="222222222222")
    va, vb = a.vpc("10.0.0.0/16"), b.vpc("10.1.0.0/16")
    pcx = a.peering(va, vb)
    b.import_peering(pcx, va, vb)
    peer_sg = b.security_group(vb, "peer")
    sg = a.security_group(va, "local")
    a.ingress(sg, "tcp", 443, sg=peer_sg)
    (left,) = a.documents()["VpcPeeringConnections"]
    (right,) = b.documents()["VpcPeeringConnections"]
    assert left == right
    assert left["AccepterVpcInfo"]["OwnerId"] == "222222222222"
    rule = next(
        r
        for r in a.documents()["SecurityGroupRules"]
        if "ReferencedGroupInfo" in r and r["GroupId"] == sg.group_id
    )
    assert rule["ReferencedGroupInfo"] == {
        "GroupId": peer_sg.group_id,
        "UserId": "222222222222",
        "VpcId": vb.vpc_id,
        "VpcPeeringConnectionId": pcx.pcx_id,
        "PeeringStatus": "active",
    }
