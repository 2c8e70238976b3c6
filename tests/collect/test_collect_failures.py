"""Failures are recorded, never hidden: the gap is in the manifest, the rest is still collected."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from collect_helpers import ACCOUNT, REGION, Aws, Estate, scope_files

from sgaudit.cli import main
from sgaudit.collect import runner
from sgaudit.collect.scope import DEPENDENCY_FAILED
from sgaudit.snapshot.manifest import CallRecord, Manifest


def calls_of(manifest: Manifest) -> dict[str, CallRecord]:
    (scope,) = manifest.scopes
    return {c.operation: c for c in scope.calls}


def test_access_denied_on_one_service_leaves_a_recorded_gap(aws: Aws, estate: Estate, tmp_path: Path) -> None:
    aws.deny("rds")
    result = aws.collect(tmp_path)
    assert not result.manifest.complete
    calls = calls_of(result.manifest)
    for operation in ("DescribeDBInstances", "DescribeDBClusters", "DescribeDBSubnetGroups"):
        assert (calls[operation].ok, calls[operation].error_code, calls[operation].calls) == (
            False,
            "AccessDenied",
            1,
        )
    assert [c.operation for c in calls.values() if not c.ok] == [
        "DescribeDBInstances",
        "DescribeDBClusters",
        "DescribeDBSubnetGroups",
    ]
    files = scope_files(result.path)
    assert not [name for name in files if name.startswith("rds-")]  # a gap, not an empty list
    assert files["ecs-describe-tasks.json"]["tasks"]
    assert files["lambda-list-functions.json"]["Functions"]
    assert files["ec2-describe-security-groups.json"]["SecurityGroups"]


def test_a_failed_input_fails_its_dependents(aws: Aws, estate: Estate, tmp_path: Path) -> None:
    aws.deny("ecs.ListTasks")
    result = aws.collect(tmp_path)
    calls = calls_of(result.manifest)
    assert calls["ListTasks"].error_code == "AccessDenied"
    # Never called, yet failed: describe_tasks had no input, and the task definitions it would
    # have named are missing from the set (the service's one is still described).
    assert (calls["DescribeTasks"].ok, calls["DescribeTasks"].calls) == (False, 0)
    assert calls["DescribeTasks"].error_code == DEPENDENCY_FAILED
    assert "ecs:ListTasks" in (calls["DescribeTasks"].message or "")
    assert (calls["DescribeTaskDefinition"].error_code, calls["DescribeTaskDefinition"].calls) == (
        DEPENDENCY_FAILED,
        1,
    )
    assert calls["DescribeServices"].ok and calls["ListContainerInstances"].ok
    files = scope_files(result.path)
    assert "ecs-describe-tasks.json" not in files
    definitions = files["ecs-describe-task-definition.json"]["taskDefinitions"]
    assert [d["taskDefinitionArn"] for d in definitions] == [estate.task_definition_arns[0]]


def test_unreadable_prefix_list_entries_are_absent_not_empty(
    aws: Aws, estate: Estate, tmp_path: Path
) -> None:
    aws.deny("ec2.GetManagedPrefixListEntries", when=lambda p: p["PrefixListId"] == estate.prefix_list_id)
    result = aws.collect(tmp_path)
    calls = calls_of(result.manifest)
    assert calls["GetManagedPrefixListEntries"].error_code == "AccessDenied"
    assert calls["DescribeManagedPrefixLists"].ok
    lists = {
        p["PrefixListId"]: p
        for p in scope_files(result.path)["ec2-describe-managed-prefix-lists.json"]["PrefixLists"]
    }
    assert "Entries" not in lists[estate.prefix_list_id]
    assert all("Entries" in p for i, p in lists.items() if i != estate.prefix_list_id)


def test_throttling_and_connection_errors_are_recorded_by_code(
    aws: Aws, estate: Estate, tmp_path: Path
) -> None:
    aws.deny("elbv2.DescribeTargetGroups", code="RequestLimitExceeded")
    aws.deny("lambda", error=EndpointConnectionError(endpoint_url="https://lambda.us-east-1.amazonaws.com"))
    result = aws.collect(tmp_path)
    calls = calls_of(result.manifest)
    assert calls["DescribeTargetGroups"].error_code == "RequestLimitExceeded"
    assert calls["DescribeTargetHealth"].error_code == DEPENDENCY_FAILED
    assert calls["DescribeLoadBalancers"].ok and calls["DescribeListeners"].ok
    assert calls["ListFunctions"].error_code == "EndpointConnectionError"
    assert {c.operation for c in calls.values() if not c.ok} == {
        "DescribeTargetGroups",
        "DescribeTargetHealth",
        "ListFunctions",
    }


def test_anything_but_a_botocore_error_stops_and_leaves_nothing(
    aws: Aws, estate: Estate, tmp_path: Path
) -> None:
    aws.deny("ec2.DescribeVpcs", error=RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        aws.collect(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no snapshot, no temporary folder


def test_roles_are_assumed_and_a_refused_one_is_recorded(aws: Aws, estate: Estate, tmp_path: Path) -> None:
    good, bad = "arn:aws:iam::111111111111:role/audit", "arn:aws:iam::222222222222:role/audit"
    aws.deny("sts.AssumeRole", when=lambda p: p["RoleArn"] == bad)
    result = aws.collect(tmp_path, role_arns=(good, bad))
    assert [(s.account, s.region) for s in result.manifest.scopes] == [("111111111111", REGION)]
    assert result.manifest.scopes[0].errors == []
    (error,) = result.manifest.errors
    assert bad in error and "AccessDenied" in error
    assert not result.manifest.complete
    assert (result.path / "accounts" / "111111111111" / REGION / "ec2-describe-vpcs.json").is_file()
    assert not (result.path / "accounts" / ACCOUNT).exists()  # with roles, the caller's account is not read


def test_cli_exits_3_with_the_gap_named(
    aws: Aws,
    estate: Estate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws.deny("rds.DescribeDBInstances")
    monkeypatch.setattr(runner, "base_session", lambda profile: aws.session)
    assert main(["collect", "--region", REGION, "-o", str(tmp_path / "snap")]) == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "INCOMPLETE, 1 failure(s): rds:DescribeDBInstances AccessDenied" in line
