"""Invariants every emitted estate must satisfy, checked on hand-built and generated estates."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Any

Docs = dict[str, list[dict[str, Any]]]

_ID_KEYS = {
    "Vpcs": "VpcId",
    "Subnets": "SubnetId",
    "SecurityGroups": "GroupId",
    "SecurityGroupRules": "SecurityGroupRuleId",
    "NetworkInterfaces": "NetworkInterfaceId",
    "RouteTables": "RouteTableId",
    "NetworkAcls": "NetworkAclId",
    "InternetGateways": "InternetGatewayId",
    "NatGateways": "NatGatewayId",
    "VpcPeeringConnections": "VpcPeeringConnectionId",
    "VpcEndpoints": "VpcEndpointId",
    "PrefixLists": "PrefixListId",
    "services": "serviceArn",
    "tasks": "taskArn",
    "taskDefinitions": "taskDefinitionArn",
    "DBInstances": "DBInstanceIdentifier",
    "LoadBalancers": "LoadBalancerArn",
    "TargetGroups": "TargetGroupArn",
    "Listeners": "ListenerArn",
    "Functions": "FunctionName",
}
_ID_FORMAT = re.compile(
    r"^(vpc|subnet|sg|sgr|eni|rtb|acl|igw|nat|pcx|vpce)-0[0-9a-f]{16}$|^pl-[0-9a-f]{8,17}$"
)


def unique_ids(docs: Docs) -> None:
    """Every resource id is unique across the estate and has AWS's format."""
    seen: Counter[str] = Counter()
    for key, id_key in _ID_KEYS.items():
        for item in docs[key]:
            value = item[id_key]
            seen[value] += 1
            if id_key.endswith("Id") and key not in ("DBInstances",):
                assert _ID_FORMAT.match(value), f"{key}: malformed id {value}"
    instances = [i["InstanceId"] for r in docs["Reservations"] for i in r["Instances"]]
    seen.update(instances)
    dupes = [k for k, n in seen.items() if n > 1]
    assert dupes == [], f"duplicate ids: {dupes[:5]}"


def addresses_in_subnets(docs: Docs) -> None:
    """Private IPs lie in their subnet, outside AWS's reserved addresses, and are never reused."""
    subnets = {s["SubnetId"]: s for s in docs["Subnets"]}
    used: set[str] = set()
    used6: set[str] = set()
    for eni in docs["NetworkInterfaces"]:
        subnet = subnets[eni["SubnetId"]]
        net = ipaddress.IPv4Network(subnet["CidrBlock"])
        assert eni["VpcId"] == subnet["VpcId"]
        assert eni["AvailabilityZone"] == subnet["AvailabilityZone"]
        ips = [p["PrivateIpAddress"] for p in eni["PrivateIpAddresses"]]
        assert ips[0] == eni["PrivateIpAddress"]
        assert [p["Primary"] for p in eni["PrivateIpAddresses"]] == [True] + [False] * (len(ips) - 1)
        for ip in ips:
            addr = ipaddress.IPv4Address(ip)
            assert addr in net, f"{ip} outside {net}"
            offset = int(addr) - int(net.network_address)
            assert 4 <= offset <= net.num_addresses - 2, f"{ip} is reserved in {net}"
            assert ip not in used, f"{ip} used twice"
            used.add(ip)
        blocks = [a["Ipv6CidrBlock"] for a in subnet["Ipv6CidrBlockAssociationSet"]]
        for a in eni["Ipv6Addresses"]:
            v6 = ipaddress.IPv6Address(a["Ipv6Address"])
            assert any(v6 in ipaddress.IPv6Network(b) for b in blocks), f"{v6} outside {blocks}"
            assert a["Ipv6Address"] not in used6
            used6.add(a["Ipv6Address"])
        if "Association" in eni:
            assert eni["PrivateIpAddresses"][0]["Association"]["PublicIp"] == eni["Association"]["PublicIp"]
            assert not ipaddress.IPv4Address(eni["Association"]["PublicIp"]).is_private
    for subnet in docs["Subnets"]:
        net = ipaddress.IPv4Network(subnet["CidrBlock"])
        in_subnet = sum(
            len(e["PrivateIpAddresses"])
            for e in docs["NetworkInterfaces"]
            if e["SubnetId"] == subnet["SubnetId"]
        )
        assert subnet["AvailableIpAddressCount"] == net.num_addresses - 5 - in_subnet


def _expand(sg: dict[str, Any]) -> list[tuple[Any, ...]]:
    out = []
    for egress, perms in ((False, sg["IpPermissions"]), (True, sg["IpPermissionsEgress"])):
        for p in perms:
            lo = p.get("FromPort", -1)
            hi = p.get("ToPort", -1)
            base = (sg["GroupId"], egress, p["IpProtocol"], lo, hi)
            out += [(*base, "v4", r["CidrIp"], r.get("Description")) for r in p["IpRanges"]]
            out += [(*base, "v6", r["CidrIpv6"], r.get("Description")) for r in p["Ipv6Ranges"]]
            out += [(*base, "pl", r["PrefixListId"], r.get("Description")) for r in p["PrefixListIds"]]
            out += [
                (*base, "sg", f"{r['UserId']}/{r['GroupId']}", r.get("Description"))
                for r in p["UserIdGroupPairs"]
            ]
    return out


def _rule_tuple(r: dict[str, Any]) -> tuple[Any, ...]:
    base = (r["GroupId"], r["IsEgress"], r["IpProtocol"], r["FromPort"], r["ToPort"])
    if "CidrIpv4" in r:
        peer: tuple[str, str] = ("v4", r["CidrIpv4"])
    elif "CidrIpv6" in r:
        peer = ("v6", r["CidrIpv6"])
    elif "PrefixListId" in r:
        peer = ("pl", r["PrefixListId"])
    else:
        info = r["ReferencedGroupInfo"]
        peer = ("sg", f"{info['UserId']}/{info['GroupId']}")
    return (*base, *peer, r.get("Description"))


def groups_and_rules_agree(docs: Docs) -> None:
    """SecurityGroups (IpPermissions) and SecurityGroupRules describe exactly the same rules."""
    from_groups = Counter(t for sg in docs["SecurityGroups"] for t in _expand(sg))
    from_rules = Counter(_rule_tuple(r) for r in docs["SecurityGroupRules"])
    assert from_groups == from_rules
    assert max(from_rules.values(), default=1) == 1, "a rule appears twice"
    owner = {sg["GroupId"]: sg["OwnerId"] for sg in docs["SecurityGroups"]}
    for r in docs["SecurityGroupRules"]:
        assert r["GroupOwnerId"] == owner[r["GroupId"]]
        assert r["SecurityGroupRuleArn"].endswith(f":security-group-rule/{r['SecurityGroupRuleId']}")


def vpc_defaults(docs: Docs) -> None:
    """Each VPC has its default group, default NACL and main route table with local routes."""
    for vpc in docs["Vpcs"]:
        vid = vpc["VpcId"]
        ipv6 = [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet", [])]
        defaults = [g for g in docs["SecurityGroups"] if g["VpcId"] == vid and g["GroupName"] == "default"]
        assert len(defaults) == 1
        sg = defaults[0]
        assert any(
            p["IpProtocol"] == "-1" and [x["GroupId"] for x in p["UserIdGroupPairs"]] == [sg["GroupId"]]
            for p in sg["IpPermissions"]
        ), "default group must admit itself"
        egress = sg["IpPermissionsEgress"][0]
        assert egress["IpProtocol"] == "-1" and egress["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
        assert bool(egress["Ipv6Ranges"]) == bool(ipv6)
        acls = [a for a in docs["NetworkAcls"] if a["VpcId"] == vid and a["IsDefault"]]
        assert len(acls) == 1
        numbers = sorted((e["Egress"], e["RuleNumber"], e["RuleAction"]) for e in acls[0]["Entries"])
        expected = [
            (False, 100, "allow"),
            (False, 32767, "deny"),
            (True, 100, "allow"),
            (True, 32767, "deny"),
        ]
        if ipv6:
            expected += [
                (False, 101, "allow"),
                (False, 32768, "deny"),
                (True, 101, "allow"),
                (True, 32768, "deny"),
            ]
        assert numbers == sorted(expected)
        mains = [
            t for t in docs["RouteTables"] if t["VpcId"] == vid and any(a["Main"] for a in t["Associations"])
        ]
        assert len(mains) == 1
        locals_ = {
            r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock")
            for r in mains[0]["Routes"]
            if r.get("GatewayId") == "local"
        }
        assert locals_ == {a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"]} | set(ipv6)
    # Every subnet has exactly one NACL, and at most one explicit route table.
    nacl_of = Counter(a["SubnetId"] for n in docs["NetworkAcls"] for a in n["Associations"])
    rtb_of = Counter(a["SubnetId"] for t in docs["RouteTables"] for a in t["Associations"] if "SubnetId" in a)
    for s in docs["Subnets"]:
        assert nacl_of[s["SubnetId"]] == 1
        assert rtb_of[s["SubnetId"]] <= 1


def references_resolve(docs: Docs) -> None:
    """Interfaces name existing groups and subnets; workloads name existing interfaces."""
    groups = {g["GroupId"]: g for g in docs["SecurityGroups"]}
    enis = {e["NetworkInterfaceId"]: e for e in docs["NetworkInterfaces"]}
    for e in enis.values():
        for g in e["Groups"]:
            assert groups[g["GroupId"]]["GroupName"] == g["GroupName"]
            assert groups[g["GroupId"]]["VpcId"] == e["VpcId"]
    for task in docs["tasks"]:
        (att,) = [a for a in task["attachments"] if a["type"] == "ElasticNetworkInterface"]
        details = {d["name"]: d["value"] for d in att["details"]}
        eni = enis[details["networkInterfaceId"]]
        assert eni["Description"].endswith(f":attachment/{att['id']}")
        assert eni["SubnetId"] == details["subnetId"]
        assert eni["PrivateIpAddress"] == details["privateIPv4Address"]
        assert eni["RequesterManaged"] is True and "InstanceId" not in eni.get("Attachment", {})
    for r in docs["Reservations"]:
        for inst in r["Instances"]:
            for ni in inst["NetworkInterfaces"]:
                assert enis[ni["NetworkInterfaceId"]]["Attachment"]["InstanceId"] == inst["InstanceId"]
    eni_ips = {e["PrivateIpAddress"] for e in enis.values()}
    for th in docs["TargetHealth"]:
        for d in th["TargetHealthDescriptions"]:
            target = d["Target"]["Id"]
            assert (
                target.startswith("i-") or target in eni_ips or d["Target"].get("AvailabilityZone") == "all"
            )
