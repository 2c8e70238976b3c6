"""Each collector against a small moto estate: what lands in the snapshot, and how it was asked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from collect_helpers import ACCOUNT, REGION, Aws, Estate, read_snapshot, scope_files

from sgaudit.cli import main
from sgaudit.collect import CollectResult
from sgaudit.collect.plan import PLAN
from sgaudit.inventory import EniOwnerKind, load_inventory
from sgaudit.snapshot.manifest import MANIFEST_NAME, Manifest

READ_ONLY = re.compile(r"^(Describe|List|Get)[A-Z]")


@dataclass(frozen=True)
class Collected:
    """One collection of the module's estate, shared by the tests that only read it."""

    aws: Aws
    result: CollectResult
    files: dict[str, Any]


@pytest.fixture(scope="module")
def collected(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    aws = Aws.create()
    result = aws.collect(tmp_path_factory.mktemp("collected"))
    return Collected(aws, result, scope_files(result.path))


def items(files: dict[str, Any], name: str) -> list[Any]:
    (content,) = files[name].values()  # exactly one top-level key, as the CLI prints it
    assert isinstance(content, list)
    return content


def test_manifest_is_complete_and_counts_every_request(collected: Collected) -> None:
    result, aws = collected.result, collected.aws
    manifest = Manifest.model_validate_json((result.path / MANIFEST_NAME).read_text())
    assert manifest == result.manifest
    assert manifest.complete
    (scope,) = manifest.scopes
    assert (scope.account, scope.region, scope.path) == (ACCOUNT, REGION, f"accounts/{ACCOUNT}/{REGION}")
    assert [(c.service, c.operation) for c in scope.calls] == [(e.service, e.operation) for e in PLAN]
    # The estate has one of everything, so every planned operation ran, and the manifest's count
    # is the number of requests the session saw.
    assert {(c.service, c.operation): c.calls for c in scope.calls} == {
        key: n for key, n in aws.calls.items() if key[0] != "sts"
    }
    assert all(c.calls >= 1 for c in scope.calls)


def test_every_call_made_is_read_only(collected: Collected) -> None:
    called = set(collected.aws.calls)
    assert len(called) > len(PLAN)  # the plan, plus sts GetCallerIdentity
    assert [op for _, op in called if not READ_ONLY.match(op)] == []


def test_files_are_cli_json(collected: Collected) -> None:
    result, files = collected.result, collected.files
    assert {p.name for p in result.path.parent.iterdir()} == {"snap"}  # no temporary sibling left
    assert {e.file_name for e in PLAN if e.file_name} == set(files)
    for name, content in files.items():
        assert len(content) == 1, f"{name}: pages merged under one key, no NextToken/ResponseMetadata"
    (reservation,) = items(files, "ec2-describe-instances.json")
    launch = reservation["Instances"][0]["LaunchTime"]
    assert isinstance(launch, str) and datetime.fromisoformat(launch).tzinfo is not None
    (service,) = items(files, "ecs-describe-services.json")  # a JSON-protocol timestamp too
    assert datetime.fromisoformat(service["deployments"][0]["createdAt"]).tzinfo is not None


def test_ec2(estate: Estate, collected: Collected) -> None:
    files, aws = collected.files, collected.aws
    groups = {g["GroupId"]: g for g in items(files, "ec2-describe-security-groups.json")}
    pairs = [p["GroupId"] for perm in groups[estate.db_sg]["IpPermissions"] for p in perm["UserIdGroupPairs"]]
    assert pairs == [estate.app_sg]
    rules = items(files, "ec2-describe-security-group-rules.json")
    assert any(
        r["GroupId"] == estate.app_sg and r.get("PrefixListId") == estate.prefix_list_id for r in rules
    )
    lists = {p["PrefixListId"]: p for p in items(files, "ec2-describe-managed-prefix-lists.json")}
    assert sorted(e["Cidr"] for e in lists[estate.prefix_list_id]["Entries"]) == list(estate.prefix_cidrs)
    assert all("Entries" in p for p in lists.values())  # AWS-managed lists too
    assert aws.calls[("ec2", "GetManagedPrefixListEntries")] == len(lists)
    enis = {e["NetworkInterfaceId"] for e in items(files, "ec2-describe-network-interfaces.json")}
    task_enis = {
        d["value"]
        for t in items(files, "ecs-describe-tasks.json")
        for a in t["attachments"]
        for d in a["details"]
        if d["name"] == "networkInterfaceId"
    }
    assert len(task_enis) == len(estate.task_arns) and task_enis <= enis
    (reservation,) = items(files, "ec2-describe-instances.json")
    assert reservation["Instances"][0]["InstanceId"] == estate.instance_id
    vpcs = [v["VpcId"] for v in items(files, "ec2-describe-vpcs.json")]
    assert estate.vpc_id in vpcs
    assert set(estate.subnet_ids) <= {s["SubnetId"] for s in items(files, "ec2-describe-subnets.json")}
    assert any(t["VpcId"] == estate.vpc_id for t in items(files, "ec2-describe-route-tables.json"))
    (nacl,) = [
        n for n in items(files, "ec2-describe-network-acls.json") if n["NetworkAclId"] == estate.nacl_id
    ]
    assert [e["RuleNumber"] for e in nacl["Entries"] if not e["Egress"]].count(100) == 1
    for name in (
        "ec2-describe-internet-gateways.json",
        "ec2-describe-egress-only-internet-gateways.json",
        "ec2-describe-nat-gateways.json",
        "ec2-describe-vpc-peering-connections.json",
        "ec2-describe-vpc-endpoints.json",
        "ec2-describe-transit-gateway-attachments.json",
    ):
        assert items(files, name), name
    assert [t["TransitGatewayId"] for t in items(files, "ec2-describe-transit-gateways.json")] == [
        estate.transit_gateway_id
    ]
    # Stale groups: one pagination per VPC, each naming its VPC.
    assert items(files, "ec2-describe-stale-security-groups.json") == []
    stale_vpcs = [p["VpcId"] for s, op, p in aws.params if op == "DescribeStaleSecurityGroups"]
    assert sorted(stale_vpcs) == sorted(vpcs)


def test_ecs(estate: Estate, collected: Collected) -> None:
    files, aws = collected.files, collected.aws
    assert [c["clusterArn"] for c in items(files, "ecs-describe-clusters.json")] == [estate.cluster_arn]
    (service,) = items(files, "ecs-describe-services.json")
    assert service["serviceArn"] == estate.service_arn
    assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [estate.app_sg]
    assert sorted(t["taskArn"] for t in items(files, "ecs-describe-tasks.json")) == sorted(estate.task_arns)
    definitions = items(files, "ecs-describe-task-definition.json")
    assert sorted(d["taskDefinitionArn"] for d in definitions) == sorted(estate.task_definition_arns)
    # Four tasks and a service name two revisions: one DescribeTaskDefinition per distinct ARN.
    assert aws.calls[("ecs", "DescribeTaskDefinition")] == 2
    assert [c["containerInstanceArn"] for c in items(files, "ecs-describe-container-instances.json")] == [
        estate.container_instance_arn
    ]
    describe = {op: p for s, op, p in aws.params if s == "ecs" and op.startswith("Describe")}
    assert describe["DescribeServices"]["include"] == ["TAGS"]
    assert describe["DescribeTasks"]["cluster"] == estate.cluster_arn


def test_rds(estate: Estate, collected: Collected) -> None:
    files = collected.files
    (db,) = items(files, "rds-describe-db-instances.json")
    assert db["DBInstanceIdentifier"] == estate.db_instance_id
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [estate.db_sg]
    assert db["Endpoint"]["Port"] == 5432
    assert sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]) == sorted(estate.subnet_ids)
    (cluster,) = items(files, "rds-describe-db-clusters.json")
    assert cluster["DBClusterIdentifier"] == estate.db_cluster_id
    assert [g["DBSubnetGroupName"] for g in items(files, "rds-describe-db-subnet-groups.json")] == [
        "db-subnets"
    ]


def test_elbv2(estate: Estate, collected: Collected) -> None:
    files = collected.files
    (lb,) = items(files, "elbv2-describe-load-balancers.json")
    assert lb["LoadBalancerArn"] == estate.load_balancer_arn and lb["SecurityGroups"] == [estate.app_sg]
    assert [t["TargetGroupArn"] for t in items(files, "elbv2-describe-target-groups.json")] == [
        estate.target_group_arn
    ]
    (health,) = items(files, "elbv2-describe-target-health.json")
    assert health["TargetGroupArn"] == estate.target_group_arn
    assert [d["Target"]["Id"] for d in health["TargetHealthDescriptions"]] == ["10.10.1.10"]
    (listener,) = items(files, "elbv2-describe-listeners.json")
    assert listener["LoadBalancerArn"] == estate.load_balancer_arn and listener["Port"] == 80


def test_lambda(estate: Estate, collected: Collected) -> None:
    files = collected.files
    (function,) = items(files, "lambda-list-functions.json")
    assert function["FunctionName"] == estate.function_name
    assert function["VpcConfig"]["SecurityGroupIds"] == [estate.app_sg]
    assert sorted(function["VpcConfig"]["SubnetIds"]) == sorted(estate.subnet_ids)


def test_zero_inputs_mean_zero_calls_and_empty_files(aws: Aws, estate: Estate, tmp_path: Path) -> None:
    # us-west-2 of the same moto has no cluster, load balancer or target group: the calls that
    # depend on them have no input, so none is made, and their files say "none" (not absent).
    result = aws.collect(tmp_path, regions=("us-west-2",))
    assert result.manifest.complete
    (scope,) = result.manifest.scopes
    calls = {c.operation: c.calls for c in scope.calls}
    for operation in ("DescribeClusters", "ListServices", "DescribeTasks", "DescribeTaskDefinition"):
        assert calls[operation] == 0
    assert calls["DescribeTargetHealth"] == calls["DescribeListeners"] == 0
    assert calls["ListClusters"] == calls["DescribeDBInstances"] == 1
    files = {k.rsplit("/", 1)[-1]: v for k, v in scope_files_of(result, "us-west-2").items()}
    assert files["ecs-describe-services.json"] == {"services": []}
    assert files["elbv2-describe-target-health.json"] == {"TargetHealth": []}
    assert files["ecs-describe-task-definition.json"] == {"taskDefinitions": []}


def test_cli_collect_exits_0_with_one_summary_line(
    estate: Estate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli-snap"
    assert main(["collect", "--region", REGION, "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(": complete") and str(out) in err[0]
    assert (out / MANIFEST_NAME).is_file()
    assert "ec2-describe-security-groups.json" in scope_files(out)


def scope_files_of(result: CollectResult, region: str) -> dict[str, Any]:
    prefix = f"accounts/{ACCOUNT}/{region}/"
    return {k: v for k, v in read_snapshot(result.path).items() if k.startswith(prefix)}


def test_the_snapshot_loads_into_a_joined_inventory(estate: Estate, collected: Collected) -> None:
    inv = load_inventory(collected.result.path)
    assert inv.complete
    for arn in estate.task_arns:
        task = inv.ecs_tasks[arn]
        eni = inv.network_interfaces[task.eni_id or ""]
        assert eni.group_ids == (estate.app_sg,)
        assert (eni.owner.kind, eni.owner.resource_id) == (EniOwnerKind.ECS_TASK, arn)
    db = inv.db_instances[estate.db_instance_id]
    assert (db.security_group_ids, db.port) == ((estate.db_sg,), 5432)
    assert (
        tuple(sorted(e.cidr for e in inv.prefix_lists[estate.prefix_list_id].entries)) == estate.prefix_cidrs
    )
    assert inv.lambda_functions[estate.function_name].in_vpc
    assert estate.target_group_arn in inv.target_health
