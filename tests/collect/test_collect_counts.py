"""Request counts over a large estate: the fewest pages and batches AWS allows, nothing more.

moto answers every listing at once, so the estate's session pages as AWS does
(collect_helpers.emulate_paging); the counts are then exactly what a real account would see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import ceil
from typing import Any

import pytest
from collect_helpers import ACCOUNT, REGION, UNLIMITED_PAGE, Aws, emulate_paging, scope_files
from moto.ec2.models import ec2_backends

from sgaudit.collect import CollectResult
from sgaudit.collect.plan import PLAN, spec

STANDALONE_ENIS = 1010  # with the tasks' ENIs: 1,260 interfaces, two pages of 1,000
TASKS = 250
SERVICES = 25
EXTRA_ROUTE_TABLES = 120  # with the VPCs' main tables: two pages of 100
PREFIX_ENTRIES = 150  # two pages of 100


@dataclass(frozen=True)
class Counted:
    """One collection of the large estate, with the requests its session saw."""

    aws: Aws
    result: CollectResult
    files: dict[str, Any]


def _build(aws: Aws) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ec2.create_managed_prefix_list(
        PrefixListName="big",
        AddressFamily="IPv4",
        MaxEntries=PREFIX_ENTRIES,
        Entries=[{"Cidr": f"10.{200 + i // 250}.{i % 250}.0/24"} for i in range(PREFIX_ENTRIES)],
    )
    # Straight into moto's backend: a thousand API round trips would only slow the test down.
    backend = ec2_backends[ACCOUNT][REGION]
    for _ in range(STANDALONE_ENIS):
        backend.create_network_interface(subnet=subnet, private_ip_address=None, group_ids=[sg])
    for _ in range(EXTRA_ROUTE_TABLES):
        backend.create_route_table(vpc_id=vpc)

    ecs = aws.client("ecs")
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}}
    arns = {
        family: ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": family, "image": "nginx", "memory": 256}],
        )["taskDefinition"]["taskDefinitionArn"]
        for family in ("a", "b", "c", "unused")
    }
    for cluster in ("big", "small"):
        ecs.create_cluster(clusterName=cluster)
    for i in range(SERVICES):
        ecs.create_service(
            cluster="big",
            serviceName=f"svc-{i}",
            taskDefinition=arns["a" if i % 2 else "b"],
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=network,
        )
    ecs.create_service(
        cluster="small", serviceName="one", taskDefinition=arns["a"], networkConfiguration=network
    )
    for family, count in (("a", TASKS - 50), ("c", 50)):
        ecs.run_task(
            cluster="big",
            taskDefinition=arns[family],
            count=count,
            launchType="FARGATE",
            networkConfiguration=network,
        )


@pytest.fixture(scope="module")
def counted(moto_aws: None, tmp_path_factory: pytest.TempPathFactory) -> Counted:
    aws = Aws.create()
    _build(aws)
    emulate_paging(aws.session)
    result = aws.collect(tmp_path_factory.mktemp("counted"))
    return Counted(aws, result, scope_files(result.path))


def _pages(n: int, size: int | None) -> int:
    assert size is not None
    return max(1, ceil(n / size))  # an empty listing still takes one request


def _items(counted: Counted, operation: str) -> list[Any]:
    entry = spec(next(e.service for e in PLAN if e.operation == operation), operation)
    assert entry.file_name and entry.output_key
    items = counted.files[entry.file_name][entry.output_key]
    assert isinstance(items, list)
    return items


def minimum_requests(counted: Counted) -> Counter[str]:
    """The fewest requests each operation needs for what the snapshot holds."""
    expected: Counter[str] = Counter()
    tasks = _items(counted, "DescribeTasks")
    services = _items(counted, "DescribeServices")
    clusters = [c["clusterArn"] for c in _items(counted, "DescribeClusters")]
    for entry in PLAN:
        if entry.file_name and not entry.depends_on:
            expected[entry.operation] = _pages(len(_items(counted, entry.operation)), entry.page_size)
    expected["GetManagedPrefixListEntries"] = sum(
        _pages(len(p["Entries"]), 100) for p in _items(counted, "DescribeManagedPrefixLists")
    )
    expected["DescribeStaleSecurityGroups"] = len(_items(counted, "DescribeVpcs"))  # one empty page per VPC
    expected["ListClusters"] = _pages(len(clusters), 100)
    expected["DescribeClusters"] = ceil(len(clusters) / 100)
    for cluster in clusters:
        in_cluster = [t for t in tasks if t["clusterArn"] == cluster]
        services_in = [s for s in services if s["clusterArn"] == cluster]
        expected["ListServices"] += _pages(len(services_in), 100)
        expected["DescribeServices"] += ceil(len(services_in) / 10)
        expected["ListTasks"] += _pages(len(in_cluster), 100)
        expected["DescribeTasks"] += ceil(len(in_cluster) / 100)
        expected["ListContainerInstances"] += 1
    expected["DescribeContainerInstances"] = 0
    distinct = {s["taskDefinition"] for s in services} | {t["taskDefinitionArn"] for t in tasks}
    expected["DescribeTaskDefinition"] = len(distinct)
    expected["DescribeTargetHealth"] = len(_items(counted, "DescribeTargetGroups"))
    expected["DescribeListeners"] = len(_items(counted, "DescribeLoadBalancers"))
    return expected


def test_the_estate_is_large_and_fully_collected(counted: Counted) -> None:
    assert counted.result.manifest.complete
    assert len(_items(counted, "DescribeNetworkInterfaces")) == STANDALONE_ENIS + TASKS > 1000
    assert len(_items(counted, "DescribeTasks")) == TASKS
    assert len(_items(counted, "DescribeServices")) == SERVICES + 1
    assert len(_items(counted, "DescribeRouteTables")) > 100
    (big,) = [p for p in _items(counted, "DescribeManagedPrefixLists") if p.get("PrefixListName") == "big"]
    assert len(big["Entries"]) == PREFIX_ENTRIES
    assert len({t["taskArn"] for t in _items(counted, "DescribeTasks")}) == TASKS  # no page read twice


def test_requests_are_the_minimum_pages_and_batches(counted: Counted) -> None:
    made = Counter({op: n for (service, op), n in counted.aws.calls.items() if service != "sts"})
    assert made == minimum_requests(counted)
    # The headline numbers, spelled out.
    assert made["DescribeNetworkInterfaces"] == 2
    assert made["DescribeRouteTables"] == 2
    assert made["ListTasks"] == ceil(TASKS / 100) + 1  # the small cluster's empty page
    assert made["DescribeTasks"] == ceil(TASKS / 100)
    assert made["DescribeServices"] == ceil(SERVICES / 10) + 1
    assert made["DescribeTaskDefinition"] == 3  # a, b, c: "unused" is named by nothing
    (scope,) = counted.result.manifest.scopes
    assert Counter({c.operation: c.calls for c in scope.calls}) == made


def test_every_request_asks_for_the_largest_page_or_batch(counted: Counted) -> None:
    batches: dict[str, list[int]] = {}
    for service, operation, params in counted.aws.params:
        if service == "sts":
            continue
        entry = spec(service, operation)
        if entry.paginated:
            assert params[entry.page_size_param] == entry.page_size, operation  # type: ignore[index]
        if entry.batch_param:
            batches.setdefault(operation, []).append(len(params[entry.batch_param]))
    assert sorted(batches["DescribeTasks"]) == [50, 100, 100]
    assert sorted(batches["DescribeServices"]) == [1, 5, 10, 10]


def test_the_paging_emulator_pages(counted: Counted) -> None:
    # The counts above prove something only if other limits would page differently.
    ec2 = counted.aws.client("ec2")
    first = ec2.describe_route_tables()
    assert len(first["RouteTables"]) == UNLIMITED_PAGE and first["NextToken"] == str(UNLIMITED_PAGE)
    page = ec2.describe_route_tables(MaxResults=100, NextToken=first["NextToken"])
    assert len(page["RouteTables"]) == 100 and page["NextToken"] == str(UNLIMITED_PAGE + 100)
