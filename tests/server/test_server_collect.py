"""End to end against a real moto_server: an estate built with the real ``aws`` CLI, collected by
``sgaudit collect`` in a subprocess, and the same estate saved by hand with the CLI; both load to
the same inventory, with every resource present and joined."""

from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from server_helpers import REGION, MotoServer

from sgaudit.inventory import EniOwnerKind, Inventory, load_inventory
from sgaudit.snapshot.manifest import MANIFEST_NAME, Manifest

pytestmark = pytest.mark.server

ACCOUNT = "123456789012"
OFFICE = ("198.51.100.0/24", "203.0.113.0/24")


@dataclass(frozen=True)
class CliEstate:
    """Ids of the estate the CLI built."""

    vpc: str
    subnets: tuple[str, str]
    alb_sg: str
    app_sg: str
    db_sg: str
    prefix_list: str
    nacl: str
    cluster: str
    service: str
    task: str
    task_eni: str
    task_definition: str
    rds_eni: str
    load_balancer: str
    target_group: str
    listener: str
    function: str


def _ingress(server: MotoServer, group: str, port: int, **peer: Any) -> None:
    permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peer}
    server.aws(
        "ec2",
        "authorize-security-group-ingress",
        "--group-id",
        group,
        "--ip-permissions",
        json.dumps([permission]),
    )


def _function_zip(folder: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    path = folder / "function.zip"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> CliEstate:
    """A VPC with two subnets, SGs referencing each other and a prefix list, a custom NACL, a
    Fargate task of a service, RDS PostgreSQL, an ALB and a Lambda in the VPC."""
    aws = moto_server.aws
    vpc = aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    # moto names a task's ENI (privateDnsName) only in a VPC with DNS hostnames.
    aws("ec2", "modify-vpc-attribute", "--vpc-id", vpc, "--enable-dns-hostnames", '{"Value": true}')
    a, b = (
        aws(
            "ec2",
            "create-subnet",
            "--vpc-id",
            vpc,
            "--cidr-block",
            cidr,
            "--availability-zone",
            f"{REGION}{az}",
        )["Subnet"]["SubnetId"]
        for cidr, az in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))
    )
    alb_sg, app_sg, db_sg = (
        aws("ec2", "create-security-group", "--group-name", n, "--description", n, "--vpc-id", vpc)["GroupId"]
        for n in ("alb", "app", "db")
    )
    entries = json.dumps([{"Cidr": c, "Description": "office"} for c in OFFICE])
    prefix_list = aws(
        "ec2", "create-managed-prefix-list", "--prefix-list-name", "office", "--address-family", "IPv4",
        "--max-entries", "5", "--entries", entries,
    )["PrefixList"]["PrefixListId"]  # fmt: skip
    _ingress(moto_server, alb_sg, 443, PrefixListIds=[{"PrefixListId": prefix_list}])
    _ingress(moto_server, app_sg, 8080, UserIdGroupPairs=[{"GroupId": alb_sg}])
    _ingress(moto_server, db_sg, 5432, UserIdGroupPairs=[{"GroupId": app_sg}])

    nacl = aws("ec2", "create-network-acl", "--vpc-id", vpc)["NetworkAcl"]["NetworkAclId"]
    for direction, number, ports in (
        ("--ingress", "100", "From=5432,To=5432"),
        ("--egress", "100", "From=1024,To=65535"),
    ):
        aws(
            "ec2", "create-network-acl-entry", "--network-acl-id", nacl, direction, "--rule-number", number,
            "--protocol", "6", "--port-range", ports, "--cidr-block", "10.0.0.0/16", "--rule-action", "allow",
        )  # fmt: skip
    (current,) = aws(
        "ec2", "describe-network-acls", "--filters", f"Name=association.subnet-id,Values={b}",
        "--query", f"NetworkAcls[].Associations[?SubnetId=='{b}'].NetworkAclAssociationId[]",
    )  # fmt: skip
    aws("ec2", "replace-network-acl-association", "--association-id", current, "--network-acl-id", nacl)

    cluster = aws("ecs", "create-cluster", "--cluster-name", "prod")["cluster"]["clusterArn"]
    containers = [{"name": "api", "image": "nginx", "memory": 256, "portMappings": [{"containerPort": 8080}]}]
    task_definition = aws(
        "ecs", "register-task-definition", "--family", "api", "--network-mode", "awsvpc",
        "--requires-compatibilities", "FARGATE", "--cpu", "256", "--memory", "512",
        "--container-definitions", json.dumps(containers),
    )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
    network = json.dumps(
        {"awsvpcConfiguration": {"subnets": [a], "securityGroups": [app_sg], "assignPublicIp": "DISABLED"}}
    )
    service = aws(
        "ecs", "create-service", "--cluster", "prod", "--service-name", "api", "--task-definition", "api",
        "--desired-count", "1", "--launch-type", "FARGATE", "--network-configuration", network,
    )["service"]["serviceArn"]  # fmt: skip
    # moto starts no task for a service: run the service's task (group service:api) directly.
    (task,) = aws(
        "ecs", "run-task", "--cluster", "prod", "--task-definition", "api", "--launch-type", "FARGATE",
        "--network-configuration", network, "--group", "service:api",
    )["tasks"]  # fmt: skip
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}

    aws(
        "rds", "create-db-subnet-group", "--db-subnet-group-name", "db-subnets",
        "--db-subnet-group-description", "db", "--subnet-ids", a, b,
    )  # fmt: skip
    aws(
        "rds", "create-db-instance", "--db-instance-identifier", "prod-db",
        "--db-instance-class", "db.t3.micro", "--engine", "postgres", "--port", "5432",
        "--master-username", "app", "--master-user-password", "not-a-secret-1", "--allocated-storage", "20",
        "--db-subnet-group-name", "db-subnets", "--vpc-security-group-ids", db_sg,
    )  # fmt: skip
    # moto creates no interface for an RDS instance; AWS does, described like this one.
    rds_eni = aws(
        "ec2",
        "create-network-interface",
        "--subnet-id",
        b,
        "--groups",
        db_sg,
        "--description",
        "RDSNetworkInterface",
    )["NetworkInterface"]["NetworkInterfaceId"]

    load_balancer = aws(
        "elbv2", "create-load-balancer", "--name", "web", "--subnets", a, b, "--security-groups", alb_sg
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = aws(
        "elbv2", "create-target-group", "--name", "api", "--protocol", "HTTP", "--port", "8080",
        "--vpc-id", vpc, "--target-type", "ip",
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    aws(
        "elbv2",
        "register-targets",
        "--target-group-arn",
        target_group,
        "--targets",
        f"Id={details['privateIPv4Address']},Port=8080",
    )
    listener = aws(
        "elbv2", "create-listener", "--load-balancer-arn", load_balancer,
        "--protocol", "HTTP", "--port", "80",
        "--default-actions", f"Type=forward,TargetGroupArn={target_group}",
    )["Listeners"][0]["ListenerArn"]  # fmt: skip

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = aws(
        "iam", "create-role", "--role-name", "resizer", "--assume-role-policy-document", json.dumps(trust)
    )["Role"]["Arn"]
    package = _function_zip(tmp_path_factory.mktemp("lambda"))
    aws(
        "lambda", "create-function", "--function-name", "resizer", "--runtime", "python3.11", "--role", role,
        "--handler", "handler.handler", "--zip-file", f"fileb://{package}",
        "--vpc-config", f"SubnetIds={a},{b},SecurityGroupIds={app_sg}",
    )  # fmt: skip
    return CliEstate(
        vpc=vpc, subnets=(a, b), alb_sg=alb_sg, app_sg=app_sg, db_sg=db_sg, prefix_list=prefix_list,
        nacl=nacl, cluster=cluster, service=service, task=task["taskArn"],
        task_eni=details["networkInterfaceId"], task_definition=task_definition, rds_eni=rds_eni,
        load_balancer=load_balancer, target_group=target_group, listener=listener, function="resizer",
    )  # fmt: skip


@dataclass(frozen=True)
class Collected:
    """What ``sgaudit collect`` wrote and said."""

    path: Path
    exit_code: int
    stderr: str
    inventory: Inventory


@pytest.fixture(scope="module")
def collected(
    moto_server: MotoServer, estate: CliEstate, tmp_path_factory: pytest.TempPathFactory
) -> Collected:
    out = tmp_path_factory.mktemp("collected") / "snapshot"
    done = moto_server.sgaudit("collect", "-o", str(out), "--region", REGION)
    assert done.returncode == 0, done.stderr
    return Collected(out, done.returncode, done.stderr, load_inventory(out))


@pytest.fixture(scope="module")
def hand_made(
    moto_server: MotoServer, estate: CliEstate, tmp_path_factory: pytest.TempPathFactory
) -> Inventory:
    """The same estate saved with `aws ... > file.json` into one folder, without a manifest."""
    folder = tmp_path_factory.mktemp("hand-made")
    aws = moto_server.aws
    task_arns = aws("ecs", "list-tasks", "--cluster", "prod")["taskArns"]
    lists = [p["PrefixListId"] for p in aws("ec2", "describe-managed-prefix-lists")["PrefixLists"]]
    health = (
        f"{{TargetHealth: [{{TargetGroupArn: '{estate.target_group}',"
        " TargetHealthDescriptions: TargetHealthDescriptions}]}"
    )
    commands: list[tuple[str, tuple[str, ...]]] = [
        (f"ec2-{op}.json", ("ec2", op))
        for op in (
            "describe-vpcs", "describe-subnets", "describe-security-groups",
            "describe-security-group-rules", "describe-network-interfaces", "describe-instances",
            "describe-route-tables", "describe-network-acls", "describe-internet-gateways",
            "describe-egress-only-internet-gateways", "describe-nat-gateways",
            "describe-vpc-peering-connections", "describe-vpc-endpoints", "describe-managed-prefix-lists",
        )
    ]  # fmt: skip
    commands += [
        (f"entries-{pl}.json", ("ec2", "get-managed-prefix-list-entries", "--prefix-list-id", pl))
        for pl in lists
    ]
    tags, task_definition = ("--include", "TAGS"), estate.task_definition
    commands += [
        ("clusters.json", ("ecs", "describe-clusters", "--clusters", "prod", *tags)),
        ("services.json", ("ecs", "describe-services", "--cluster", "prod", "--services", "api", *tags)),
        ("tasks.json", ("ecs", "describe-tasks", "--cluster", "prod", "--tasks", *task_arns, *tags)),
        ("task-definition.json", ("ecs", "describe-task-definition", "--task-definition", task_definition)),
        ("db-instances.json", ("rds", "describe-db-instances")),
        ("db-clusters.json", ("rds", "describe-db-clusters")),
        ("db-subnet-groups.json", ("rds", "describe-db-subnet-groups")),
        ("load-balancers.json", ("elbv2", "describe-load-balancers")),
        ("target-groups.json", ("elbv2", "describe-target-groups")),
        ("listeners.json", ("elbv2", "describe-listeners", "--load-balancer-arn", estate.load_balancer)),
        ("target-health.json", ("elbv2", "describe-target-health", "--target-group-arn", estate.target_group,
                                "--query", health)),
        ("functions.json", ("lambda", "list-functions")),
    ]  # fmt: skip
    # Independent CLI processes: run a few at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda c: moto_server.save(folder / c[0], *c[1]), commands))
    assert not (folder / MANIFEST_NAME).exists()
    return load_inventory(folder)


def test_collect_exits_0_with_a_complete_manifest(collected: Collected) -> None:
    assert collected.exit_code == 0
    (line,) = collected.stderr.strip().splitlines()
    assert line.endswith(": complete")
    manifest = Manifest.model_validate_json((collected.path / MANIFEST_NAME).read_text())
    assert manifest.complete
    assert [(s.account, s.region) for s in manifest.scopes] == [(ACCOUNT, REGION)]
    assert collected.inventory.complete
    assert sorted(p.name for p in collected.path.parent.iterdir()) == ["snapshot"]


def test_every_resource_is_present(collected: Collected, estate: CliEstate) -> None:
    inv = collected.inventory
    assert estate.vpc in inv.vpcs
    assert set(estate.subnets) <= set(inv.subnets)
    assert {estate.alb_sg, estate.app_sg, estate.db_sg} <= set(inv.security_groups)
    assert estate.cluster in inv.ecs_clusters and estate.service in inv.ecs_services
    assert estate.task in inv.ecs_tasks and estate.task_definition in inv.task_definitions
    assert "prod-db" in inv.db_instances
    assert estate.load_balancer in inv.load_balancers and estate.target_group in inv.target_groups
    assert estate.listener in inv.listeners
    assert [d.target.id for d in inv.target_health[estate.target_group].target_health_descriptions] == [
        inv.ecs_tasks[estate.task].private_ip
    ]
    function = inv.lambda_functions[estate.function]
    assert function.vpc_config is not None
    assert function.vpc_config.security_group_ids == (estate.app_sg,)
    assert set(function.vpc_config.subnet_ids) == set(estate.subnets)


def test_security_groups_reference_each_other_and_the_prefix_list(
    collected: Collected, estate: CliEstate
) -> None:
    groups = collected.inventory.security_groups
    peers = {
        gid: {(r.peer.kind.value, r.peer.value, r.from_port) for r in groups[gid].ingress}
        for gid in (estate.alb_sg, estate.app_sg, estate.db_sg)
    }
    assert peers == {
        estate.alb_sg: {("prefix_list", estate.prefix_list, 443)},
        estate.app_sg: {("security_group", estate.alb_sg, 8080)},
        estate.db_sg: {("security_group", estate.app_sg, 5432)},
    }


def test_prefix_list_entries_are_attached_to_their_list(collected: Collected, estate: CliEstate) -> None:
    prefix_list = collected.inventory.prefix_lists[estate.prefix_list]
    assert tuple(sorted(e.cidr for e in prefix_list.entries)) == OFFICE


def test_the_task_is_joined_to_its_interface_and_groups(collected: Collected, estate: CliEstate) -> None:
    inv = collected.inventory
    task = inv.ecs_tasks[estate.task]
    assert task.eni_id == estate.task_eni
    eni = inv.network_interfaces[estate.task_eni]
    assert eni.group_ids == (estate.app_sg,)
    assert (eni.owner.kind, eni.owner.resource_id) == (EniOwnerKind.ECS_TASK, estate.task)
    assert task.private_ip in eni.private_ips
    assert [t.task_arn for t in inv.service_tasks(inv.ecs_services[estate.service])] == [estate.task]
    assert estate.task_eni in {e.interface_id for e in inv.members_of(estate.app_sg)}


def test_the_database_has_its_groups_port_and_placements(collected: Collected, estate: CliEstate) -> None:
    inv = collected.inventory
    db = inv.db_instances["prod-db"]
    assert db.security_group_ids == (estate.db_sg,)
    assert db.port == 5432
    assert set(db.subnet_ids) == set(estate.subnets)
    eni = inv.network_interfaces[estate.rds_eni]
    assert (eni.owner.kind, eni.owner.resource_id) == (EniOwnerKind.RDS, "prod-db")


def test_the_custom_nacl_guards_its_subnet(collected: Collected, estate: CliEstate) -> None:
    inv = collected.inventory
    acl = inv.network_acl_for(estate.subnets[1])
    assert acl is not None and acl.network_acl_id == estate.nacl
    default = inv.network_acl_for(estate.subnets[0])
    assert default is not None and default.network_acl_id != estate.nacl


# Where each resource came from differs (a scope folder vs the root); what it is must not.
_WHERE = {"source", "complete", "created_at", "scopes", "global_errors", "resource_scope"}


def _resources(inv: Inventory) -> dict[str, Any]:
    return {f.name: getattr(inv, f.name) for f in fields(inv) if f.name not in _WHERE}


def test_a_hand_made_dump_loads_to_the_same_inventory(collected: Collected, hand_made: Inventory) -> None:
    assert hand_made.complete
    theirs, ours = _resources(hand_made), _resources(collected.inventory)
    assert {k: len(v) for k, v in theirs.items()} == {k: len(v) for k, v in ours.items()}
    for name in ours:
        assert theirs[name] == ours[name], name
    assert {(s.account, s.region) for s in hand_made.scopes} == {(ACCOUNT, REGION)}
