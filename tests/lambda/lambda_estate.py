"""Estates inside moto for the Lambda tests (the handler collects live, so the estate must be in AWS),
and helpers to read what a run left in S3 and SNS."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
BUCKET = "sgaudit-reports"
PREFIX = "sgaudit/"
# One of moto's built-in images: describe_images would load them all, which takes seconds.
AMI = "ami-12c6146b"


def session_for(account: str | None = None, region: str = REGION) -> boto3.Session:
    """A session on moto: the default account, or ``account`` through sts:AssumeRole (moto then
    answers every call from that account's own backend)."""
    if account is None or account == ACCOUNT:
        return boto3.Session(region_name=region)
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/estate-builder", RoleSessionName="estate-builder"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


@dataclass(frozen=True)
class Estate:
    """Ids of the small estate of :func:`build_estate`."""

    vpc_id: str
    public_subnet: str
    private_subnet: str
    web_sg: str
    app_sg: str
    db_sg: str
    instance_id: str


def build_estate(session: boto3.Session) -> Estate:
    """A VPC with a public web instance (tcp/80 open to the world), a Fargate service and an RDS
    PostgreSQL instance whose SG admits the service on tcp/5432 while the service's SG only allows
    egress on 443: the classic half-open reference, so the first run has a high finding."""
    ec2 = session.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{REGION}a")[
        "Subnet"
    ]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.2.0/24", AvailabilityZone=f"{REGION}b")[
        "Subnet"
    ]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    rtb = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public)

    def group(name: str) -> str:
        return str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"])

    web_sg, app_sg, db_sg = group("web"), group("app"), group("db")
    ec2.authorize_security_group_ingress(
        GroupId=web_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    # The service may only call out on 443: its half of the database flow is missing.
    ec2.revoke_security_group_egress(
        GroupId=app_sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.authorize_security_group_egress(
        GroupId=app_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app_sg}]}
        ],
    )
    instance_id = ec2.run_instances(
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": public, "Groups": [web_sg], "AssociatePublicIpAddress": True}
        ],
    )["Instances"][0]["InstanceId"]

    ecs = session.client("ecs")
    ecs.create_cluster(clusterName="prod")
    awsvpc = {"awsvpcConfiguration": {"subnets": [private], "securityGroups": [app_sg]}}
    definition = ecs.register_task_definition(
        family="api",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "api", "image": "nginx", "memory": 256, "portMappings": [{"containerPort": 8080}]}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="prod",
        serviceName="api",
        taskDefinition=definition,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=awsvpc,
    )
    ecs.run_task(
        cluster="prod",
        taskDefinition=definition,
        count=1,
        launchType="FARGATE",
        networkConfiguration=awsvpc,
        group="service:api",
    )

    rds = session.client("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName="db-subnets", DBSubnetGroupDescription="db", SubnetIds=[public, private]
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
        PubliclyAccessible=False,
    )
    return Estate(
        vpc_id=vpc_id,
        public_subnet=public,
        private_subnet=private,
        web_sg=web_sg,
        app_sg=app_sg,
        db_sg=db_sg,
        instance_id=instance_id,
    )


def open_to_world(session: boto3.Session, group_id: str, port: int = 22) -> str:
    """Add a world-open ingress rule; the new rule's id."""
    response = session.client("ec2").authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    return str(response["SecurityGroupRules"][0]["SecurityGroupRuleId"])


@dataclass(frozen=True)
class Outbox:
    """The report bucket and the alert topic, with a queue subscribed to see what was published."""

    topic_arn: str
    queue_url: str

    def messages(self) -> list[dict[str, Any]]:
        """Every SNS notification delivered since the last call (Subject, Message, attributes)."""
        sqs = boto3.client("sqs", region_name=REGION)
        out: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return out
            for message in batch:
                out.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def make_outbox() -> Outbox:
    """Create the report bucket and the topic, subscribe a queue to the topic."""
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    sns = boto3.client("sns", region_name=REGION)
    topic_arn = sns.create_topic(Name="sgaudit-alerts")["TopicArn"]
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return Outbox(topic_arn=topic_arn, queue_url=queue_url)


def keys(prefix: str = "") -> list[str]:
    """Every key of the report bucket under ``prefix``."""
    s3 = boto3.client("s3", region_name=REGION)
    found: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        found += [o["Key"] for o in page.get("Contents", [])]
    return sorted(found)


def get(key: str) -> bytes:
    """One object of the report bucket."""
    return bytes(boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=key)["Body"].read())


def zip_names(data: bytes) -> list[str]:
    """The member names of a zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sorted(archive.namelist())


def zip_json(data: bytes, name: str) -> Any:
    """One JSON member of a zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read(name))


def add_everything_else(session: boto3.Session, estate: Estate) -> None:
    """Give every operation of the collection plan something to describe: a managed prefix list
    (its entries), a load balancer (its listeners, its target group's health), a container instance,
    a Lambda function in the VPC."""
    ec2 = session.client("ec2")
    ec2.create_managed_prefix_list(
        PrefixListName="office", AddressFamily="IPv4", MaxEntries=5, Entries=[{"Cidr": "192.0.2.0/24"}]
    )
    elb = session.client("elbv2")
    lb_arn = elb.create_load_balancer(
        Name="web", Subnets=[estate.public_subnet, estate.private_subnet], SecurityGroups=[estate.web_sg]
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tg_arn = elb.create_target_group(
        Name="api", Protocol="HTTP", Port=8080, VpcId=estate.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": "10.20.2.10", "Port": 8080}])
    elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )
    document = json.dumps({"instanceId": estate.instance_id, "region": REGION, "accountId": ACCOUNT})
    session.client("ecs").register_container_instance(cluster="prod", instanceIdentityDocument=document)
    role = session.client("iam").create_role(
        RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    session.client("lambda").create_function(
        FunctionName="resizer",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
        VpcConfig={"SubnetIds": [estate.private_subnet], "SecurityGroupIds": [estate.app_sg]},
    )
