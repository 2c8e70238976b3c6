"""Interface ownership: every interface is attributed to the workload that owns it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sgaudit.inventory import EniOwnerKind, load_inventory

ACCT = "111122223333"


def eni(eid: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "NetworkInterfaceId": eid,
        "SubnetId": "subnet-1",
        "VpcId": "vpc-1",
        "OwnerId": ACCT,
        "PrivateIpAddress": "10.0.1.10",
        "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": True}],
        "Groups": [{"GroupId": "sg-1", "GroupName": "x"}],
        "InterfaceType": "interface",
        "Description": "",
    }
    base.update(kw)
    return base


def test_classification(tmp_path: Path) -> None:
    task_arn = f"arn:aws:ecs:us-east-1:{ACCT}:task/prod/abc123"
    docs: dict[str, Any] = {
        "enis.json": {
            "NetworkInterfaces": [
                eni(
                    "eni-task",
                    RequesterManaged=True,
                    Description=f"arn:aws:ecs:us-east-1:{ACCT}:attachment/1111-2222",
                ),
                eni(
                    "eni-rds",
                    RequesterId="amazon-rds",
                    RequesterManaged=True,
                    Description="RDSNetworkInterface",
                ),
                eni(
                    "eni-alb",
                    RequesterId="amazon-elb",
                    RequesterManaged=True,
                    Description="ELB app/web/0123456789abcdef",
                ),
                eni(
                    "eni-nlb",
                    InterfaceType="network_load_balancer",
                    Description="ELB net/edge/fedcba9876543210",
                ),
                eni("eni-fn", InterfaceType="lambda", Description="AWS Lambda VPC ENI-report-job-9f1c"),
                eni("eni-vpce", InterfaceType="vpc_endpoint", Description="VPC Endpoint Interface vpce-0aa"),
                eni("eni-nat", InterfaceType="natGateway", Description="Interface for NAT Gateway nat-0bb"),
                eni(
                    "eni-ec2",
                    Attachment={"InstanceId": "i-0abc", "DeviceIndex": 0},
                    Association={"PublicIp": "203.0.113.10"},
                    PrivateIpAddresses=[
                        {
                            "PrivateIpAddress": "10.0.1.10",
                            "Primary": True,
                            "Association": {"PublicIp": "203.0.113.10"},
                        },
                        {"PrivateIpAddress": "10.0.1.11", "Primary": False},
                    ],
                    Ipv6Addresses=[{"Ipv6Address": "2600:1f18::10"}],
                ),
                eni(
                    "eni-efs",
                    RequesterManaged=True,
                    RequesterId="123",
                    Description="EFS mount target for fs-1",
                ),
                eni("eni-loose", Status="available"),
            ]
        },
        "tasks.json": {
            "tasks": [
                {
                    "taskArn": task_arn,
                    "clusterArn": f"arn:aws:ecs:us-east-1:{ACCT}:cluster/prod",
                    "group": "service:api",
                    "lastStatus": "RUNNING",
                    "attachments": [
                        {
                            "id": "1111-2222",
                            "type": "ElasticNetworkInterface",
                            "details": [{"name": "subnetId", "value": "subnet-1"}],
                        }
                    ],
                }
            ]
        },
        "db.json": {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": "prod-db",
                    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}],
                    "DBSubnetGroup": {
                        "DBSubnetGroupName": "g",
                        "Subnets": [{"SubnetIdentifier": "subnet-1"}],
                    },
                    "Endpoint": {"Address": "prod-db.x.rds.amazonaws.com", "Port": 6543},
                    "DbInstancePort": 0,
                }
            ]
        },
        "lb.json": {
            "LoadBalancers": [
                {
                    "LoadBalancerArn": f"arn:aws:elasticloadbalancing:us-east-1:{ACCT}:loadbalancer/"
                    "app/web/0123456789abcdef",
                    "LoadBalancerName": "web",
                }
            ]
        },
        "fn.json": {"Functions": [{"FunctionName": "report"}, {"FunctionName": "report-job"}]},
        "instances.json": {
            "Reservations": [
                {
                    "Instances": [
                        {
                            "InstanceId": "i-0abc",
                            "SubnetId": "subnet-1",
                            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-ec2"}],
                        },
                        {
                            # An instance whose interface is missing from describe-network-interfaces: the
                            # instance's own interface list still gives its groups and address.
                            "InstanceId": "i-0def",
                            "SubnetId": "subnet-1",
                            "VpcId": "vpc-1",
                            "PrivateIpAddress": "10.0.1.50",
                            "SecurityGroups": [],
                            "NetworkInterfaces": [
                                {
                                    "NetworkInterfaceId": "eni-only-in-instance",
                                    "Groups": [{"GroupId": "sg-9"}],
                                }
                            ],
                        },
                    ]
                }
            ]
        },
    }
    for name, doc in docs.items():
        (tmp_path / name).write_text(json.dumps(doc))
    inv = load_inventory(tmp_path)
    owners = {k: (v.owner.kind, v.owner.resource_id) for k, v in inv.network_interfaces.items()}
    assert owners["eni-task"] == (EniOwnerKind.ECS_TASK, task_arn)
    assert owners["eni-rds"] == (EniOwnerKind.RDS, "prod-db")
    assert owners["eni-alb"][0] is EniOwnerKind.LOAD_BALANCER
    assert owners["eni-alb"][1] is not None and owners["eni-alb"][1].endswith("app/web/0123456789abcdef")
    assert owners["eni-nlb"] == (EniOwnerKind.LOAD_BALANCER, None)
    assert owners["eni-fn"] == (EniOwnerKind.LAMBDA, "report-job")  # longest matching name wins
    assert owners["eni-vpce"] == (EniOwnerKind.VPC_ENDPOINT, "vpce-0aa")
    assert owners["eni-nat"] == (EniOwnerKind.NAT_GATEWAY, "nat-0bb")
    assert owners["eni-ec2"] == (EniOwnerKind.EC2_INSTANCE, "i-0abc")
    assert owners["eni-efs"][0] is EniOwnerKind.AWS_MANAGED
    assert owners["eni-loose"][0] is EniOwnerKind.UNKNOWN
    assert owners["eni-only-in-instance"] == (EniOwnerKind.EC2_INSTANCE, "i-0def")
    ec2 = inv.network_interfaces["eni-ec2"]
    assert ec2.private_ips == ("10.0.1.10", "10.0.1.11")
    assert ec2.public_ips == ("203.0.113.10",)
    assert ec2.ipv6_addresses == ("2600:1f18::10",)
    assert inv.network_interfaces["eni-only-in-instance"].group_ids == ("sg-9",)
    assert inv.members_of("sg-1")[0].interface_id == "eni-alb"
    # The task joins to its ENI through the attachment id in the ENI description.
    assert inv.ecs_tasks[task_arn].service_name == "api"
    # RDS endpoint port, not the engine default.
    assert inv.db_instances["prod-db"].port == 6543


def test_subnet_associations_fall_back_to_main_table_and_default_acl(tmp_path: Path) -> None:
    doc = {
        "Subnets": [
            {"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
            {"SubnetId": "subnet-b", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"},
        ],
        "RouteTables": [
            {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}]},
            {"RouteTableId": "rtb-a", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-a"}]},
        ],
        "NetworkAcls": [
            {"NetworkAclId": "acl-default", "VpcId": "vpc-1", "IsDefault": True},
            {"NetworkAclId": "acl-b", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-b"}]},
        ],
    }
    (tmp_path / "net.json").write_text(json.dumps(doc))
    inv = load_inventory(tmp_path)
    assert inv.subnet_route_table == {"subnet-a": "rtb-a", "subnet-b": "rtb-main"}
    assert inv.subnet_network_acl == {"subnet-a": "acl-default", "subnet-b": "acl-b"}
