"""EstateBuilder: ids, addresses, rules and the resources AWS creates on its own."""

from __future__ import annotations

import ipaddress
import json

import pytest

from sgaudit.errors import SgauditError
from sgaudit.synth import EstateBuilder, EstateBuildError, NaclEntry

from . import invariants
from .estates import kitchen_sink


@pytest.fixture(scope="module")
def docs() -> invariants.Docs:
    return kitchen_sink().documents()


@pytest.mark.parametrize(
    "check",
    [
        invariants.unique_ids,
        invariants.addresses_in_subnets,
        invariants.groups_and_rules_agree,
        invariants.vpc_defaults,
        invariants.references_resolve,
    ],
)
def test_kitchen_sink_invariants(docs: invariants.Docs, check: object) -> None:
    check(docs)  # type: ignore[operator]


def test_invariants_can_fail(docs: invariants.Docs) -> None:
    broken = json.loads(json.dumps(docs))
    broken["SecurityGroupRules"].pop()
    with pytest.raises(AssertionError):
        invariants.groups_and_rules_agree(broken)
    broken = json.loads(json.dumps(docs))
    broken["NetworkInterfaces"][1]["PrivateIpAddresses"][0]["PrivateIpAddress"] = broken["NetworkInterfaces"][
        0
    ]["PrivateIpAddress"]
    with pytest.raises(AssertionError):
        invariants.addresses_in_subnets(broken)


def _small() -> tuple[EstateBuilder, object, object]:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16", name="v")
    subnet = b.subnet(vpc, "10.0.0.0/28", az="us-east-1a")
    return b, vpc, subnet


def test_ids_have_aws_shapes_and_are_deterministic() -> None:
    a, b = EstateBuilder(seed=5), EstateBuilder(seed=5)
    va, vb = a.vpc("10.0.0.0/16"), b.vpc("10.0.0.0/16")
    assert va == vb
    assert va.vpc_id.startswith("vpc-0") and len(va.vpc_id) == len("vpc-") + 17
    other = EstateBuilder(seed=6).vpc("10.0.0.0/16")
    assert other.vpc_id != va.vpc_id
    # Two accounts get different ids without any seed.
    assert (
        EstateBuilder(account="111111111111").vpc("10.0.0.0/16").vpc_id
        != EstateBuilder(account="222222222222").vpc("10.0.0.0/16").vpc_id
    )


def test_addresses_skip_reserved_and_run_out() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    subnet = b.subnet(vpc, "10.0.0.0/28")
    got = {b.eni(subnet).private_ip for _ in range(11)}
    assert got == {f"10.0.0.{n}" for n in range(4, 15)}
    with pytest.raises(EstateBuildError, match="no free address"):
        b.eni(subnet)


def test_explicit_addresses_are_checked() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    subnet = b.subnet(vpc, "10.0.1.0/24")
    assert b.eni(subnet, private_ip="10.0.1.50").private_ip == "10.0.1.50"
    with pytest.raises(EstateBuildError, match="already in use"):
        b.eni(subnet, private_ip="10.0.1.50")
    with pytest.raises(EstateBuildError, match="not a usable address"):
        b.eni(subnet, private_ip="10.0.1.2")
    with pytest.raises(EstateBuildError, match="not a usable address"):
        b.eni(subnet, private_ip="10.0.2.9")
    # Automatic allocation never hands out the explicit address.
    assert all(b.eni(subnet).private_ip != "10.0.1.50" for _ in range(200))


def test_cidr_checks() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    b.subnet(vpc, "10.0.1.0/24")
    with pytest.raises(EstateBuildError, match="outside VPC"):
        b.subnet(vpc, "10.1.0.0/24")
    with pytest.raises(EstateBuildError, match="overlaps"):
        b.subnet(vpc, "10.0.1.128/25")
    with pytest.raises(EstateBuildError, match="IPv6"):
        b.subnet(vpc, "10.0.2.0/24", ipv6="2600::/64")
    with pytest.raises(EstateBuildError, match="between /16 and /28"):
        b.vpc("10.0.0.0/8")
    assert issubclass(EstateBuildError, SgauditError)


def test_rules_group_into_permissions_like_aws() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    web = b.security_group(vpc, "web")
    app = b.security_group(vpc, "app", allow_all_egress=False)
    ids = b.ingress(app, "tcp", 8080, cidr=["10.0.1.0/24", "10.0.2.7/24"], sg=web)
    ids += b.ingress(app, "6", 8080, 8080, cidr6="2600:1f18::/56")
    assert len(ids) == 4 and len(set(ids)) == 4 and all(i.startswith("sgr-0") for i in ids)
    docs = b.documents()
    (group,) = [g for g in docs["SecurityGroups"] if g["GroupName"] == "app"]
    assert group["IpPermissionsEgress"] == []
    (perm,) = group["IpPermissions"]
    assert perm["IpProtocol"] == "tcp" and (perm["FromPort"], perm["ToPort"]) == (8080, 8080)
    # CIDRs come back canonical.
    assert [r["CidrIp"] for r in perm["IpRanges"]] == ["10.0.1.0/24", "10.0.2.0/24"]
    assert perm["UserIdGroupPairs"] == [{"UserId": b.account, "GroupId": web.group_id}]
    assert [r["CidrIpv6"] for r in perm["Ipv6Ranges"]] == ["2600:1f18::/56"]
    rules = [r for r in docs["SecurityGroupRules"] if r["GroupId"] == app.group_id]
    assert [r["SecurityGroupRuleId"] for r in rules] == list(ids)
    assert rules[2]["ReferencedGroupInfo"] == {"GroupId": web.group_id, "UserId": b.account}
    with pytest.raises(EstateBuildError, match="Duplicate"):
        b.ingress(app, "tcp", 8080, cidr="10.0.1.0/24")
    with pytest.raises(EstateBuildError, match="needs a peer"):
        b.egress(app, "tcp", 1)
    with pytest.raises(EstateBuildError, match="needs a port"):
        b.egress(app, "udp", cidr="0.0.0.0/0")
    with pytest.raises(EstateBuildError, match="cidr6"):
        b.egress(app, "tcp", 1, cidr="::/0")


def test_protocol_ports_as_aws_prints_them() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    sg = b.security_group(vpc, "x", allow_all_egress=False)
    b.ingress(sg, "all", cidr="10.0.0.0/8")
    b.ingress(sg, 1, cidr="10.0.0.0/8")
    b.ingress(sg, "icmp", 3, 4, cidr="10.1.0.0/16")
    b.ingress(sg, "47", cidr="10.0.0.0/8")
    docs = b.documents()
    (group,) = [g for g in docs["SecurityGroups"] if g["GroupName"] == "x"]
    perms = {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in group["IpPermissions"]}
    assert perms == {("-1", None, None), ("icmp", -1, -1), ("icmp", 3, 4), ("47", None, None)}
    rules = {
        (r["IpProtocol"], r["FromPort"], r["ToPort"])
        for r in docs["SecurityGroupRules"]
        if r["GroupId"] == sg.group_id
    }
    assert rules == {("-1", -1, -1), ("icmp", -1, -1), ("icmp", 3, 4), ("47", -1, -1)}


def test_cross_vpc_and_cross_account_references(docs: invariants.Docs) -> None:
    rules = [r for r in docs["SecurityGroupRules"] if "ReferencedGroupInfo" in r]
    infos = [r["ReferencedGroupInfo"] for r in rules]
    assert {"GroupId": "sg-0123456789abcdef0", "UserId": "999988887777"} in infos
    peered = [i for i in infos if "VpcPeeringConnectionId" in i]
    assert peered and peered[0]["PeeringStatus"] == "active" and peered[0]["VpcId"]
    stale = [i for i in infos if i["GroupId"] == "sg-0ffffffffffffffff"]
    assert stale == [{"GroupId": "sg-0ffffffffffffffff", "UserId": "222233334444"}]


def test_custom_nacl_entries(docs: invariants.Docs) -> None:
    (acl,) = [a for a in docs["NetworkAcls"] if not a["IsDefault"] and a["VpcId"] == docs["Vpcs"][0]["VpcId"]]
    entries = acl["Entries"]
    # Egress entries first, each direction by rule number, and the '*' rules of both families.
    assert [(e["Egress"], e["RuleNumber"]) for e in entries] == [
        (True, 100),
        (True, 32767),
        (True, 32768),
        (False, 100),
        (False, 110),
        (False, 120),
        (False, 32767),
        (False, 32768),
    ]
    by = {(e["Egress"], e["RuleNumber"]): e for e in entries}
    assert by[(False, 100)] == {
        "CidrBlock": "10.1.10.0/23",
        "Egress": False,
        "PortRange": {"From": 5432, "To": 5432},
        "Protocol": "6",
        "RuleAction": "allow",
        "RuleNumber": 100,
    }
    assert by[(False, 110)]["IcmpTypeCode"] == {"Code": 4, "Type": 3} and by[(False, 110)]["Protocol"] == "1"
    assert by[(False, 120)]["Ipv6CidrBlock"] == "::/0" and by[(False, 120)]["RuleAction"] == "deny"
    assert len(acl["Associations"]) == 2
    with pytest.raises(ValueError, match="exactly one"):
        NaclEntry(number=1, direction="ingress", protocol="tcp")


def test_fargate_service_shapes() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    s1 = b.subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    s2 = b.subnet(vpc, "10.0.2.0/24", az="us-east-1b")
    sg = b.security_group(vpc, "api")
    new = b.security_group(vpc, "api-v2")
    svc = b.fargate_service(
        cluster="prod",
        name="api",
        subnets=[s1, s2],
        groups=[new],
        task_groups=[sg],
        tasks=3,
        assign_public_ip=True,
        env={"K": "v"},
        secrets={"P": "arn:aws:ssm:us-east-1:111122223333:parameter/p"},
    )
    assert svc.selector == "ecs:prod/api" and len(svc.tasks) == 3
    assert [t.eni.subnet_id for t in svc.tasks] == [s1.subnet_id, s2.subnet_id, s1.subnet_id]
    assert all(t.eni.public_ip for t in svc.tasks) and all(
        t.eni.group_ids == (sg.group_id,) for t in svc.tasks
    )
    docs = b.documents()
    (service,) = docs["services"]
    assert service["serviceArn"] == "arn:aws:ecs:us-east-1:111122223333:service/prod/api"
    config = service["networkConfiguration"]["awsvpcConfiguration"]
    assert config == {
        "subnets": [s1.subnet_id, s2.subnet_id],
        "securityGroups": [new.group_id],
        "assignPublicIp": "ENABLED",
    }
    statuses = [
        (d["status"], d["runningCount"], d["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"])
        for d in service["deployments"]
    ]
    assert statuses == [("PRIMARY", 0, [new.group_id]), ("ACTIVE", 3, [sg.group_id])]
    task = docs["tasks"][0]
    assert task["group"] == "service:api" and task["lastStatus"] == "RUNNING"
    assert task["startedBy"] == service["deployments"][1]["id"]
    (td,) = docs["taskDefinitions"]
    assert td["networkMode"] == "awsvpc" and td["requiresCompatibilities"] == ["FARGATE"]
    container = td["containerDefinitions"][0]
    assert container["portMappings"][0]["containerPort"] == 8080
    assert container["environment"] == [{"name": "K", "value": "v"}]
    assert container["secrets"] == [
        {"name": "P", "valueFrom": "arn:aws:ssm:us-east-1:111122223333:parameter/p"}
    ]
    eni = next(e for e in docs["NetworkInterfaces"] if e["NetworkInterfaceId"] == svc.tasks[0].eni.eni_id)
    assert eni["Association"]["IpOwnerId"] == "amazon"
    # No groups: ECS leaves securityGroups out and the tasks get the default group.
    bare = b.fargate_service(cluster="prod", name="bare", subnets=[s1], groups=None)
    assert bare.tasks[0].eni.group_ids == (vpc.default_group.group_id,)
    service = b.documents()["services"][1]
    assert "securityGroups" not in service["networkConfiguration"]["awsvpcConfiguration"]
    with pytest.raises(EstateBuildError, match="already exists"):
        b.fargate_service(cluster="prod", name="bare", subnets=[s1], groups=None)


def test_rds_alb_lambda_nat_interfaces(docs: invariants.Docs) -> None:
    by_desc: dict[str, list[dict[str, object]]] = {}
    for e in docs["NetworkInterfaces"]:
        by_desc.setdefault(str(e["Description"]).split("/")[0].split("-")[0], []).append(e)
    rds = [e for e in docs["NetworkInterfaces"] if e["Description"] == "RDSNetworkInterface"]
    assert len(rds) == 4 and all(e["RequesterId"] == "amazon-rds" and e["RequesterManaged"] for e in rds)
    public_db = next(d for d in docs["DBInstances"] if d["DBInstanceIdentifier"] == "public-mysql")
    assert public_db["PubliclyAccessible"] is True and public_db["Endpoint"]["Port"] == 3306
    assert public_db["AvailabilityZone"] == "eu-west-1b"
    assert any("Association" in e for e in rds)
    albs = [e for e in docs["NetworkInterfaces"] if str(e["Description"]).startswith("ELB app/front/")]
    assert len(albs) == 2 and all(
        e["RequesterId"] == "amazon-elb" and e["InterfaceType"] == "interface" for e in albs
    )
    assert all(e["Ipv6Addresses"] and "Association" in e for e in albs)
    nlbs = [e for e in docs["NetworkInterfaces"] if str(e["Description"]).startswith("ELB net/internal-nlb/")]
    assert len(nlbs) == 2 and all(
        e["InterfaceType"] == "network_load_balancer" and e["Groups"] == [] for e in nlbs
    )
    lambdas = [e for e in docs["NetworkInterfaces"] if e["InterfaceType"] == "lambda"]
    # fn1 and fn2 share one interface per subnet.
    assert len(lambdas) == 2 and all(
        str(e["Description"]).startswith("AWS Lambda VPC ENI-fn1-") for e in lambdas
    )
    nat = [e for e in docs["NetworkInterfaces"] if e["InterfaceType"] == "natGateway"]
    assert len(nat) == 1 and nat[0]["SourceDestCheck"] is False
    (gw,) = docs["NatGateways"]
    assert gw["NatGatewayAddresses"][0]["NetworkInterfaceId"] == nat[0]["NetworkInterfaceId"]
    assert gw["NatGatewayAddresses"][0]["PublicIp"] == nat[0]["Association"]["PublicIp"]
    vpce = [e for e in docs["NetworkInterfaces"] if e["InterfaceType"] == "vpc_endpoint"]
    assert len(vpce) == 2
    health = {th["TargetGroupArn"]: th["TargetHealthDescriptions"] for th in docs["TargetHealth"]}
    front_tg = next(t for t in docs["TargetGroups"] if t["TargetGroupName"] == "front-tg")
    assert front_tg["TargetType"] == "ip" and front_tg["LoadBalancerArns"]
    task_ips = sorted(
        d["value"]
        for t in docs["tasks"]
        if t["group"] == "service:app"
        for a in t["attachments"]
        for d in a["details"]
        if d["name"] == "privateIPv4Address"
    )
    assert sorted(h["Target"]["Id"] for h in health[front_tg["TargetGroupArn"]]) == task_ips
    assert all(h["Target"]["Port"] == 8080 for h in health[front_tg["TargetGroupArn"]])
    (svc,) = [s for s in docs["services"] if s["serviceName"] == "app"]
    assert svc["loadBalancers"] == [
        {"targetGroupArn": front_tg["TargetGroupArn"], "containerName": "app", "containerPort": 8080}
    ]
    (cluster,) = docs["DBClusters"]
    assert isinstance(cluster["DBSubnetGroup"], str) and len(cluster["DBClusterMembers"]) == 2


def test_ec2_instances(docs: invariants.Docs) -> None:
    instances = {i["Tags"][0]["Value"]: i for r in docs["Reservations"] for i in r["Instances"]}
    bastion = instances["bastion"]
    eni = next(
        e
        for e in docs["NetworkInterfaces"]
        if e["NetworkInterfaceId"] == bastion["NetworkInterfaces"][0]["NetworkInterfaceId"]
    )
    assert bastion["PublicIpAddress"] == eni["Association"]["PublicIp"]
    assert eni["Association"]["AllocationId"].startswith("eipalloc-0")
    multi = instances["multi"]
    assert multi["SecurityGroups"] == [] and len(multi["NetworkInterfaces"]) == 2
    assert [n["Attachment"]["DeviceIndex"] for n in multi["NetworkInterfaces"]] == [0, 1]
    assert (
        instances["stopped"]["State"]["Name"] == "stopped" and "PublicIpAddress" not in instances["stopped"]
    )
    assert instances["stopped"]["PrivateIpAddress"] == "10.1.10.200"


def test_routes(docs: invariants.Docs) -> None:
    private = next(t for t in docs["RouteTables"] if any(x["Value"] == "private" for x in t["Tags"]))
    targets = {
        r.get("DestinationCidrBlock")
        or r.get("DestinationIpv6CidrBlock")
        or r.get("DestinationPrefixListId"): r
        for r in private["Routes"]
    }
    assert targets["0.0.0.0/0"]["NatGatewayId"].startswith("nat-0")
    assert targets["::/0"]["EgressOnlyInternetGatewayId"].startswith("eigw-0")
    assert targets["10.2.0.0/16"]["VpcPeeringConnectionId"].startswith("pcx-0")
    assert targets["192.168.0.0/16"]["TransitGatewayId"] == "tgw-0123456789abcdef0"
    assert targets["172.31.0.0/16"]["State"] == "blackhole"
    s3 = next(p for p in docs["PrefixLists"] if p["PrefixListName"].endswith(".s3"))
    assert targets[s3["PrefixListId"]]["GatewayId"].startswith("vpce-0") and s3["OwnerId"] == "AWS"
    assert sum(1 for a in private["Associations"] if "SubnetId" in a) == 2


def test_reassociation_moves_subnets() -> None:
    b = EstateBuilder()
    vpc = b.vpc("10.0.0.0/16")
    s = b.subnet(vpc, "10.0.1.0/24")
    t1 = b.route_table(vpc, subnets=[s])
    t2 = b.route_table(vpc, subnets=[s])
    acl = b.network_acl(vpc, subnets=[s])
    docs = b.documents()
    tables = {
        t["RouteTableId"]: [a.get("SubnetId") for a in t["Associations"] if not a["Main"]]
        for t in docs["RouteTables"]
    }
    assert tables[t1.route_table_id] == [] and tables[t2.route_table_id] == [s.subnet_id]
    acls = {a["NetworkAclId"]: [x["SubnetId"] for x in a["Associations"]] for a in docs["NetworkAcls"]}
    assert acls == {vpc.default_network_acl_id: [], acl.network_acl_id: [s.subnet_id]}


def test_public_ips_are_public_and_unique(docs: invariants.Docs) -> None:
    ips = [e["Association"]["PublicIp"] for e in docs["NetworkInterfaces"] if "Association" in e]
    assert len(ips) == len(set(ips)) >= 5
    assert all(ipaddress.IPv4Address(ip).is_global for ip in ips)
