"""Traffic: AWS rule semantics case by case, and properties against a direct rule matcher."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from sgaudit.errors import SgauditError
from sgaudit.netalgebra import (
    ALL_TRAFFIC,
    NO_TRAFFIC,
    PORTS,
    Addresses,
    AddressSet,
    IntervalSet,
    InvalidTrafficError,
    MatrixEntry,
    Traffic,
    protocol_number,
)

SET = settings(deadline=None, max_examples=200)

tcp = Traffic.from_rule

# -- constructors: AWS semantics ----------------------------------------------------------------


def test_protocol_minus_one_ignores_the_ports_given() -> None:
    for proto in ("-1", -1, "all", "ALL"):
        assert Traffic.from_rule(proto, 22, 22) == ALL_TRAFFIC
        assert Traffic.from_rule(proto) == ALL_TRAFFIC
    assert ALL_TRAFFIC.is_all and Traffic.ALL is ALL_TRAFFIC and Traffic.NONE is NO_TRAFFIC


def test_numeric_protocols() -> None:
    assert Traffic.from_rule("6", 5432, 5432) == Traffic.from_rule("tcp", 5432, 5432)
    assert Traffic.from_rule(17, 53, 53) == Traffic.from_rule("udp", 53, 53)
    assert Traffic.from_rule("1", 8, 0) == Traffic.from_rule("icmp", 8, 0)
    assert Traffic.from_rule("58") == Traffic.from_rule("icmpv6")
    # Any other protocol means every "port" whatever range is given: all of protocol 47, only it.
    gre = Traffic.from_rule("47", 22, 22)
    assert gre == Traffic.from_rule("47") == Traffic.single(47)
    assert gre.contains(47) and not gre.contains(50) and not gre.contains("tcp", 22)
    assert Traffic.from_rule(" TCP ", 1, 2) == Traffic.from_rule("tcp", 1, 2)
    assert Traffic.from_rule("0").contains(0)


def test_tcp_and_udp_ranges_are_containment() -> None:
    t = Traffic.from_rule("tcp", 5400, 5500)
    assert t.contains("tcp", 5432) and t.contains(6, 5400) and t.contains("tcp", 5500)
    assert not t.contains("tcp", 5399) and not t.contains("udp", 5432)
    assert t.covers(Traffic.single("tcp", 5432))


def test_zero_to_max_and_one_to_max() -> None:
    full = Traffic.from_rule("tcp", 0, 65535)
    almost = Traffic.from_rule("tcp", 1, 65535)
    assert full != almost and full.covers(almost) and not almost.covers(full)
    assert (almost | Traffic.from_rule("tcp", 0, 0)) == full
    assert hash(almost | Traffic.from_rule("tcp", 0, 0)) == hash(full)
    # Port 0 is unusable, so both count as "every tcp port" for all-ports checks.
    assert full.opens_all_ports("tcp") and almost.opens_all_ports("tcp")
    assert not almost.opens_all_ports("udp") and not Traffic.from_rule("tcp", 2, 65535).opens_all_ports("tcp")
    assert ALL_TRAFFIC.opens_all_ports() and not full.opens_all_ports()
    assert ALL_TRAFFIC.opens_all_ports("icmp") and ALL_TRAFFIC.opens_all_ports(47)
    assert not full.opens_all_ports(47)
    everything_but_tcp_0 = ALL_TRAFFIC - Traffic.single("tcp", 0) - Traffic.single("udp", 0)
    assert everything_but_tcp_0.opens_all_ports() and not everything_but_tcp_0.is_all


def test_icmp_all_types() -> None:
    t = Traffic.from_rule("icmp", -1, -1)
    assert t.contains("icmp", 0, 0) and t.contains("icmp", 255, 255) and t.contains(1, 8, 0)
    assert not t.contains("icmpv6", 128, 0) and not t.contains("tcp", 22)
    assert t.opens_all_ports("icmp")


def test_icmp_type_with_every_code() -> None:
    t = Traffic.from_rule("icmp", 3, -1)
    assert t.contains("icmp", 3, 0) and t.contains("icmp", 3, 4) and t.contains("icmp", 3, 255)
    assert not t.contains("icmp", 2, 255) and not t.contains("icmp", 4, 0)
    exact = Traffic.from_rule("icmp", 3, 4)
    assert exact.contains("icmp", 3, 4) and not exact.contains("icmp", 3, 3) and t.covers(exact)


def test_icmpv6_without_a_range_means_everything() -> None:
    t = Traffic.from_rule("icmpv6")
    assert t == Traffic.from_rule("icmpv6", -1, -1) == Traffic.from_rule("58", None, None)
    assert t.contains("icmpv6", 128, 0) and t.contains("icmpv6", 1, 4) and not t.contains("icmp", 8, 0)
    assert Traffic.from_rule("icmpv6", 128, 0) == Traffic.single("icmpv6", 128, 0)


@pytest.mark.parametrize(
    ("protocol", "lo", "hi", "message"),
    [
        ("tcp", None, None, "needs a port range"),
        ("udp", 53, None, "needs a port range"),
        ("tcp", -1, -1, "ports are 0-65535"),
        ("tcp", 10, 5, "from <= to"),
        ("tcp", 0, 65536, "ports are 0-65535"),
        ("icmp", None, None, "needs a type and a code"),
        ("icmpv6", 128, None, "needs a type and a code"),
        ("icmp", -1, 4, "needs code -1"),
        ("icmp", 256, 0, "both are -1 or 0-255"),
        ("icmp", 3, -2, "both are -1 or 0-255"),
        ("gre", None, None, "unknown protocol 'gre'"),
        ("256", None, None, "outside 0-255"),
        ("-2", None, None, "outside 0-255"),
        ("6.0", None, None, "unknown protocol"),
    ],
)
def test_invalid_rules(protocol: str, lo: int | None, hi: int | None, message: str) -> None:
    with pytest.raises(InvalidTrafficError, match=message) as info:
        Traffic.from_rule(protocol, lo, hi)
    assert isinstance(info.value, SgauditError) and isinstance(info.value, ValueError)


def test_protocol_number() -> None:
    assert [protocol_number(p) for p in ("tcp", "UDP", "icmp", "icmpv6", "all", "-1", "47", 132)] == [
        6,
        17,
        1,
        58,
        -1,
        -1,
        47,
        132,
    ]
    with pytest.raises(InvalidTrafficError):
        protocol_number(True)  # a bool is not a protocol number


def test_nacl_entries() -> None:
    assert Traffic.from_nacl_entry("-1") == ALL_TRAFFIC
    assert Traffic.from_nacl_entry("6", port_from=1024, port_to=65535) == Traffic.from_rule(
        "tcp", 1024, 65535
    )
    # Ports are ignored for protocols without them.
    assert Traffic.from_nacl_entry("47", port_from=1, port_to=2) == Traffic.single(47)
    assert Traffic.from_nacl_entry("1", icmp_type=3, icmp_code=4) == Traffic.single("icmp", 3, 4)
    assert Traffic.from_nacl_entry("1", icmp_type=3, icmp_code=-1) == Traffic.from_rule("icmp", 3, -1)
    # NACL "Type -1 means all types", with no condition on the code.
    assert Traffic.from_nacl_entry("1", icmp_type=-1, icmp_code=0) == Traffic.from_rule("icmp", -1, -1)
    # ICMPv6 on an IPv4 entry matches every type and code; on an IPv6 entry the given ones.
    assert Traffic.from_nacl_entry("58", icmp_type=128, icmp_code=0) == Traffic.from_rule("icmpv6")
    assert Traffic.from_nacl_entry("58", icmp_type=128, icmp_code=0, ipv6=True) == Traffic.single(
        "icmpv6", 128, 0
    )
    with pytest.raises(InvalidTrafficError, match="needs a port range"):
        Traffic.from_nacl_entry("17")
    with pytest.raises(InvalidTrafficError, match="IcmpTypeCode"):
        Traffic.from_nacl_entry("1")
    with pytest.raises(InvalidTrafficError, match="IcmpTypeCode"):
        Traffic.from_nacl_entry("58", ipv6=True)


def test_single_flows() -> None:
    assert Traffic.single("tcp", 5432).tcp == IntervalSet.point(5432)
    assert Traffic.single("icmp", 8, 0).icmp == IntervalSet.point(8 * 256)
    assert Traffic.single(47, 9999) == Traffic.single(47)
    for bad in [
        ("-1", None, None),
        ("tcp", None, None),
        ("tcp", 70000, None),
        ("tcp", 22, 1),
        ("icmp", 8, None),
    ]:
        with pytest.raises(InvalidTrafficError):
            Traffic.single(*bad)


def test_direct_construction_checks_the_space() -> None:
    assert Traffic(tcp=IntervalSet.point(22)) == Traffic.single("tcp", 22)
    with pytest.raises(ValueError, match="tcp"):
        Traffic(tcp=IntervalSet.point(70000))
    with pytest.raises(ValueError, match="other"):
        Traffic(other=IntervalSet.point(6))  # tcp is its own dimension
    with pytest.raises(AttributeError):
        ALL_TRAFFIC._dims = NO_TRAFFIC._dims
    assert pickle.loads(pickle.dumps(ALL_TRAFFIC)) == ALL_TRAFFIC


def test_union_of_many_and_items() -> None:
    rules = [
        Traffic.from_rule("tcp", 80, 80),
        Traffic.from_rule("tcp", 81, 443),
        Traffic.from_rule("udp", 53, 53),
    ]
    t = Traffic.union(rules)
    assert t == rules[0] | rules[1] | rules[2]
    assert [(name, pts.intervals) for name, pts in t.items()] == [("tcp", ((80, 443),)), ("udp", ((53, 53),))]
    assert Traffic.union([]) == NO_TRAFFIC and NO_TRAFFIC.is_empty and not NO_TRAFFIC
    assert ALL_TRAFFIC.complement() == NO_TRAFFIC and t.complement().isdisjoint(t)


# -- rendering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traffic", "text", "rows"),
    [
        (tcp("tcp", 5432, 5432), "tcp 5432", [("tcp", "5432")]),
        (tcp("tcp", 1024, 65535), "tcp 1024-65535", [("tcp", "1024-65535")]),
        (tcp("tcp", 0, 65535), "all tcp", [("tcp", "all")]),
        (tcp("icmp", 3, 4), "icmp type 3 code 4", [("icmp", "3:4")]),
        (tcp("icmp", 3, -1), "icmp type 3", [("icmp", "3")]),
        (tcp("icmp", -1, -1), "all icmp", [("icmp", "all")]),
        (tcp("icmpv6"), "all icmpv6", [("icmpv6", "all")]),
        (tcp("-1"), "all traffic", [("all", "all")]),
        (tcp("47"), "protocol 47", [("47", "all")]),
        (NO_TRAFFIC, "no traffic", []),
        (
            tcp("tcp", 22, 22) | tcp("tcp", 80, 443) | tcp("udp", 53, 53) | tcp("50") | tcp("51"),
            "tcp 22, tcp 80-443, udp 53, protocols 50-51",
            [("tcp", "22"), ("tcp", "80-443"), ("udp", "53"), ("50", "all"), ("51", "all")],
        ),
        (
            tcp("icmp", 3, -1) | tcp("icmp", 4, -1) | tcp("icmp", 5, 0) | tcp("icmp", 5, 1),
            "icmp types 3-4, icmp type 5 codes 0-1",
            [("icmp", "3-4"), ("icmp", "5:0-1")],
        ),
        (
            ALL_TRAFFIC - tcp("tcp", 22, 22),
            "tcp 0-21, tcp 23-65535, all udp, all icmp, all icmpv6, all other protocols",
            None,
        ),
    ],
)
def test_rendering(traffic: Traffic, text: str, rows: list[tuple[str, str]] | None) -> None:
    assert traffic.describe() == text == str(traffic)
    if rows is not None:
        assert traffic.matrix_entries() == [MatrixEntry(*r) for r in rows]


def test_icmp_rendering_of_a_run_across_types() -> None:
    t = Traffic(icmp=IntervalSet.span(3 * 256 + 4, 6 * 256 + 10))
    assert t.describe() == "icmp type 3 codes 4-255, icmp types 4-5, icmp type 6 codes 0-10"
    assert t.matrix_entries() == [("icmp", "3:4-255"), ("icmp", "4-5"), ("icmp", "6:0-10")]


def test_matrix_entry_parsing_rejects_nonsense() -> None:
    for protocol, ports in [
        ("47", "22"),
        ("all", "5"),
        ("tcp", "5-"),
        ("tcp", "x"),
        ("icmp", "3:4:5"),
        ("icmp", "300"),
    ]:
        with pytest.raises(InvalidTrafficError):
            Traffic.from_matrix_entry(protocol, ports)


def test_pydantic_fields_round_trip() -> None:
    class Flow(BaseModel):
        model_config = ConfigDict(frozen=True)
        traffic: Traffic
        peers: Addresses
        subnet: AddressSet
        ports: IntervalSet

    flow = Flow(
        traffic=tcp("tcp", 80, 443) | tcp("icmp", 3, 4),
        peers=Addresses.from_cidrs(["10.0.0.0/8", "::/0"]),
        subnet=AddressSet.from_cidr("10.0.1.0/24"),
        ports=PORTS,
    )
    text = flow.model_dump_json()
    assert '"traffic":[{"protocol":"tcp","ports":"80-443"},{"protocol":"icmp","ports":"3:4"}]' in text
    assert '"peers":["10.0.0.0/8","::/0"]' in text
    assert Flow.model_validate_json(text) == flow
    assert hash(Flow.model_validate_json(text)) == hash(flow)
    assert Flow.model_json_schema()["properties"]["peers"]["type"] == "array"
    with pytest.raises(ValidationError, match="invalid CIDR"):
        Flow.model_validate_json(text.replace("10.0.0.0/8", "10.0.0.0/88"))


# -- properties against a direct matcher --------------------------------------------------------

NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1}
PROTOCOLS = ["tcp", "udp", "icmp", "icmpv6", "6", "17", "1", "58", "-1", "all", "47", "50", "0", "132", "255"]
OTHERS = [0, 2, 47, 50, 132, 255]

Rule = tuple[str, int | None, int | None]
Flow = tuple[int, ...]


def number(protocol: str) -> int:
    return NUMBERS[protocol] if protocol in NUMBERS else int(protocol)


def reference_allows(rule: Rule, flow: Flow) -> bool:
    """AWS's SG rule matching written directly from the documentation, flow by flow."""
    proto, lo, hi = rule
    n = number(proto)
    if n == -1:
        return True
    if flow[0] != n:
        return False
    if n in (6, 17):
        assert lo is not None and hi is not None
        return lo <= flow[1] <= hi
    if n in (1, 58):
        if lo is None:
            return True
        return lo == -1 or (flow[1] == lo and (hi == -1 or flow[2] == hi))
    return True


port = st.one_of(st.integers(0, 65535), st.sampled_from([0, 1, 22, 1023, 1024, 5432, 65534, 65535]))
icmp_value = st.one_of(st.integers(0, 255), st.sampled_from([0, 3, 8, 128, 255]))


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    proto = draw(st.sampled_from(PROTOCOLS))
    n = number(proto)
    if n in (6, 17):
        lo = draw(port)
        return (proto, lo, draw(st.integers(lo, 65535) | st.just(lo)))
    if n in (1, 58):
        options: list[st.SearchStrategy[tuple[int | None, int | None]]] = [
            st.just((-1, -1)),
            st.tuples(icmp_value, st.just(-1)),
            st.tuples(icmp_value, icmp_value),
        ]
        if n == 58:
            options.append(st.just((None, None)))
        return (proto, *draw(st.one_of(options)))
    # -1 and other protocols: whatever range is written must be ignored.
    ignored: st.SearchStrategy[tuple[int | None, int | None]] = st.one_of(
        st.just((None, None)), st.tuples(port, port)
    )
    return (proto, *draw(ignored))


def flows_for(rule_list: list[Rule]) -> set[Flow]:
    """Each rule's edges and their neighbours on every protocol, plus fixed landmarks."""
    flows: set[Flow] = {(6, 0), (6, 65535), (17, 53), (1, 8, 0), (58, 128, 0), (1, 255, 255), (58, 0, 0)}
    flows |= {(n,) for n in OTHERS}
    for proto, lo, hi in rule_list:
        n = number(proto)
        if n in (6, 17) and lo is not None and hi is not None:
            for p in (lo - 1, lo, hi, hi + 1):
                if 0 <= p <= 65535:
                    flows |= {(6, p), (17, p)}
        elif n in (1, 58) and lo is not None and hi is not None and lo >= 0:
            for t in (lo - 1, lo, lo + 1):
                for c in (hi - 1, hi, hi + 1, 0, 255):
                    if 0 <= t <= 255 and 0 <= c <= 255:
                        flows |= {(1, t, c), (58, t, c)}
        elif n not in (-1, 1, 58):
            flows.add((n,))
    return flows


def build(rule_list: list[Rule]) -> Traffic:
    return Traffic.union(Traffic.from_rule(*r) for r in rule_list)


@SET
@given(st.lists(rules(), max_size=8))
def test_rules_match_the_reference(rule_list: list[Rule]) -> None:
    t = build(rule_list)
    assert t == _pairwise_union(rule_list)
    for flow in flows_for(rule_list):
        assert t.contains(*flow) == any(reference_allows(r, flow) for r in rule_list), (flow, rule_list)
        assert t.complement().contains(*flow) != t.contains(*flow)


def _pairwise_union(rule_list: list[Rule]) -> Traffic:
    acc = NO_TRAFFIC
    for r in rule_list:
        acc = acc | Traffic.from_rule(*r)
    return acc


@SET
@given(st.lists(rules(), max_size=5), st.lists(rules(), max_size=5))
def test_algebra_matches_the_reference(a_rules: list[Rule], b_rules: list[Rule]) -> None:
    a, b = build(a_rules), build(b_rules)
    union, inter, diff = a | b, a & b, a - b
    for flow in flows_for(a_rules + b_rules):
        in_a = any(reference_allows(r, flow) for r in a_rules)
        in_b = any(reference_allows(r, flow) for r in b_rules)
        assert union.contains(*flow) == (in_a or in_b)
        assert inter.contains(*flow) == (in_a and in_b)
        assert diff.contains(*flow) == (in_a and not in_b)
    assert a.covers(inter) and union.covers(b) and diff.isdisjoint(b)
    assert a.covers(b) == (b - a).is_empty


@SET
@given(st.lists(rules(), max_size=5), st.lists(rules(), max_size=5))
def test_matrix_rows_and_json_round_trip(a_rules: list[Rule], b_rules: list[Rule]) -> None:
    # Differences produce ragged sets (partial ICMP types, protocol holes) worth rendering.
    for t in (build(a_rules), build(a_rules) - build(b_rules), ALL_TRAFFIC - build(b_rules)):
        rows = t.matrix_entries()
        assert len(set(rows)) == len(rows)
        assert Traffic.union(Traffic.from_matrix_entry(p, ports) for p, ports in rows) == t
        for p, ports in rows:
            assert p in {"tcp", "udp", "icmp", "icmpv6", "all"} or p.isdigit()
            assert ports == "all" or ports.replace("-", "").replace(":", "").isdigit()
        assert t.describe() == t.describe()


@SET
@given(st.lists(st.tuples(rules(), st.sampled_from("xyz")), max_size=6))
def test_partition_by_reference(items: list[tuple[Rule, str]]) -> None:
    atoms = Traffic.partition([(Traffic.from_rule(*r), lab) for r, lab in items])
    assert len({a.labels for a in atoms}) == len(atoms)
    total = NO_TRAFFIC
    for atom in atoms:
        assert not atom.points.is_empty and total.isdisjoint(atom.points)
        total = total | atom.points
    assert total.is_all
    for flow in flows_for([r for r, _ in items]):
        expected = frozenset(lab for r, lab in items if reference_allows(r, flow))
        [owner] = [a for a in atoms if a.points.contains(*flow)]
        assert owner.labels == expected
