"""Helpers of the collector tests: a recording harness around moto, snapshot readers, estates."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.core.responses import ActionResult
from moto.ec2.responses import EC2Response

from sgaudit.collect import CollectOptions, CollectResult, collect_snapshot
from sgaudit.collect.plan import PLAN

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


def describe_stale_security_groups(self: EC2Response) -> ActionResult:
    # moto 5 lacks this action (it raises NotImplementedError). An estate where no referenced
    # group was deleted has no stale group, so an empty set is the true answer; unknown VPCs
    # still fail as on AWS.
    self.ec2_backend.get_vpc(self._get_param("VpcId"))
    return ActionResult({"StaleSecurityGroupSet": []})


@dataclass
class Aws:
    """An in-process AWS (moto) and a session whose API calls are recorded."""

    session: boto3.Session
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    params: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    recording: bool = False

    @classmethod
    def create(cls) -> Aws:
        """A fresh session (no hooks but the recorder) on whichever moto is running."""
        harness = cls(session=boto3.Session(region_name=REGION))

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            # before-parameter-build fires once per API call, before any handler can answer it.
            if harness.recording:
                service = model.service_model.service_name
                harness.calls[(service, model.name)] += 1
                harness.params.append((service, model.name, dict(params)))

        harness.session.events.register("before-parameter-build", record)
        return harness

    def client(self, service: str) -> Any:
        """A client for building the estate (its calls are not recorded unless recording)."""
        return self.session.client(service, region_name=REGION)

    def collect(
        self, tmp_path: Path, name: str = "snap", regions: tuple[str, ...] = (REGION,), **options: Any
    ) -> CollectResult:
        """Run a collection into ``tmp_path / name``, recording its calls."""
        self.calls.clear()
        self.params.clear()
        self.recording = True
        try:
            opts = CollectOptions(regions=regions, output=tmp_path / name, **options)
            return collect_snapshot(opts, session=self.session)
        finally:
            self.recording = False

    def deny(
        self,
        event: str,
        code: str = "AccessDenied",
        when: Callable[[dict[str, Any]], bool] | None = None,
        error: Exception | None = None,
    ) -> None:
        """Make calls matching ``event`` (``rds``, ``ecs.ListTasks``) fail with ``code`` or ``error``.

        The hook runs after the recorder, so a refused call still counts as one request.
        """

        def refuse(params: dict[str, Any], model: Any, **_: Any) -> None:
            if when is None or when(params):
                if error is not None:
                    raise error
                raise ClientError(
                    {"Error": {"Code": code, "Message": f"refused by test: {model.name}"}}, model.name
                )

        self.session.events.register(f"before-parameter-build.{event}", refuse)


def read_snapshot(path: Path) -> dict[str, Any]:
    """Every JSON file of a snapshot folder or zip, by relative path."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return {n: json.load(io.BytesIO(archive.read(n))) for n in archive.namelist()}
    return {p.relative_to(path).as_posix(): json.loads(p.read_text()) for p in path.rglob("*.json")}


def scope_files(path: Path) -> dict[str, Any]:
    """The files of the one collected scope, by file name."""
    prefix = f"accounts/{ACCOUNT}/{REGION}/"
    return {k[len(prefix) :]: v for k, v in read_snapshot(path).items() if k.startswith(prefix)}


def lambda_zip() -> bytes:
    """A deployment package moto accepts (it never runs it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class Estate:
    """Ids of a small estate with one of everything the collectors read."""

    vpc_id: str
    subnet_ids: tuple[str, str]
    app_sg: str
    db_sg: str
    prefix_list_id: str
    prefix_cidrs: tuple[str, ...]
    nacl_id: str
    instance_id: str
    cluster_arn: str
    service_arn: str
    task_arns: tuple[str, ...]
    task_definition_arns: tuple[str, ...]
    container_instance_arn: str
    db_instance_id: str
    db_cluster_id: str
    load_balancer_arn: str
    target_group_arn: str
    function_name: str
    transit_gateway_id: str


def build_estate(aws: Aws) -> Estate:
    """One VPC with two subnets, SGs referencing each other, a prefix list, a NACL, gateways, an
    instance, an ECS cluster (service, Fargate tasks, a container instance), RDS, an ALB and a Lambda."""
    ec2 = aws.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    # moto gives ECS task ENIs a private DNS name only in VPCs with DNS hostnames.
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.10.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    )
    app_sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc_id)["GroupId"]
    db_sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc_id)["GroupId"]
    cidrs = ("198.51.100.0/24", "203.0.113.0/24")
    prefix_list_id = ec2.create_managed_prefix_list(
        PrefixListName="office",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": c, "Description": "office"} for c in cidrs],
    )["PrefixList"]["PrefixListId"]
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app_sg}]}
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=app_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListIds": [{"PrefixListId": prefix_list_id}],
            }
        ],
    )
    nacl_id = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=nacl_id,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.10.0.0/16",
        PortRange={"From": 5432, "To": 5432},
    )
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ec2.create_egress_only_internet_gateway(VpcId=vpc_id)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)
    peer_vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=peer_vpc)
    ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway")
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc_id, SubnetIds=[subnets[0]])
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0], SecurityGroupIds=[app_sg]
    )["Instances"][0]["InstanceId"]

    ecs = aws.client("ecs")
    cluster_arn = ecs.create_cluster(clusterName="prod")["cluster"]["clusterArn"]
    awsvpc = {"awsvpcConfiguration": {"subnets": list(subnets), "securityGroups": [app_sg]}}
    definitions = tuple(
        ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {"name": family, "image": "nginx", "memory": 256, "portMappings": [{"containerPort": 8080}]}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        for family in ("api", "worker")
    )
    service_arn = ecs.create_service(
        cluster="prod",
        serviceName="api",
        taskDefinition=definitions[0],
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=awsvpc,
    )["service"]["serviceArn"]
    tasks = [
        t["taskArn"]
        for definition, group in ((definitions[0], "service:api"), (definitions[1], "family:worker"))
        for t in ecs.run_task(
            cluster="prod",
            taskDefinition=definition,
            count=2,
            launchType="FARGATE",
            networkConfiguration=awsvpc,
            group=group,
        )["tasks"]
    ]
    document = json.dumps({"instanceId": instance_id, "region": REGION, "accountId": ACCOUNT})
    container_instance_arn = ecs.register_container_instance(
        cluster="prod", instanceIdentityDocument=document
    )["containerInstance"]["containerInstanceArn"]

    rds = aws.client("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName="db-subnets", DBSubnetGroupDescription="db", SubnetIds=list(subnets)
    )
    rds.create_db_instance(
        DBInstanceIdentifier="prod-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="password123",
        AllocatedStorage=20,
        DBSubnetGroupName="db-subnets",
        VpcSecurityGroupIds=[db_sg],
        Port=5432,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="prod-aurora",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password123",
        DBSubnetGroupName="db-subnets",
        VpcSecurityGroupIds=[db_sg],
    )

    elb = aws.client("elbv2")
    lb_arn = elb.create_load_balancer(Name="web", Subnets=list(subnets), SecurityGroups=[app_sg])[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    tg_arn = elb.create_target_group(Name="api", Protocol="HTTP", Port=8080, VpcId=vpc_id, TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "10.10.1.10", "Port": 8080}])
    elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )

    role = aws.client("iam").create_role(
        RoleName="fn",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    aws.client("lambda").create_function(
        FunctionName="resizer",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": lambda_zip()},
        VpcConfig={"SubnetIds": list(subnets), "SecurityGroupIds": [app_sg]},
    )
    return Estate(
        vpc_id=vpc_id,
        subnet_ids=subnets,  # type: ignore[arg-type]
        app_sg=app_sg,
        db_sg=db_sg,
        prefix_list_id=prefix_list_id,
        prefix_cidrs=cidrs,
        nacl_id=nacl_id,
        instance_id=instance_id,
        cluster_arn=cluster_arn,
        service_arn=service_arn,
        task_arns=tuple(tasks),
        task_definition_arns=definitions,
        container_instance_arn=container_instance_arn,
        db_instance_id="prod-db",
        db_cluster_id="prod-aurora",
        load_balancer_arn=lb_arn,
        target_group_arn=tg_arn,
        function_name="resizer",
        transit_gateway_id=tgw,
    )


_EMULATED = "sgaudit_test_emulated_page"
# What an emulated page holds when the caller sends no limit: small, so a forgotten limit shows.
UNLIMITED_PAGE = 5


def emulate_paging(session: boto3.Session) -> None:
    """Make moto page as AWS does, for every paginated operation of the plan.

    moto ignores most limit parameters and answers everything at once, so request counts would
    prove nothing. These hooks take the limit and token out of the request (moto then returns
    every item) and cut the parsed answer down to one page of at most the limit sent, with an
    opaque token for the next page: AWS's behaviour, in the same botocore pipeline boto3 uses.
    """
    configs = {
        (entry.service, entry.operation): session._session.get_paginator_model(entry.service).get_paginator(
            entry.operation
        )
        for entry in PLAN
        if entry.paginated
    }

    def take_limit(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        config = configs.get((model.service_model.service_name, model.name))
        if config is not None:
            context[_EMULATED] = (
                config,
                params.pop(config["limit_key"], None),
                params.pop(config["input_token"], None),
            )

    def cut_page(parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if _EMULATED not in context:
            return
        config, limit, token = context.pop(_EMULATED)
        assert config["output_token"] not in parsed, f"moto paged {model.name} itself"
        everything = parsed.get(config["result_key"], [])
        start = int(token or 0)
        end = start + (limit or UNLIMITED_PAGE)
        parsed[config["result_key"]] = everything[start:end]
        if end < len(everything):
            parsed[config["output_token"]] = str(end)

    # Last, so the recorder (registered first) still sees the limit the collector sent.
    session.events.register_last("before-parameter-build", take_limit)
    session.events.register("after-call", cut_page)
