"""Helpers for the command-line tests: a writable copy of the demo snapshot and ways to change it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sgaudit.demo import intents_path, snapshot_path
from sgaudit.engine import SuggestedFix

SG_FILE = "ec2-describe-security-groups.json"
SGR_FILE = "ec2-describe-security-group-rules.json"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo snapshot."""
    dst = tmp_path / "demo"
    shutil.copytree(snapshot_path(), dst)
    return dst


@pytest.fixture
def demo_intents() -> Path:
    """The demo's intents file."""
    return intents_path()


def group_id_by_name(snapshot: Path, name: str) -> str:
    """The id of the group with this GroupName."""
    doc = json.loads((snapshot / SG_FILE).read_text())
    return next(g["GroupId"] for g in doc["SecurityGroups"] if g["GroupName"] == name)


def add_sg_rule(
    snapshot: Path,
    group_id: str,
    *,
    egress: bool,
    protocol: str,
    from_port: int | None,
    to_port: int | None,
    cidr: str | None = None,
    group: str | None = None,
    rule_id: str = "sgr-0feedfacefeedface",
) -> None:
    """Add one rule to a group, in both describe-security-groups and describe-security-group-rules,
    as AWS would show it after ``authorize-security-group-ingress/egress``."""
    perm: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []}
    perm["UserIdGroupPairs"] = []
    record: dict[str, Any] = {
        "SecurityGroupRuleId": rule_id,
        "GroupId": group_id,
        "GroupOwnerId": "111122223333",
        "IsEgress": egress,
        "IpProtocol": protocol,
        "FromPort": -1 if from_port is None else from_port,
        "ToPort": -1 if to_port is None else to_port,
        "Tags": [],
    }
    if from_port is not None:
        perm["FromPort"], perm["ToPort"] = from_port, to_port
    if cidr:
        perm["IpRanges"].append({"CidrIp": cidr})
        record["CidrIpv4"] = cidr
    else:
        assert group
        perm["UserIdGroupPairs"].append({"GroupId": group, "UserId": "111122223333"})
        record["ReferencedGroupInfo"] = {"GroupId": group, "UserId": "111122223333"}
    sgs = json.loads((snapshot / SG_FILE).read_text())
    for g in sgs["SecurityGroups"]:
        if g["GroupId"] == group_id:
            g["IpPermissionsEgress" if egress else "IpPermissions"].append(perm)
    (snapshot / SG_FILE).write_text(json.dumps(sgs, indent=2))
    rules = json.loads((snapshot / SGR_FILE).read_text())
    rules["SecurityGroupRules"].append(record)
    (snapshot / SGR_FILE).write_text(json.dumps(rules, indent=2))


def apply_fix(snapshot: Path, fix: SuggestedFix) -> None:
    """Apply a suggested security-group fix to a snapshot, as running its AWS CLI command would."""
    assert fix.kind == "security-group-rule" and fix.group_id and fix.direction
    add_sg_rule(
        snapshot,
        fix.group_id,
        egress=fix.direction == "egress",
        protocol=fix.protocol,
        from_port=fix.from_port,
        to_port=fix.to_port,
        cidr=fix.peer if fix.peer_kind == "cidr4" else None,
        group=fix.peer if fix.peer_kind == "security-group" else None,
    )
