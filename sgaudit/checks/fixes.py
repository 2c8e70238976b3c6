"""Exact fixes as AWS CLI and Terraform: add, remove or narrow a security-group rule, add a NACL entry.

Terraform uses the per-rule resources ``aws_vpc_security_group_ingress_rule`` /
``aws_vpc_security_group_egress_rule`` (AWS provider 5+), which is what AWS recommends over inline
``ingress``/``egress`` blocks.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sgaudit.findings import Fix
from sgaudit.inventory import Direction, PeerKind, SecurityGroupRule

PeerKindName = Literal["security-group", "cidr4", "cidr6", "prefix-list"]

_PEER_KIND: dict[PeerKind, PeerKindName] = {
    PeerKind.SECURITY_GROUP: "security-group",
    PeerKind.CIDR4: "cidr4",
    PeerKind.CIDR6: "cidr6",
    PeerKind.PREFIX_LIST: "prefix-list",
}


def _tf_name(*parts: str | int | None) -> str:
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "rule"


def _shorthand_peer(peer_kind: PeerKindName, peer: str, user_id: str | None = None) -> str:
    if peer_kind == "security-group":
        uid = f",UserId={user_id}" if user_id else ""
        return f"UserIdGroupPairs=[{{GroupId={peer}{uid}}}]"
    if peer_kind == "cidr6":
        return f"Ipv6Ranges=[{{CidrIpv6={peer}}}]"
    if peer_kind == "prefix-list":
        return f"PrefixListIds=[{{PrefixListId={peer}}}]"
    return f"IpRanges=[{{CidrIp={peer}}}]"


def ip_permission(
    protocol: str, from_port: int | None, to_port: int | None, peer_kind: PeerKindName, peer: str
) -> str:
    """An ``--ip-permissions`` shorthand for one rule."""
    ports = ""
    if protocol != "-1" and from_port is not None:
        ports = f",FromPort={from_port},ToPort={to_port if to_port is not None else from_port}"
    return f"IpProtocol={protocol}{ports},{_shorthand_peer(peer_kind, peer)}"


def _tf_peer(peer_kind: PeerKindName, peer: str) -> str:
    key = {
        "security-group": "referenced_security_group_id",
        "cidr4": "cidr_ipv4",
        "cidr6": "cidr_ipv6",
        "prefix-list": "prefix_list_id",
    }[peer_kind]
    return f'  {key} = "{peer}"'


class NewRule(BaseModel):
    """A security-group rule to add (one peer), as fixes print it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group_id: str
    direction: Literal["ingress", "egress"]
    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    peer_kind: PeerKindName
    peer: str


def terraform_rule(rule: NewRule) -> str:
    """An ``aws_vpc_security_group_{ingress,egress}_rule`` resource block."""
    name = _tf_name(rule.group_id, rule.direction, rule.protocol, rule.from_port, rule.peer.split("/")[0])
    lines = [
        f'resource "aws_vpc_security_group_{rule.direction}_rule" "{name}" {{',
        f'  security_group_id = "{rule.group_id}"',
        f'  ip_protocol = "{rule.protocol}"',
    ]
    if rule.protocol != "-1" and rule.from_port is not None:
        to_port = rule.to_port if rule.to_port is not None else rule.from_port
        lines += [f"  from_port = {rule.from_port}", f"  to_port = {to_port}"]
    lines += [_tf_peer(rule.peer_kind, rule.peer), "}"]
    return "\n".join(lines)


def authorize_cli(rule: NewRule) -> str:
    """``aws ec2 authorize-security-group-{ingress,egress}`` for one rule."""
    perm = ip_permission(rule.protocol, rule.from_port, rule.to_port, rule.peer_kind, rule.peer)
    return (
        f"aws ec2 authorize-security-group-{rule.direction} --group-id {rule.group_id}"
        f" --ip-permissions '{perm}'"
    )


def authorize_fix(summary: str, rule: NewRule) -> Fix:
    """A fix that adds one rule."""
    return Fix(summary=summary, aws_cli=authorize_cli(rule), terraform=terraform_rule(rule))


def revoke_cli(rule: SecurityGroupRule) -> str:
    """``aws ec2 revoke-security-group-{ingress,egress}`` for one rule (by ``sgr-`` id when known)."""
    direction = rule.direction.value
    if rule.rule_id:
        return (
            f"aws ec2 revoke-security-group-{direction} --group-id {rule.group_id}"
            f" --security-group-rule-ids {rule.rule_id}"
        )
    perm = ip_permission(
        rule.protocol, rule.from_port, rule.to_port, _PEER_KIND[rule.peer.kind], rule.peer.value
    )
    return f"aws ec2 revoke-security-group-{direction} --group-id {rule.group_id} --ip-permissions '{perm}'"


def terraform_remove(rule: SecurityGroupRule) -> str:
    """Terraform guidance to delete the resource that manages one rule (its address is not in AWS)."""
    kind = _PEER_KIND[rule.peer.kind]
    key = _tf_peer(kind, rule.peer.label()).strip()
    ports = ""
    if rule.protocol != "-1" and rule.from_port is not None:
        ports = f", from_port = {rule.from_port}, to_port = {rule.to_port}"
    return "\n".join(
        [
            f"# Delete the resource that manages {rule.rule_id or 'this rule'} ({rule.ports_label()} on"
            f" {rule.group_id}): the aws_vpc_security_group_{rule.direction.value}_rule, or the"
            f" {rule.direction.value} block of aws_security_group, with",
            f'#   security_group_id = "{rule.group_id}"',
            f'#   ip_protocol = "{rule.protocol}"{ports}',
            f"#   {key}",
        ]
    )


def revoke_fix(summary: str, rule: SecurityGroupRule) -> Fix:
    """A fix that removes one rule."""
    return Fix(summary=summary, aws_cli=revoke_cli(rule), terraform=terraform_remove(rule))


def replace_fix(
    summary: str,
    rule: SecurityGroupRule,
    ports: list[tuple[str, int | None, int | None]],
    *,
    peers: list[tuple[PeerKindName, str]] | None = None,
) -> Fix:
    """A fix that replaces a rule by narrower ones (same group and direction; new ports and/or peers)."""
    targets = peers or [(_PEER_KIND[rule.peer.kind], rule.peer.value)]
    new = [
        NewRule(
            group_id=rule.group_id,
            direction=rule.direction.value,
            protocol=p,
            from_port=lo,
            to_port=hi,
            peer_kind=kind,
            peer=value,
        )
        for kind, value in targets
        for p, lo, hi in ports
    ]
    adds = [authorize_cli(n) for n in new]
    tf = [terraform_rule(n) for n in new]
    return Fix(
        summary=summary,
        aws_cli="\n".join([*adds, revoke_cli(rule)]),
        terraform="\n\n".join([*tf, terraform_remove(rule)]),
    )


def peer_kind_of(rule: SecurityGroupRule) -> PeerKindName:
    """The fix vocabulary's name of a rule's peer kind."""
    return _PEER_KIND[rule.peer.kind]


def nacl_entry_fix(
    summary: str,
    acl_id: str,
    *,
    egress: bool,
    rule_number: int,
    protocol: str,
    from_port: int,
    to_port: int,
    cidr: str,
) -> Fix:
    """A fix that adds one NACL allow entry."""
    proto_number = {"tcp": "6", "udp": "17"}.get(protocol, protocol)
    family_flag = "--ipv6-cidr-block" if ":" in cidr else "--cidr-block"
    cli = (
        f"aws ec2 create-network-acl-entry --network-acl-id {acl_id} --rule-number {rule_number}"
        f" --protocol {proto_number} --port-range From={from_port},To={to_port} {family_flag} {cidr}"
        f" {'--egress' if egress else '--ingress'} --rule-action allow"
    )
    cidr_key = "ipv6_cidr_block" if ":" in cidr else "cidr_block"
    tf_name = _tf_name(acl_id, "egress" if egress else "ingress", rule_number)
    tf = "\n".join(
        [
            f'resource "aws_network_acl_rule" "{tf_name}" {{',
            f'  network_acl_id = "{acl_id}"',
            f"  rule_number = {rule_number}",
            f"  egress = {'true' if egress else 'false'}",
            f'  protocol = "{protocol}"',
            '  rule_action = "allow"',
            f'  {cidr_key} = "{cidr}"',
            f"  from_port = {from_port}",
            f"  to_port = {to_port}",
            "}",
        ]
    )
    return Fix(summary=summary, aws_cli=cli, terraform=tf)


def direction_word(direction: Direction) -> str:
    """``from`` for ingress, ``to`` for egress."""
    return "from" if direction is Direction.INGRESS else "to"
