"""Builder output has the shapes the AWS CLI prints (botocore output shapes) and parses with
sgaudit's own response models."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from sgaudit.synth import DOCUMENT_KEYS, EstateBuilder
from sgaudit.synth.demo import build_demo_estate
from sgaudit.synth.random_estate import generate_estate

from .estates import kitchen_sink
from .shapes import check, output_member, validate_documents


@pytest.fixture(scope="module")
def estates() -> dict[str, EstateBuilder]:
    return {
        "kitchen": kitchen_sink(),
        "demo": build_demo_estate(),
        "random": generate_estate(7, 600, 80, 700),
    }


@pytest.mark.parametrize("name", ["kitchen", "demo", "random"])
def test_documents_match_botocore_output_shapes(estates: dict[str, EstateBuilder], name: str) -> None:
    errors = validate_documents(estates[name].documents())
    assert errors == []


def test_kitchen_sink_covers_every_document(estates: dict[str, EstateBuilder]) -> None:
    docs = estates["kitchen"].documents()
    assert list(docs) == list(DOCUMENT_KEYS)
    assert [k for k, v in docs.items() if not v] == []


def test_validator_catches_wrong_keys_and_types() -> None:
    # The checker must be able to fail, or the shape tests prove nothing.
    shape = output_member("ec2", "DescribeSecurityGroups", "SecurityGroups")
    errors: list[str] = []
    check(shape, [{"GroupId": 5, "GroupID": "sg-1", "IpPermissions": [{"FromPort": "80"}]}], "x", errors)
    assert len(errors) == 3
    shape = output_member("ec2", "DescribeNetworkInterfaces", "NetworkInterfaces")
    errors = []
    check(shape, [{"InterfaceType": "fargate"}], "x", errors)
    assert errors and "InterfaceType" in errors[0]


def test_required_fields_the_loader_joins_on(estates: dict[str, EstateBuilder]) -> None:
    docs = estates["kitchen"].documents()
    for eni in docs["NetworkInterfaces"]:
        for key in (
            "NetworkInterfaceId",
            "SubnetId",
            "VpcId",
            "Groups",
            "PrivateIpAddress",
            "PrivateIpAddresses",
        ):
            assert key in eni
    for sg in docs["SecurityGroups"]:
        for perm in sg["IpPermissions"] + sg["IpPermissionsEgress"]:
            assert {"IpProtocol", "IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"} <= set(perm)
            assert ("FromPort" in perm) == (perm["IpProtocol"] in ("tcp", "udp", "icmp", "icmpv6"))
    for svc in docs["services"]:
        assert svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
        assert svc["deployments"]
    for db in docs["DBInstances"]:
        assert {"VpcSecurityGroups", "DBSubnetGroup", "Endpoint", "PubliclyAccessible"} <= set(db)
        assert db["DBSubnetGroup"]["Subnets"]


_MODELS: dict[str, tuple[str, str]] = {
    "Vpcs": ("ec2", "Vpc"),
    "Subnets": ("ec2", "Subnet"),
    "SecurityGroups": ("ec2", "SecurityGroupRaw"),
    "SecurityGroupRules": ("ec2", "SecurityGroupRuleRecord"),
    "NetworkInterfaces": ("ec2", "NetworkInterfaceRaw"),
    "Reservations": ("ec2", "Reservation"),
    "RouteTables": ("ec2", "RouteTable"),
    "NetworkAcls": ("ec2", "NetworkAcl"),
    "InternetGateways": ("ec2", "InternetGateway"),
    "EgressOnlyInternetGateways": ("ec2", "EgressOnlyInternetGateway"),
    "NatGateways": ("ec2", "NatGateway"),
    "VpcPeeringConnections": ("ec2", "VpcPeeringConnection"),
    "VpcEndpoints": ("ec2", "VpcEndpoint"),
    "PrefixLists": ("ec2", "ManagedPrefixList"),
    "clusters": ("ecs", "EcsCluster"),
    "services": ("ecs", "EcsService"),
    "tasks": ("ecs", "EcsTaskRaw"),
    "taskDefinitions": ("ecs", "TaskDefinition"),
    "DBInstances": ("rds", "DbInstance"),
    "DBClusters": ("rds", "DbCluster"),
    "DBSubnetGroups": ("rds", "DbSubnetGroup"),
    "LoadBalancers": ("elbv2", "LoadBalancer"),
    "TargetGroups": ("elbv2", "TargetGroup"),
    "TargetHealth": ("elbv2", "TargetHealthRecord"),
    "Listeners": ("elbv2", "Listener"),
    "Functions": ("lambda_", "LambdaFunction"),
}


def test_documents_parse_with_sgaudit_response_models(estates: dict[str, EstateBuilder]) -> None:
    docs = estates["kitchen"].documents()
    for key, (module_name, model_name) in _MODELS.items():
        module = importlib.import_module(f"sgaudit.model.{module_name}")
        model: Any = getattr(module, model_name)
        for item in docs[key]:
            model.model_validate(item)
    # The parsed models see what the builder meant.
    ec2: Any = importlib.import_module("sgaudit.model.ec2")
    ManagedPrefixList, NetworkInterfaceRaw = ec2.ManagedPrefixList, ec2.NetworkInterfaceRaw  # noqa: N806
    lists = {p["PrefixListName"]: ManagedPrefixList.model_validate(p) for p in docs["PrefixLists"]}
    assert lists["hidden"].entry_cidrs is None
    assert lists["corp"].entry_cidrs == ("198.51.100.0/24", "203.0.113.0/24")
    enis = [NetworkInterfaceRaw.model_validate(e) for e in docs["NetworkInterfaces"]]
    assert any(e.ipv4_prefixes for e in enis)
