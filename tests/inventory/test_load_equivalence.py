"""The fast snapshot load gives exactly what the straightforward load gave, errors included.

Loading was made faster in four places, each checked here against what it replaced:

- a file is validated from its bytes in one pydantic-core call (``_read_fast``); whenever that does not
  succeed, the file is read again key by key (``_read_checked``, the original path) for the one-line
  error. So the fast path must never accept a document the checked path rejects, and must give the same
  items and the same ignored keys, in order, when it accepts one: random documents (items of a
  generated estate, mutated with arbitrary JSON, duplicate keys, encodings, truncation) check that;
- canonical IPv4 CIDRs skip ``ipaddress`` (checked against ``ipaddress`` itself);
- security groups are built by ``_RuleMaker`` (checked against the original functions, kept here
  verbatim as the reference);
- Lambda and RDS interfaces are attributed through indexes (checked against the original scans, kept
  here verbatim).
"""

from __future__ import annotations

import copy
import gc
import ipaddress
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import sgaudit.inventory.build as build_mod
from sgaudit.errors import SnapshotError
from sgaudit.inventory import Direction, Peer, PeerKind, SecurityGroup, SecurityGroupRule, load_inventory
from sgaudit.inventory.build import Inventory, _Classifier, _RuleMaker, normalize_protocol
from sgaudit.model.ec2 import IpPermission, NetworkInterfaceRaw, SecurityGroupRaw, SecurityGroupRuleRecord
from sgaudit.model.lambda_ import LambdaFunction
from sgaudit.model.rds import DbInstance
from sgaudit.snapshot import loader
from sgaudit.synth.random_estate import generate_estate

DEMO = Path(__file__).resolve().parents[2] / "sgaudit" / "demo" / "snapshot"


def canon(value: Any) -> Any:
    """Everything that tells two loaded values apart: types, every field, which fields were set."""
    if isinstance(value, BaseModel):
        fields = tuple((k, canon(getattr(value, k))) for k in type(value).model_fields)
        return (type(value).__qualname__, tuple(sorted(value.model_fields_set)), fields)
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), canon(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(canon(v) for v in value))
    if hasattr(value, "get_secret_value"):
        return ("secret", value.get_secret_value())
    if hasattr(value, "__dataclass_fields__"):
        return (
            type(value).__qualname__,
            tuple((f, canon(getattr(value, f))) for f in value.__dataclass_fields__),
        )
    return (type(value).__name__, repr(value))


# ---- documents: the fast reader against the checked one ---------------------------------------------

_EXTRA_ITEMS: dict[str, list[Any]] = {
    "EgressOnlyInternetGateways": [
        {"EgressOnlyInternetGatewayId": "eigw-1", "Attachments": [{"VpcId": "vpc-1", "State": "attached"}]}
    ],
    "VpcPeeringConnections": [
        {
            "VpcPeeringConnectionId": "pcx-1",
            "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlockSet": [{"CidrBlock": "10.0.0.0/16"}]},
            "Status": {"Code": "active"},
        }
    ],
    "StaleSecurityGroupSet": [
        {
            "GroupId": "sg-1",
            "StaleIpPermissions": [{"IpProtocol": "tcp", "UserIdGroupPairs": [{"GroupId": "sg-x"}]}],
        }
    ],
    "containerInstances": [{"containerInstanceArn": "arn:ci/1", "ec2InstanceId": "i-1"}],
    "DBClusters": [
        {"DBClusterIdentifier": "c1", "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}], "Port": 5432}
    ],
}


def _estate_items() -> dict[str, list[Any]]:
    docs = generate_estate(3, 60, 20, 120).documents()
    items = {key: list(docs.get(key, []))[:3] or _EXTRA_ITEMS.get(key, []) for key in loader.KNOWN_KEYS}
    items["taskDefinition"] = docs["taskDefinitions"][:1]
    items["Entries"] = [{"Cidr": "10.0.0.0/8", "Description": "x"}, {"Cidr": "192.168.0.0/16"}]
    return items


ITEMS = _estate_items()
TRICKY: list[Any] = [
    None, "", "x", 0, 1, -1, 2, 1.0, 1.5, -0.0, 1e300, True, False, "true", "false", "1", "0", "yes", "off",
    "5", " 5", "5.0", "1e3", "0x10", "1_000", "\u0663", 10**30, [], {}, [None], ["a"], [{}], {"Key": "k"},
    "\ud800", "a\u0000b", "\u00e9", "2021-01-01T00:00:00Z", 65536, -(2**63),
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.sampled_from(TRICKY),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def key_values(draw: st.DrawFn) -> tuple[str, Any]:
    # Besides the recognised keys: ignored ones, unknown ones, and names that a model of the whole
    # document might confuse with its own attributes.
    others = ["NextToken", "failures", "TransitGateways", "entries", "vpcs", "f0", "model_config", "__dict__"]
    key = draw(st.sampled_from([*ITEMS, *others]) | st.text(max_size=3))
    value: Any = json.loads(json.dumps(ITEMS.get(key, [])))
    if key == "taskDefinition" and value:
        value = value[0]
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        new = copy.deepcopy(draw(json_values))  # drawn values may be shared: never mutate them
        if not path:
            value = new
            continue
        parent = value
        for p in path[:-1]:
            parent = parent[p]
        if draw(st.booleans()) or not isinstance(parent, dict):
            parent[path[-1]] = new
        elif isinstance(path[-1], str):
            # The snake_case spelling of a field, which the models also accept.
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in path[-1]).lstrip("_")
            parent[snake] = parent.pop(path[-1])
    return key, value


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    pairs = draw(st.lists(key_values(), max_size=4))
    ascii_only = draw(st.booleans())
    # Written by hand so that a key may appear twice, as a hand-edited file can have it.
    text = (
        "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=ascii_only)}" for k, v in pairs) + "}"
    )
    form = draw(st.sampled_from(["plain"] * 6 + ["bom", "utf16", "list", "truncated", "nan", "scalar"]))
    if form == "bom":
        text = "\ufeff" + text
    elif form == "list":
        text = f"[{text}]"
    elif form == "truncated":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif form == "nan":
        text = '{"NextToken": NaN, ' + text[1:] if len(text) > 2 else '{"NextToken": NaN}'
    elif form == "scalar":
        text = json.dumps(draw(json_values))
    return text.encode("utf-16" if form == "utf16" else "utf-8", "surrogatepass")


def _outcome(parts: list[tuple[str, list[Any] | None]]) -> tuple[Any, ...]:
    """What the loader does with a file's parts: the items of each recognised key, the ignored keys in
    order (the only order the loader shows, in its debug log)."""
    known = sorted((k, canon(v)) for k, v in parts if v is not None)
    return tuple(known), tuple(k for k, v in parts if v is None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents(), with_entries=st.booleans())
def test_fast_reader_accepts_only_what_the_checked_reader_accepts_and_reads_it_alike(
    data: bytes, with_entries: bool
) -> None:
    fast = loader._read_fast(data, with_entries)
    try:
        checked = loader._read_checked("f.json", data, with_entries)
    except SnapshotError:
        assert fast is None
        return
    if fast is not None:
        assert _outcome(fast) == _outcome(checked)


def test_a_valid_file_takes_the_fast_path() -> None:
    for with_entries in (False, True):
        doc = {k: v[0] if k == "taskDefinition" else v for k, v in ITEMS.items() if k != "taskDefinitions"}
        doc["NextToken"] = "t"
        doc["Unknown"] = {"a": [1]}
        data = json.dumps(doc).encode()
        fast = loader._read_fast(data, with_entries)
        assert fast is not None
        assert _outcome(fast) == _outcome(loader._read_checked("f.json", data, with_entries))


def test_both_task_definition_spellings_keep_the_file_order() -> None:
    td = ITEMS["taskDefinition"][0]
    other = {**td, "taskDefinitionArn": "arn:other"}
    data = json.dumps({"taskDefinition": other, "taskDefinitions": [td]}).encode()
    assert loader._read_fast(data, False) is None  # left to the checked path, which keeps file order
    parts = loader._read_checked("f.json", data, False)
    assert [k for k, _ in parts] == ["taskDefinition", "taskDefinitions"]


def test_whole_load_is_the_same_through_either_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = tmp_path / "estate"
    generate_estate(11, 80, 25, 160).write(estate)
    fast = [canon(load_inventory(src)) for src in (DEMO, estate)]
    monkeypatch.setattr(loader, "_read_fast", lambda data, with_entries: None)
    assert [canon(load_inventory(src)) for src in (DEMO, estate)] == fast


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_is_left_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        load_inventory(DEMO)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


# ---- CIDRs ---------------------------------------------------------------------------------------------


def _reference_cidr(cidr: str) -> str:
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as exc:
        return f"error: invalid CIDR {cidr!r}: {exc}"


# Zero octets are drawn often, so that the host bits of short prefixes are often clear.
octets = (
    st.sampled_from(["0", "0", "0", "10", "255"])
    | st.integers(0, 300).map(str)
    | st.sampled_from(["00", "01", "007", "0256", " 1", "1 ", "\u0663", "", "+1"])
)
prefixes = st.integers(0, 40).map(str) | st.sampled_from(["08", "00", "032", "-1", "", " 8", "\u0668"])
dotted = st.builds(
    lambda o, sep, p: ".".join(o) + sep + p, st.lists(octets, min_size=3, max_size=5).filter(bool),
    st.sampled_from(["/", "/", "", "//", "\\"]), prefixes,
)  # fmt: skip
# Four octets and a prefix, near the edges of what ipaddress writes itself.
near_canonical = st.builds(
    lambda o, p: ".".join(o) + "/" + p,
    st.lists(
        st.sampled_from(["0"] * 8 + ["00", "01", "010", "1", "10", "255", "256", "99", "100"]),
        min_size=4,
        max_size=4,
    ),
    st.sampled_from(["0", "8", "08", "16", "24", "31", "32", "33", "032", "9"]),
)
# Networks as ipaddress writes them, and with a zero-padded prefix.
networks = st.builds(
    lambda a, p, fmt: f"{ipaddress.IPv4Network((a, p), strict=False).network_address}/{p:{fmt}}",
    st.integers(0, 2**32 - 1), st.integers(0, 32), st.sampled_from(["d", "d", "02d"]),
) | st.builds(
    lambda a, p: f"{ipaddress.IPv4Address(a)}/{p}", st.integers(0, 2**32 - 1), st.integers(0, 32)
) | st.builds(
    lambda a, p: f"{ipaddress.IPv6Address(a).exploded}/{p}", st.integers(0, 2**128 - 1), st.integers(0, 128)
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@example(cidr="10.0.0.0/08")
@example(cidr="10.0.0.0/032")
@example(cidr="10.0.0.1/33")
@example(cidr="10.0.0.256/32")
@example(cidr="010.0.0.0/8")
@example(cidr="10.0.1.18/24")
@given(cidr=near_canonical | dotted | networks | st.text(alphabet="0123456789./:af ", max_size=20))
def test_canonical_cidr_is_what_ipaddress_writes(cidr: str) -> None:
    try:
        got = build_mod._canonical_cidr(cidr)
    except SnapshotError as exc:
        got = f"error: {exc}"
    assert got == _reference_cidr(cidr)


# ---- security groups: the original functions, verbatim -------------------------------------------------

_RuleKey = tuple[str, bool, str, int | None, int | None, str, str]


def _ports(protocol: str, from_port: int | None, to_port: int | None) -> tuple[int | None, int | None]:
    if protocol == "-1":
        return None, None
    return from_port, to_port


def _canonical_cidr(cidr: str) -> str:
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as exc:
        raise SnapshotError(f"invalid CIDR {cidr!r}: {exc}") from None


def _rules_from_permission(
    group_id: str, perm: IpPermission, direction: Direction
) -> list[SecurityGroupRule]:
    proto = normalize_protocol(perm.ip_protocol)
    lo, hi = _ports(proto, perm.from_port, perm.to_port)
    base = {"group_id": group_id, "direction": direction, "protocol": proto, "from_port": lo, "to_port": hi}
    out: list[SecurityGroupRule] = []
    for r4 in perm.ip_ranges:
        peer = Peer(kind=PeerKind.CIDR4, value=_canonical_cidr(r4.cidr_ip))
        out.append(SecurityGroupRule(**base, peer=peer, description=r4.description))
    for r6 in perm.ipv6_ranges:
        peer = Peer(kind=PeerKind.CIDR6, value=_canonical_cidr(r6.cidr_ipv6))
        out.append(SecurityGroupRule(**base, peer=peer, description=r6.description))
    for pl in perm.prefix_list_ids:
        peer = Peer(kind=PeerKind.PREFIX_LIST, value=pl.prefix_list_id)
        out.append(SecurityGroupRule(**base, peer=peer, description=pl.description))
    for pair in perm.user_id_group_pairs:
        if not pair.group_id:
            continue
        peer = Peer(
            kind=PeerKind.SECURITY_GROUP,
            value=pair.group_id,
            user_id=pair.user_id,
            vpc_id=pair.vpc_id,
            vpc_peering_connection_id=pair.vpc_peering_connection_id,
            peering_status=pair.peering_status,
        )
        out.append(SecurityGroupRule(**base, peer=peer, description=pair.description))
    return out


def _rule_from_record(rec: SecurityGroupRuleRecord) -> SecurityGroupRule | None:
    proto = normalize_protocol(rec.ip_protocol)
    lo, hi = _ports(proto, rec.from_port, rec.to_port)
    if rec.cidr_ipv4:
        peer = Peer(kind=PeerKind.CIDR4, value=_canonical_cidr(rec.cidr_ipv4))
    elif rec.cidr_ipv6:
        peer = Peer(kind=PeerKind.CIDR6, value=_canonical_cidr(rec.cidr_ipv6))
    elif rec.prefix_list_id:
        peer = Peer(kind=PeerKind.PREFIX_LIST, value=rec.prefix_list_id)
    elif rec.referenced_group_info and rec.referenced_group_info.group_id:
        ref = rec.referenced_group_info
        peer = Peer(
            kind=PeerKind.SECURITY_GROUP,
            value=ref.group_id or "",
            user_id=ref.user_id,
            vpc_id=ref.vpc_id,
            vpc_peering_connection_id=ref.vpc_peering_connection_id,
            peering_status=ref.peering_status,
        )
    else:
        return None
    return SecurityGroupRule(
        group_id=rec.group_id,
        rule_id=rec.security_group_rule_id,
        direction=Direction.EGRESS if rec.is_egress else Direction.INGRESS,
        protocol=proto,
        from_port=lo,
        to_port=hi,
        peer=peer,
        description=rec.description,
    )


def _key(rule: SecurityGroupRule) -> _RuleKey:
    return (
        rule.group_id,
        rule.direction is Direction.EGRESS,
        rule.protocol,
        rule.from_port,
        rule.to_port,
        rule.peer.kind.value,
        rule.peer.value,
    )


def reference_build_group(
    raw: SecurityGroupRaw | None, gid: str, records: list[SecurityGroupRuleRecord]
) -> SecurityGroup:
    from_records = [r for r in (_rule_from_record(rec) for rec in records) if r is not None]
    rules: list[SecurityGroupRule]
    if raw is None:
        rules = from_records
    else:
        perms: list[SecurityGroupRule] = []
        for perm in raw.ip_permissions:
            perms += _rules_from_permission(gid, perm, Direction.INGRESS)
        for perm in raw.ip_permissions_egress:
            perms += _rules_from_permission(gid, perm, Direction.EGRESS)
        ids: dict[_RuleKey, list[SecurityGroupRule]] = defaultdict(list)
        for r in from_records:
            ids[_key(r)].append(r)
        rules = []
        for r in perms:
            match = ids.get(_key(r))
            rules.append(r.model_copy(update={"rule_id": match.pop(0).rule_id}) if match else r)
    return SecurityGroup(
        group_id=gid,
        name=raw.group_name if raw else "",
        description=raw.description if raw else "",
        vpc_id=raw.vpc_id if raw else None,
        owner_id=raw.owner_id if raw else (records[0].group_owner_id if records else None),
        arn=raw.security_group_arn if raw else None,
        tags=raw.tag_map if raw else {},
        rules=tuple(rules),
    )


PROTOCOLS = ["tcp", "TCP", "6", "udp", "17", "-1", "all", "icmp", "1", "58", "47", "bogus"]
PORTS = [None, -1, 0, 22, 443, 65535]
CIDR4 = ["10.0.0.0/8", "10.0.1.18/24", "10.0.1.0/24", "0.0.0.0/0", "010.0.0.0/8", "10.0.0.0/33", "10.0.0.1"]
CIDR6 = ["::/0", "2600:1f18::/56", "2600:1F18:0000::/56", "2600:1f18::1/56", "nope::/1"]
GROUPS = [None, "sg-a", "sg-b"]
OWNERS = [None, "111122223333", "999988887777"]
small = st.sampled_from
descriptions = small([None, "", "d"])

permissions = st.fixed_dictionaries(
    {"IpProtocol": small(PROTOCOLS), "FromPort": small(PORTS), "ToPort": small(PORTS)},
    optional={
        "IpRanges": st.lists(
            st.fixed_dictionaries({"CidrIp": small(CIDR4), "Description": descriptions}), max_size=3
        ),
        "Ipv6Ranges": st.lists(st.fixed_dictionaries({"CidrIpv6": small(CIDR6)}), max_size=2),
        "PrefixListIds": st.lists(
            st.fixed_dictionaries({"PrefixListId": small(["pl-1", "pl-2"])}), max_size=2
        ),
        "UserIdGroupPairs": st.lists(
            st.fixed_dictionaries(
                {"GroupId": small(GROUPS), "UserId": small(OWNERS)},
                optional={"VpcId": small(["vpc-1"]), "PeeringStatus": small(["active", "deleted"])},
            ),
            max_size=3,
        ),
    },
)
records = st.fixed_dictionaries(
    {
        "SecurityGroupRuleId": st.integers(0, 10**6).map(lambda i: f"sgr-{i:x}"),
        "GroupId": st.just("sg-1"),
        "IsEgress": st.booleans(),
        "IpProtocol": small(PROTOCOLS),
        "FromPort": small(PORTS),
        "ToPort": small(PORTS),
    },
    optional={
        "GroupOwnerId": small(OWNERS),
        "CidrIpv4": small(CIDR4),
        "CidrIpv6": small(CIDR6),
        "PrefixListId": small(["pl-1"]),
        "ReferencedGroupInfo": st.fixed_dictionaries({"GroupId": small(GROUPS), "UserId": small(OWNERS)}),
        "Description": descriptions,
    },
)
raw_groups = st.none() | st.fixed_dictionaries(
    {
        "GroupId": st.just("sg-1"),
        "GroupName": small(["default", "app"]),
        "IpPermissions": st.lists(permissions, max_size=3),
        "IpPermissionsEgress": st.lists(permissions, max_size=2),
    },
    optional={
        "VpcId": small(["vpc-1"]),
        "OwnerId": small(OWNERS),
        "Tags": st.just([{"Key": "Name", "Value": "n"}]),
    },
)


def _outcome_of(build: Any, *args: Any) -> Any:
    try:
        return canon(build(*args))
    except (SnapshotError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_groups, recs=st.lists(records, max_size=6))
def test_rule_maker_builds_groups_as_the_original_functions_did(
    raw: dict[str, Any] | None, recs: list[Any]
) -> None:
    group = SecurityGroupRaw.model_validate(raw) if raw is not None else None
    typed = [SecurityGroupRuleRecord.model_validate(r) for r in recs]
    assert _outcome_of(_RuleMaker().build_group, group, "sg-1", typed) == _outcome_of(
        reference_build_group, group, "sg-1", typed
    )


def test_repeated_rules_take_the_rule_ids_in_record_order() -> None:
    # Two identical permission rules and three records with their key: ids go out first come, first
    # served, and the third record names a rule that is not there.
    perm = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}] * 2}
    group = SecurityGroupRaw.model_validate({"GroupId": "sg-1", "IpPermissions": [perm]})
    rec = {
        "GroupId": "sg-1",
        "IsEgress": False,
        "IpProtocol": "6",
        "FromPort": 22,
        "ToPort": 22,
        "CidrIpv4": "10.0.0.0/8",
    }
    typed = [
        SecurityGroupRuleRecord.model_validate({**rec, "SecurityGroupRuleId": f"sgr-{i}"}) for i in (3, 1, 2)
    ]
    built = _RuleMaker().build_group(group, "sg-1", typed)
    assert [r.rule_id for r in built.rules] == ["sgr-3", "sgr-1"]
    assert canon(built) == canon(reference_build_group(group, "sg-1", typed))


def test_one_rule_maker_shares_peers_between_groups_without_changing_them() -> None:
    maker = _RuleMaker()
    perm = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.1.18/24"}]}
    a = maker.build_group(
        SecurityGroupRaw.model_validate({"GroupId": "sg-a", "IpPermissions": [perm]}), "sg-a", []
    )
    b = maker.build_group(
        SecurityGroupRaw.model_validate({"GroupId": "sg-b", "IpPermissions": [perm]}), "sg-b", []
    )
    assert a.rules[0].peer is b.rules[0].peer
    assert a.rules[0].peer == Peer(kind=PeerKind.CIDR4, value="10.0.1.0/24")


# ---- interface attribution: the original scans, verbatim -----------------------------------------------

_LAMBDA_DESC = "AWS Lambda VPC ENI-"


def reference_lambda_name(inv: Inventory, eni: NetworkInterfaceRaw) -> str | None:
    desc = eni.description or ""
    best = None
    for name in inv.lambda_functions:
        if desc.startswith(f"{_LAMBDA_DESC}{name}-") and (best is None or len(name) > len(best)):
            best = name
    if best:
        return best
    groups = {g.group_id for g in eni.groups}
    matches = [
        f.function_name
        for f in inv.lambda_functions.values()
        if f.vpc_config
        and eni.subnet_id in f.vpc_config.subnet_ids
        and set(f.vpc_config.security_group_ids) == groups
    ]
    return matches[0] if len(matches) == 1 else None


def reference_rds_id(inv: Inventory, eni: NetworkInterfaceRaw) -> str | None:
    groups = {g.group_id for g in eni.groups}
    matches = [
        db.db_instance_identifier
        for db in inv.db_instances.values()
        if eni.subnet_id in db.subnet_ids and groups & set(db.security_group_ids)
    ]
    return matches[0] if len(matches) == 1 else None


NAMES = ["", "a", "a-b", "a-b-c", "b", "job-1", "job"]
SUBNETS = [None, "subnet-1", "subnet-2"]
SGS = ["sg-1", "sg-2", "sg-3"]
functions = st.fixed_dictionaries(
    {"FunctionName": small(NAMES)},
    optional={
        "VpcConfig": st.fixed_dictionaries(
            {
                "SubnetIds": st.lists(small(SUBNETS[1:]), max_size=3),
                "SecurityGroupIds": st.lists(small(SGS), max_size=3),
            }
        )
    },
)
dbs = st.fixed_dictionaries(
    {"DBInstanceIdentifier": small(["db1", "db2", "db3"])},
    optional={
        "VpcSecurityGroups": st.lists(st.fixed_dictionaries({"VpcSecurityGroupId": small(SGS)}), max_size=2),
        "DBSubnetGroup": st.fixed_dictionaries(
            {"DBSubnetGroupName": st.just("g")},
            optional={
                "Subnets": st.lists(
                    st.fixed_dictionaries({"SubnetIdentifier": small(SUBNETS[1:])}), max_size=3
                )
            },
        ),
    },
)
enis = st.fixed_dictionaries(
    {
        "NetworkInterfaceId": st.just("eni-1"),
        "Description": st.builds(
            lambda a, b: a + b, small(["", _LAMBDA_DESC, "AWS Lambda VPC ENI"]), small(NAMES)
        )
        | st.builds(lambda n, s: f"{_LAMBDA_DESC}{n}-{s}", small(NAMES), small(["", "x", "b-c", "9f1c"])),
        "Groups": st.lists(st.fixed_dictionaries({"GroupId": small(SGS)}), max_size=3),
    },
    optional={"SubnetId": small(SUBNETS)},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fns=st.lists(functions, max_size=5), db_list=st.lists(dbs, max_size=4), eni=enis)
def test_indexed_lambda_and_rds_attribution_matches_the_scans(
    fns: list[dict[str, Any]], db_list: list[dict[str, Any]], eni: dict[str, Any]
) -> None:
    inv = Inventory()
    for f in fns:
        inv.lambda_functions.setdefault(f["FunctionName"], LambdaFunction.model_validate(f))
    for d in db_list:
        inv.db_instances.setdefault(d["DBInstanceIdentifier"], DbInstance.model_validate(d))
    raw = NetworkInterfaceRaw.model_validate(eni)
    classifier = _Classifier(
        inv=inv,
        task_by_eni={},
        task_by_attachment={},
        instance_by_eni={},
        nat_by_eni={},
        vpce_by_eni={},
        lb_by_suffix={},
        lb_by_name={},
    )
    assert classifier._lambda_name(raw) == reference_lambda_name(inv, raw)
    assert classifier._rds_id(raw) == reference_rds_id(inv, raw)
