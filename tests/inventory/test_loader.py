"""Snapshot loading: layouts, zips, hand-made dumps, and one-line errors naming file and field."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sgaudit.cli import main
from sgaudit.errors import SnapshotError
from sgaudit.inventory import Direction, PeerKind, load_inventory
from sgaudit.snapshot.loader import load_snapshot
from sgaudit.snapshot.manifest import CallRecord, Manifest, ScopeRecord

SG: dict[str, Any] = {
    "SecurityGroups": [
        {
            "GroupId": "sg-0db",
            "GroupName": "db",
            "Description": "database",
            "VpcId": "vpc-1",
            "OwnerId": "111122223333",
            "IpPermissions": [
                {
                    "IpProtocol": "6",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "10.0.1.18/24", "Description": "app subnet"}],
                    "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/56"}],
                    "PrefixListIds": [{"PrefixListId": "pl-0abc"}],
                    "UserIdGroupPairs": [{"GroupId": "sg-0app", "UserId": "111122223333"}],
                }
            ],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        }
    ]
}
RULES: dict[str, Any] = {
    "SecurityGroupRules": [
        {
            "SecurityGroupRuleId": "sgr-0ref",
            "GroupId": "sg-0db",
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "ReferencedGroupInfo": {"GroupId": "sg-0app", "UserId": "111122223333"},
        },
        {
            "SecurityGroupRuleId": "sgr-0out",
            "GroupId": "sg-0db",
            "IsEgress": True,
            "IpProtocol": "-1",
            "FromPort": -1,
            "ToPort": -1,
            "CidrIpv4": "0.0.0.0/0",
        },
    ]
}
SUBNETS = {
    "Subnets": [
        {
            "SubnetId": "subnet-1",
            "VpcId": "vpc-1",
            "CidrBlock": "10.0.1.0/24",
            "AvailabilityZone": "eu-west-1a",
        }
    ]
}


def write(folder: Path, name: str, doc: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(doc))


def test_permissions_expand_to_one_peer_per_rule_with_rule_ids(tmp_path: Path) -> None:
    write(tmp_path, "sg.json", SG)
    write(tmp_path, "rules.json", RULES)
    sg = load_inventory(tmp_path).security_groups["sg-0db"]
    ingress = sg.ingress
    assert [r.peer.kind for r in ingress] == [
        PeerKind.CIDR4,
        PeerKind.CIDR6,
        PeerKind.PREFIX_LIST,
        PeerKind.SECURITY_GROUP,
    ]
    assert all(r.protocol == "tcp" and r.from_port == 5432 and r.to_port == 5432 for r in ingress)
    # Non-canonical CIDR is canonicalised the way AWS does.
    assert ingress[0].peer.value == "10.0.1.0/24"
    assert ingress[0].description == "app subnet"
    ref = ingress[3]
    assert ref.rule_id == "sgr-0ref" and ref.peer.label() == "111122223333/sg-0app"
    (egress,) = sg.egress
    assert egress.direction is Direction.EGRESS and egress.is_all_traffic and egress.rule_id == "sgr-0out"
    assert egress.from_port is None and egress.ports_label() == "all traffic"


def test_rules_file_alone_builds_the_group(tmp_path: Path) -> None:
    write(tmp_path, "rules.json", RULES)
    sg = load_inventory(tmp_path).security_groups["sg-0db"]
    assert {r.rule_id for r in sg.rules} == {"sgr-0ref", "sgr-0out"}


@pytest.mark.parametrize(
    "layout",
    ["", "eu-west-1", "accounts/111122223333/eu-west-1"],
)
def test_layouts_and_zip(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "snap"
    write(root / layout, "sg.json", SG)
    write(root / layout, "subnets.json", SUBNETS)
    inv = load_inventory(root)
    assert set(inv.security_groups) == {"sg-0db"}
    (scope,) = inv.scopes
    assert (scope.account, scope.region) == ("111122223333", "eu-west-1")
    zpath = tmp_path / "snap.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in root.rglob("*.json"):
            zf.write(f, f"wrapper/{f.relative_to(root).as_posix()}")
    assert set(load_inventory(zpath).security_groups) == {"sg-0db"}


def test_two_accounts_two_regions_merge(tmp_path: Path) -> None:
    write(tmp_path / "accounts/111122223333/eu-west-1", "sg.json", SG)
    other = json.loads(json.dumps(SG))
    other["SecurityGroups"][0]["GroupId"] = "sg-0other"
    write(tmp_path / "accounts/444455556666/us-east-1", "sg.json", other)
    inv = load_inventory(tmp_path)
    assert set(inv.security_groups) == {"sg-0db", "sg-0other"}
    assert {(s.account, s.region) for s in inv.scopes} == {
        ("111122223333", "eu-west-1"),
        ("444455556666", "us-east-1"),
    }
    assert inv.resource_scope["sg-0other"].account == "444455556666"


def test_pages_in_several_files_merge(tmp_path: Path) -> None:
    write(tmp_path, "sg-page1.json", SG)
    page2 = json.loads(json.dumps(SG))
    page2["SecurityGroups"][0]["GroupId"] = "sg-0two"
    write(tmp_path, "sg-page2.json", page2)
    assert set(load_inventory(tmp_path).security_groups) == {"sg-0db", "sg-0two"}


def test_task_definition_as_cli_prints_it_and_loose_prefix_list_entries(tmp_path: Path) -> None:
    write(tmp_path, "td.json", {"taskDefinition": {"taskDefinitionArn": "arn:td:1", "networkMode": "awsvpc"}})
    write(tmp_path, "pl.json", {"PrefixLists": [{"PrefixListId": "pl-0abc", "PrefixListName": "corp"}]})
    write(tmp_path, "entries-pl-0abc.json", {"Entries": [{"Cidr": "10.9.0.0/16"}]})
    inv = load_inventory(tmp_path)
    assert inv.task_definitions["arn:td:1"].network_mode == "awsvpc"
    assert inv.prefix_lists["pl-0abc"].entry_cidrs == ("10.9.0.0/16",)


def test_prefix_list_without_entries_is_unknown_not_empty(tmp_path: Path) -> None:
    write(tmp_path, "pl.json", {"PrefixLists": [{"PrefixListId": "pl-0abc"}]})
    assert load_inventory(tmp_path).prefix_lists["pl-0abc"].entry_cidrs is None


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "sg.json", {**SG, "SomethingNew": [1, 2], "NextToken": "x"})
    write(tmp_path, "other.json", {"Whatever": {}})
    assert set(load_inventory(tmp_path).security_groups) == {"sg-0db"}


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"SecurityGroups": {"GroupId": "x"}}, "field SecurityGroups: expected a list"),
        (
            {
                "SecurityGroups": [
                    {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": "x"}]}
                ]
            },
            "field SecurityGroups[0].IpPermissions[0].FromPort",
        ),
        ({"NetworkInterfaces": [{"SubnetId": "subnet-1"}]}, "field NetworkInterfaces[0].NetworkInterfaceId"),
        (
            {
                "NetworkAcls": [
                    {
                        "NetworkAclId": "acl-1",
                        "VpcId": "vpc-1",
                        "Entries": [
                            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "permit", "Egress": False}
                        ],
                    }
                ]
            },
            "field NetworkAcls[0].Entries[0].RuleAction",
        ),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_wrong_shape_names_file_and_field(tmp_path: Path, doc: Any, expected: str) -> None:
    write(tmp_path, "bad.json", doc)
    with pytest.raises(SnapshotError) as info:
        load_inventory(tmp_path)
    msg = str(info.value)
    assert "bad.json" in msg and expected in msg and "\n" not in msg


def test_nacl_actions_are_read_in_any_case(tmp_path: Path) -> None:
    entries = [
        {"RuleNumber": n, "Protocol": "-1", "RuleAction": a, "Egress": False, "CidrBlock": "0.0.0.0/0"}
        for n, a in ((100, "ALLOW"), (200, "Deny"))
    ]
    write(
        tmp_path,
        "acl.json",
        {"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": entries}]},
    )
    acl = load_inventory(tmp_path).network_acls["acl-1"]
    assert [e.rule_action for e in acl.entries] == ["allow", "deny"]


def test_malformed_json_and_missing_snapshot(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SnapshotError, match=r"bad\.json: malformed JSON"):
        load_snapshot(tmp_path)
    with pytest.raises(SnapshotError, match="no such snapshot"):
        load_snapshot(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SnapshotError, match="no AWS API responses"):
        load_snapshot(empty)


def test_cli_reports_bad_input_on_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "bad.json", {"Subnets": [{"SubnetId": 5}]})
    assert main(["inventory", "--snapshot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.json" in err and "Subnets[0]" in err and "Traceback" not in err


def test_manifest_failures_make_snapshot_incomplete_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scope_dir = tmp_path / "accounts/111122223333/eu-west-1"
    write(scope_dir, "sg.json", SG)
    manifest = Manifest(
        tool_version="0",
        created_at="2026-12-01T00:00:00Z",  # type: ignore[arg-type]
        scopes=[
            ScopeRecord(
                account="111122223333",
                region="eu-west-1",
                path="accounts/111122223333/eu-west-1",
                calls=[
                    CallRecord(service="ec2", operation="DescribeSecurityGroups", ok=True, calls=1),
                    CallRecord(
                        service="rds", operation="DescribeDBInstances", ok=False, error_code="AccessDenied"
                    ),
                ],
            )
        ],
    )
    (tmp_path / "manifest.json").write_text(manifest.model_dump_json())
    inv = load_inventory(tmp_path)
    assert not inv.complete
    assert inv.scopes[0].errors[0].error_code == "AccessDenied"
    assert main(["inventory", "--snapshot", str(tmp_path)]) == 3
    assert "INCOMPLETE" in capsys.readouterr().out
    assert main(["inventory", "--snapshot", str(tmp_path), "--allow-partial"]) == 0
