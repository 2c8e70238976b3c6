"""Check emitted JSON against the botocore output shapes of the AWS operations that print it."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import botocore.session

# Document key -> (service, operation, output member). TargetHealth, PrefixLists and
# taskDefinitions are sgaudit's merged forms (DESIGN.md section 2) and are unwrapped first.
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "Vpcs": ("ec2", "DescribeVpcs", "Vpcs"),
    "Subnets": ("ec2", "DescribeSubnets", "Subnets"),
    "SecurityGroups": ("ec2", "DescribeSecurityGroups", "SecurityGroups"),
    "SecurityGroupRules": ("ec2", "DescribeSecurityGroupRules", "SecurityGroupRules"),
    "NetworkInterfaces": ("ec2", "DescribeNetworkInterfaces", "NetworkInterfaces"),
    "Reservations": ("ec2", "DescribeInstances", "Reservations"),
    "RouteTables": ("ec2", "DescribeRouteTables", "RouteTables"),
    "NetworkAcls": ("ec2", "DescribeNetworkAcls", "NetworkAcls"),
    "InternetGateways": ("ec2", "DescribeInternetGateways", "InternetGateways"),
    "EgressOnlyInternetGateways": ("ec2", "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"),
    "NatGateways": ("ec2", "DescribeNatGateways", "NatGateways"),
    "VpcPeeringConnections": ("ec2", "DescribeVpcPeeringConnections", "VpcPeeringConnections"),
    "VpcEndpoints": ("ec2", "DescribeVpcEndpoints", "VpcEndpoints"),
    "PrefixLists": ("ec2", "DescribeManagedPrefixLists", "PrefixLists"),
    "clusters": ("ecs", "DescribeClusters", "clusters"),
    "services": ("ecs", "DescribeServices", "services"),
    "tasks": ("ecs", "DescribeTasks", "tasks"),
    "DBInstances": ("rds", "DescribeDBInstances", "DBInstances"),
    "DBClusters": ("rds", "DescribeDBClusters", "DBClusters"),
    "DBSubnetGroups": ("rds", "DescribeDBSubnetGroups", "DBSubnetGroups"),
    "LoadBalancers": ("elbv2", "DescribeLoadBalancers", "LoadBalancers"),
    "TargetGroups": ("elbv2", "DescribeTargetGroups", "TargetGroups"),
    "Listeners": ("elbv2", "DescribeListeners", "Listeners"),
    "Functions": ("lambda", "ListFunctions", "Functions"),
}


# Values the real CLI prints although botocore's enum spells them otherwise.
KNOWN_ENUM_QUIRKS = {
    ("AttachmentStatus", "available"),  # describe-internet-gateways: "State": "available"
    ("State", "available"),  # describe-vpc-endpoints: "State": "available"
    ("PlatformValues", "windows"),  # describe-instances: "Platform": "windows"
}


@cache
def _session() -> Any:
    return botocore.session.get_session()


@cache
def output_member(service: str, operation: str, member: str) -> Any:
    """The botocore shape of one member of an operation's output."""
    model = _session().get_service_model(service)
    return model.operation_model(operation).output_shape.members[member]


def check(shape: Any, value: Any, path: str, errors: list[str]) -> None:
    """Append to ``errors`` every key ``value`` has that ``shape`` lacks, and every wrong type."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
            return
        for key, item in value.items():
            if key not in shape.members:
                errors.append(f"{path}.{key}: not a member of {shape.name}")
                continue
            check(shape.members[key], item, f"{path}.{key}", errors)
    elif kind == "list":
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            check(shape.member, item, f"{path}[{index}]", errors)
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for key, item in value.items():
            check(shape.value, item, f"{path}[{key!r}]", errors)
    elif kind == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {value!r}")
        elif shape.enum and value not in shape.enum and (shape.name, value) not in KNOWN_ENUM_QUIRKS:
            errors.append(f"{path}: {value!r} is not one of {shape.name}'s values")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected a boolean, got {value!r}")
    elif kind == "timestamp":
        if not isinstance(value, str):
            errors.append(f"{path}: expected an ISO timestamp string, got {value!r}")
        else:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                errors.append(f"{path}: {value!r} is not an ISO timestamp")
    elif kind in ("double", "float") and (not isinstance(value, int | float) or isinstance(value, bool)):
        errors.append(f"{path}: expected a number, got {value!r}")


def validate_documents(docs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every shape error in a builder's documents."""
    errors: list[str] = []
    for key, items in docs.items():
        if key == "taskDefinitions":
            shape = output_member("ecs", "DescribeTaskDefinition", "taskDefinition")
            for index, item in enumerate(items):
                check(shape, item, f"taskDefinitions[{index}]", errors)
            continue
        if key == "TargetHealth":
            shape = output_member("elbv2", "DescribeTargetHealth", "TargetHealthDescriptions")
            for index, item in enumerate(items):
                if not isinstance(item.get("TargetGroupArn"), str):
                    errors.append(f"TargetHealth[{index}]: no TargetGroupArn")
                check(shape, item.get("TargetHealthDescriptions"), f"TargetHealth[{index}]", errors)
            continue
        service, operation, member = OPERATIONS[key]
        shape = output_member(service, operation, member)
        plain = items
        if key == "PrefixLists":
            entries = output_member("ec2", "GetManagedPrefixListEntries", "Entries")
            plain = []
            for index, item in enumerate(items):
                if "Entries" in item:
                    check(entries, item["Entries"], f"PrefixLists[{index}].Entries", errors)
                plain.append({k: v for k, v in item.items() if k != "Entries"})
        check(shape, plain, key, errors)
    return errors
