"""The collection plan against the botocore service model and the snapshot contract."""

from __future__ import annotations

import re
from functools import cache

import boto3
import pytest

from sgaudit.collect.plan import DESCRIBE_REGIONS, PLAN, OperationSpec, dependents, iam_actions, spec

READ_ONLY = re.compile(r"^(Describe|List|Get)[A-Z]")

# Page sizes the APIs document as their maximum where the botocore model states none
# (reference/aws-network-facts.md section 3; Lambda returns at most 50 whatever MaxItems says).
DOCUMENTED_MAXIMUM = {
    "DescribeInstances": 1000,
    "DescribeVpcEndpoints": 1000,
    "ListClusters": 100,
    "ListServices": 100,
    "ListTasks": 100,
    "ListContainerInstances": 100,
    "DescribeDBInstances": 100,
    "DescribeDBClusters": 100,
    "DescribeDBSubnetGroups": 100,
    "ListFunctions": 50,
}

# The brief's named limits, restated so a change to the plan has to change this test too.
EXPECTED_LIMITS = {
    "DescribeSecurityGroups": 1000,
    "DescribeNetworkInterfaces": 1000,
    "DescribeRouteTables": 100,
    "DescribeDBInstances": 100,
    "ListServices": 100,
    "ListTasks": 100,
    "DescribeLoadBalancers": 400,
    "DescribeTargetGroups": 400,
    "ListFunctions": 50,
    "GetManagedPrefixListEntries": 100,
    "DescribeStaleSecurityGroups": 255,
}
EXPECTED_BATCHES = {
    "DescribeServices": 10,
    "DescribeTasks": 100,
    "DescribeClusters": 100,
    "DescribeContainerInstances": 100,
}

# DESIGN.md section 2 and the collect brief: the top-level key of every snapshot file.
SNAPSHOT_KEYS = {
    "SecurityGroups", "SecurityGroupRules", "NetworkInterfaces", "Reservations", "Subnets", "Vpcs",
    "RouteTables", "NetworkAcls", "InternetGateways", "EgressOnlyInternetGateways", "NatGateways",
    "VpcPeeringConnections", "VpcEndpoints", "PrefixLists", "StaleSecurityGroupSet", "TransitGateways",
    "TransitGatewayAttachments", "clusters", "services", "tasks", "taskDefinitions", "containerInstances",
    "DBInstances", "DBClusters", "DBSubnetGroups", "LoadBalancers", "TargetGroups", "TargetHealth",
    "Listeners", "Functions",
}  # fmt: skip


@cache
def _client(service: str) -> object:
    return boto3.Session(aws_access_key_id="x", aws_secret_access_key="x").client(
        service, region_name="us-east-1"
    )


@pytest.mark.parametrize("entry", PLAN, ids=lambda e: e.iam_action)
def test_entry_matches_the_botocore_model(entry: OperationSpec) -> None:
    client = _client(entry.service)
    model = client.meta.service_model.operation_model(entry.operation)  # type: ignore[attr-defined]
    assert client.meta.method_to_api_mapping[entry.method] == entry.operation  # type: ignore[attr-defined]
    if entry.paginated:
        assert client.can_paginate(entry.method)  # type: ignore[attr-defined]
        config = client.get_paginator(entry.method)._pagination_cfg  # type: ignore[attr-defined]
        assert config["limit_key"] == entry.page_size_param
        assert config["result_key"] == entry.result_key
        model_max = model.input_shape.members[entry.page_size_param].metadata.get("max")
        if entry.operation in DOCUMENTED_MAXIMUM:
            assert entry.page_size == DOCUMENTED_MAXIMUM[entry.operation]
        else:
            assert entry.page_size == model_max, "page size must be the API's maximum"
    else:
        assert entry.page_size is None
        assert entry.result_key in model.output_shape.members
    if entry.batch_param is not None:
        assert model.input_shape.members[entry.batch_param].type_name == "list"
        assert entry.batch_size == EXPECTED_BATCHES[entry.operation]
    for name, _ in entry.params:
        assert name in model.input_shape.members


def test_named_limits_are_the_maxima() -> None:
    assert {op: spec_of(op).page_size for op in EXPECTED_LIMITS} == EXPECTED_LIMITS
    assert {op: spec_of(op).batch_size for op in EXPECTED_BATCHES} == EXPECTED_BATCHES


def spec_of(operation: str) -> OperationSpec:
    return next(e for e in PLAN if e.operation == operation)


def test_plan_is_read_only() -> None:
    for entry in (*PLAN, DESCRIBE_REGIONS):
        assert READ_ONLY.match(entry.operation), entry.operation
    actions = iam_actions()
    assert actions == sorted(set(actions))
    assert all(READ_ONLY.match(a.split(":", 1)[1]) for a in actions)
    assert {"ec2:DescribeSecurityGroups", "ec2:GetManagedPrefixListEntries", "ec2:DescribeRegions"} <= set(
        actions
    )
    assert "elasticloadbalancing:DescribeTargetHealth" in actions
    assert not any(a.startswith("elbv2:") for a in actions)
    assert len(actions) == len(PLAN) + 1


def test_every_snapshot_file_has_a_known_key_and_a_unique_name() -> None:
    filed = [e for e in PLAN if e.file_name]
    assert {e.output_key for e in filed} == SNAPSHOT_KEYS
    assert len({e.file_name for e in filed}) == len(filed)
    for entry in PLAN:
        assert (entry.file_name is None) == (entry.output_key is None)


def test_dependencies_name_plan_operations_of_the_same_service() -> None:
    for entry in PLAN:
        for parent in entry.depends_on:
            assert spec(entry.service, parent).operation == parent
    ecs_rest = {e.operation for e in PLAN if e.service == "ecs"} - {"ListClusters"}
    assert {d.operation for d in dependents(spec("ecs", "ListClusters"))} == ecs_rest
    assert {d.operation for d in dependents(spec("ecs", "ListTasks"))} == {
        "DescribeTasks",
        "DescribeTaskDefinition",
    }
    assert dependents(spec("ec2", "DescribeSecurityGroups")) == []
    with pytest.raises(KeyError):
        spec("ec2", "RunInstances")
