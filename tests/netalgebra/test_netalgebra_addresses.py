"""AddressSet and Addresses: AWS CIDR cases, plus properties checked against ipaddress."""

from __future__ import annotations

import ipaddress
import pickle
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgaudit.errors import SgauditError
from sgaudit.netalgebra import (
    ALL_ADDRESSES,
    NO_ADDRESSES,
    Addresses,
    AddressSet,
    InvalidCidrError,
    canonical_cidr,
)

SET = settings(deadline=None, max_examples=200)

# -- unit cases ---------------------------------------------------------------------------------


def test_two_slash_one_blocks_are_world_open() -> None:
    split = AddressSet.from_cidrs(4, ["0.0.0.0/1", "128.0.0.0/1"])
    assert split.is_universe
    assert split == AddressSet.from_cidr("0.0.0.0/0") == AddressSet.universe(4)
    assert split.to_cidr_strings() == ["0.0.0.0/0"]
    assert not AddressSet.from_cidr("0.0.0.0/1").is_universe


def test_ipv6_world() -> None:
    world6 = AddressSet.from_cidr("::/0")
    assert world6.is_universe and world6.version == 6
    assert AddressSet.from_cidrs(6, ["::/1", "8000::/1"]) == world6
    assert world6.size == 2**128
    assert world6.contains("2001:db8::1")
    assert not world6.contains("10.0.0.1")  # an IPv4 address is never in an IPv6 set
    assert world6.to_cidr_strings() == ["::/0"]


def test_non_canonical_cidr_is_accepted_like_aws() -> None:
    assert canonical_cidr("10.0.0.18/18") == "10.0.0.0/18"
    assert canonical_cidr("100.68.0.18/18") == "100.68.0.0/18"
    assert AddressSet.from_cidr("10.0.0.18/18") == AddressSet.from_cidr("10.0.0.0/18")
    assert AddressSet.from_cidr("2001:db8::1/32").to_cidr_strings() == ["2001:db8::/32"]
    with pytest.raises(InvalidCidrError, match="host bits"):
        AddressSet.from_cidr("10.0.0.18/18", strict=True)


def test_bare_addresses_and_ipaddress_objects() -> None:
    s = AddressSet.from_cidrs(4, ["10.0.0.5", IPv4Address("10.0.0.6"), IPv4Network("10.0.0.7/32")])
    assert s.to_cidr_strings() == ["10.0.0.5/32", "10.0.0.6/31"]
    assert s.size == 3
    assert s.contains("10.0.0.6") and s.contains(IPv4Address("10.0.0.7")) and not s.contains("10.0.0.8")


def test_minimal_cidrs() -> None:
    s = AddressSet.from_cidrs(4, ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"])
    assert s.to_cidr_strings() == ["10.0.0.0/23", "10.0.2.0/24"]
    hole = AddressSet.from_cidr("10.0.0.0/16") - AddressSet.from_cidr("10.0.5.7")
    v4_blocks = [n for n in hole.to_cidrs() if isinstance(n, IPv4Network)]
    assert [str(n) for n in ipaddress.collapse_addresses(v4_blocks)] == hole.to_cidr_strings()
    assert len(hole.to_cidr_strings()) == 16
    assert hole.size == 65535
    assert AddressSet.empty(4).to_cidr_strings() == [] and str(AddressSet.empty(4)) == "(none)"


def test_errors_are_user_errors_and_value_errors() -> None:
    for bad in ["10.0.0.300/8", "10.0.0.0/33", "banana", ""]:
        with pytest.raises(InvalidCidrError) as info:
            AddressSet.from_cidr(bad)
        assert isinstance(info.value, SgauditError) and isinstance(info.value, ValueError)
        assert repr(bad) in str(info.value)
    with pytest.raises(InvalidCidrError, match="IPv6 block where IPv4"):
        AddressSet.from_cidrs(4, ["10.0.0.0/8", "::/0"])
    with pytest.raises(InvalidCidrError):
        AddressSet.universe(4).contains("not-an-ip")
    with pytest.raises(ValueError, match="IPv4 address set with an IPv6"):
        _ = AddressSet.universe(4) | AddressSet.universe(6)
    with pytest.raises(ValueError):
        AddressSet(5)


def test_addresses_pair_keeps_families_apart() -> None:
    a = Addresses.from_cidrs(["0.0.0.0/0", "2001:db8::/32"])
    assert a.v4.is_universe and not a.v6.is_universe and not a.is_universe
    assert a.contains("1.2.3.4") and a.contains("2001:db8::5") and not a.contains("2001:db9::")
    assert a.to_cidr_strings() == ["0.0.0.0/0", "2001:db8::/32"]
    world = Addresses.from_cidrs(["0.0.0.0/1", "128.0.0.0/1", "::/0"])
    assert world.is_universe and world == ALL_ADDRESSES == Addresses.world()
    assert (world - a).to_cidr_strings() == [str(n) for n in (world.v6 - a.v6).to_cidrs()]
    assert (a & NO_ADDRESSES).is_empty and NO_ADDRESSES.is_empty and not NO_ADDRESSES
    assert a.complement().v4.is_empty and a.family(6) == a.v6
    assert world.covers(a) and not a.covers(world) and not a.isdisjoint(world)
    assert a.size == 2**32 + 2**96
    with pytest.raises(ValueError):
        Addresses(v4=AddressSet.universe(6))


def test_immutable_hashable_picklable() -> None:
    a = Addresses.from_cidrs(["10.0.0.0/8", "::1"])
    with pytest.raises(AttributeError):
        a._v4 = AddressSet.empty(4)
    with pytest.raises(AttributeError):
        a.v4._points = a.v4._points
    assert {a: 1}[Addresses.from_cidrs(["10.0.0.0/9", "10.128.0.0/9", "::1/128"])] == 1
    assert pickle.loads(pickle.dumps(a)) == a
    assert pickle.loads(pickle.dumps(a.v4)) == a.v4


def test_address_partition() -> None:
    vpc = AddressSet.from_cidr("10.0.0.0/16")
    subnet = AddressSet.from_cidr("10.0.1.0/24")
    atoms = AddressSet.partition(4, [(vpc, "vpc"), (subnet, "subnet")])
    by_label = {a.labels: a.points for a in atoms}
    assert by_label[frozenset({"vpc", "subnet"})] == subnet
    assert by_label[frozenset({"vpc"})] == vpc - subnet
    assert by_label[frozenset()] == vpc.complement()
    with pytest.raises(ValueError):
        AddressSet.partition(6, [(vpc, "vpc")])


def test_mixed_family_partition_merges_equal_signatures() -> None:
    world = Addresses.world()
    rule = Addresses.from_cidrs(["10.0.0.0/8", "fd00::/8"])
    atoms = Addresses.partition([(world, "w"), (rule, "r")])
    assert [a.labels for a in atoms] == [frozenset({"w"}), frozenset({"w", "r"})]
    assert atoms[1].points == rule
    assert atoms[0].points == world - rule
    only6 = Addresses.partition([(Addresses.from_cidrs(["::/0"]), "six")])
    assert [(a.labels, a.points.v4.is_universe, a.points.v6.is_empty) for a in only6] == [
        (frozenset(), True, True),
        (frozenset({"six"}), False, False),
    ]


# -- properties ---------------------------------------------------------------------------------


def v4_networks(min_prefix: int = 0) -> st.SearchStrategy[IPv4Network]:
    return st.builds(
        lambda addr, plen: IPv4Network((addr, plen), strict=False),
        st.integers(0, 2**32 - 1),
        st.integers(min_prefix, 32),
    )


def v6_networks() -> st.SearchStrategy[IPv6Network]:
    return st.builds(
        lambda addr, plen: IPv6Network((addr, plen), strict=False),
        st.integers(0, 2**128 - 1),
        st.integers(0, 128),
    )


# Blocks clustered in 10.0.0.0/24 overlap and touch often, which is where merging can go wrong.
clustered_v4 = st.builds(
    lambda off, plen: IPv4Network((0x0A000000 + off, plen), strict=False),
    st.integers(0, 255),
    st.integers(24, 32),
)
any_v4 = st.one_of(clustered_v4, v4_networks())


def probes(nets: list[IPv4Network] | list[IPv6Network], bits: int, extra: list[int]) -> set[int]:
    """Addresses worth sampling: each block's ends and their neighbours, plus random ones."""
    top = 2**bits - 1
    pts = {0, top, *extra}
    for n in nets:
        lo, hi = int(n.network_address), int(n.broadcast_address)
        pts |= {lo, hi, max(lo - 1, 0), min(hi + 1, top)}
    return pts


@SET
@given(st.lists(clustered_v4, max_size=10))
def test_exact_model_in_a_small_block(nets: list[IPv4Network]) -> None:
    s = AddressSet.from_cidrs(4, nets)
    model = {int(a) for n in nets for a in n}
    base = 0x0A000000
    assert {x for x in range(base, base + 256) if s.points.contains(x)} == model
    assert s.size == len(model)


@SET
@given(st.lists(any_v4, max_size=8), st.lists(st.integers(0, 2**32 - 1), max_size=10))
def test_v4_membership_and_minimal_cidrs(nets: list[IPv4Network], extra: list[int]) -> None:
    s = AddressSet.from_cidrs(4, [str(n) for n in nets])
    for x in probes(nets, 32, extra):
        addr = IPv4Address(x)
        assert s.contains(addr) == any(addr in n for n in nets)
        assert s.complement().contains(addr) != s.contains(addr)
    cidrs = s.to_cidrs()
    # ipaddress.collapse_addresses is minimal too, so the lists must be identical.
    assert cidrs == list(ipaddress.collapse_addresses(nets))
    assert AddressSet.from_cidrs(4, cidrs) == s
    assert s.is_universe == (cidrs == [IPv4Network("0.0.0.0/0")])


@SET
@given(st.lists(v6_networks(), max_size=6), st.lists(st.integers(0, 2**128 - 1), max_size=10))
def test_v6_membership_and_minimal_cidrs(nets: list[IPv6Network], extra: list[int]) -> None:
    s = AddressSet.from_cidrs(6, nets)
    for x in probes(nets, 128, extra):
        addr = IPv6Address(x)
        assert s.contains(addr) == any(addr in n for n in nets)
    assert s.to_cidrs() == list(ipaddress.collapse_addresses(nets))
    assert AddressSet.from_cidrs(6, s.to_cidrs()) == s
    assert (s | s.complement()).is_universe and (s & s.complement()).is_empty


@SET
@given(
    st.lists(any_v4, max_size=6),
    st.lists(any_v4, max_size=6),
    st.lists(st.integers(0, 2**32 - 1), max_size=8),
)
def test_v4_algebra_by_sampling(
    a_nets: list[IPv4Network], b_nets: list[IPv4Network], extra: list[int]
) -> None:
    a, b = AddressSet.from_cidrs(4, a_nets), AddressSet.from_cidrs(4, b_nets)
    union, inter, diff = a | b, a & b, a - b
    for x in probes(a_nets + b_nets, 32, extra):
        in_a, in_b = a.points.contains(x), b.points.contains(x)
        assert union.points.contains(x) == (in_a or in_b)
        assert inter.points.contains(x) == (in_a and in_b)
        assert diff.points.contains(x) == (in_a and not in_b)
    assert (a | b).covers(a) and a.covers(a & b)
    assert a.isdisjoint(b) == (a & b).is_empty
    assert AddressSet.from_cidrs(4, union.to_cidrs()) == union


@SET
@given(st.lists(st.tuples(st.one_of(any_v4, v6_networks()), st.sampled_from("abcd")), max_size=6))
def test_mixed_partition_by_sampling(items: list[tuple[IPv4Network | IPv6Network, str]]) -> None:
    pairs = [(Addresses.from_cidrs([n]), lab) for n, lab in items]
    atoms = Addresses.partition(pairs)
    assert len({a.labels for a in atoms}) == len(atoms)
    total = Addresses()
    for atom in atoms:
        assert not atom.points.is_empty
        assert total.isdisjoint(atom.points)
        total = total | atom.points
        # Every probe of the atom lies in exactly the labelled sets.
        for net in atom.points.to_cidrs()[:5]:
            for addr in (net.network_address, net.broadcast_address):
                assert frozenset(lab for n, lab in items if addr in n) == atom.labels
    assert total.is_universe
