"""IntervalSet and partition: unit cases plus properties against Python sets on a small universe."""

from __future__ import annotations

import itertools
import pickle
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgaudit.netalgebra import EMPTY, IntervalSet, partition, partition_by_labels

SMALL = 40  # universe 0..SMALL; small enough to enumerate, big enough for gaps and runs
UNIVERSE = IntervalSet.span(0, SMALL)
ALL_POINTS = frozenset(range(SMALL + 1))
PROBE = range(-2, SMALL + 3)  # also just outside the universe

SET = settings(deadline=None, max_examples=300)


def points_of(s: IntervalSet) -> frozenset[int]:
    return frozenset(x for lo, hi in s for x in range(lo, hi + 1))


def assert_canonical(s: IntervalSet) -> None:
    ivs = s.intervals
    for lo, hi in ivs:
        assert lo <= hi
    for (_, prev_hi), (lo, _) in itertools.pairwise(ivs):
        assert lo > prev_hi + 1, f"runs touch or overlap: {ivs}"


interval = st.tuples(st.integers(0, SMALL), st.integers(0, SMALL)).map(lambda p: (min(p), max(p)))
interval_lists = st.lists(interval, max_size=8)


@st.composite
def sets(draw: st.DrawFn) -> tuple[IntervalSet, frozenset[int]]:
    ivs = draw(interval_lists)
    model = frozenset(x for lo, hi in ivs for x in range(lo, hi + 1))
    return IntervalSet(ivs), model


# -- unit cases ---------------------------------------------------------------------------------


def test_touching_and_overlapping_runs_merge_into_one_canonical_value() -> None:
    full = IntervalSet.span(0, 65535)
    assert IntervalSet([(1, 65535), (0, 0)]) == full
    assert hash(IntervalSet([(1, 65535), (0, 0)])) == hash(full)
    assert IntervalSet([(0, 100), (50, 65535)]).intervals == ((0, 65535),)
    assert IntervalSet([(5, 9), (1, 3), (4, 4), (20, 30)]).intervals == ((1, 9), (20, 30))
    # 1-65535 is not 0-65535: port 0 differs, and exactness matters here.
    assert IntervalSet.span(1, 65535) != full
    assert full.covers(IntervalSet.span(1, 65535))
    assert not IntervalSet.span(1, 65535).covers(full)


def test_non_touching_runs_stay_apart() -> None:
    s = IntervalSet([(1, 3), (5, 7)])
    assert s.intervals == ((1, 3), (5, 7))
    assert not s.contains(4)
    assert s.size == 6


def test_basic_operations() -> None:
    a = IntervalSet([(0, 10), (20, 30)])
    b = IntervalSet([(5, 25)])
    assert (a | b).intervals == ((0, 30),)
    assert (a & b).intervals == ((5, 10), (20, 25))
    assert (a - b).intervals == ((0, 4), (26, 30))
    assert (b - a).intervals == ((11, 19),)
    assert a.complement(IntervalSet.span(0, 40)).intervals == ((11, 19), (31, 40))
    assert (a ^ b).intervals == ((0, 4), (11, 19), (26, 30))
    assert a.contains(0) and a.contains(30) and not a.contains(15) and not a.contains(-1)
    assert 25 in a and "25" not in a
    assert list(a) == [(0, 10), (20, 30)]


def test_difference_where_one_run_spans_several() -> None:
    a = IntervalSet([(0, 5), (10, 15), (20, 25)])
    b = IntervalSet([(3, 22)])
    assert (a - b).intervals == ((0, 2), (23, 25))
    assert (b - a).intervals == ((6, 9), (16, 19))


def test_empty_set() -> None:
    assert EMPTY.is_empty and not EMPTY and EMPTY.size == 0
    assert IntervalSet() == EMPTY
    assert (EMPTY | IntervalSet.point(3)) == IntervalSet.point(3)
    assert (IntervalSet.point(3) & EMPTY).is_empty
    assert IntervalSet.point(3).covers(EMPTY)
    assert not EMPTY.covers(IntervalSet.point(3))
    assert str(EMPTY) == "(empty)"


def test_from_points_and_rendering() -> None:
    s = IntervalSet.from_points([7, 3, 4, 5, 9, 3])
    assert s.intervals == ((3, 5), (7, 7), (9, 9))
    assert str(s) == "3-5, 7, 9"


def test_invalid_interval_is_rejected() -> None:
    with pytest.raises(ValueError):
        IntervalSet([(5, 4)])
    with pytest.raises(TypeError):
        IntervalSet([(1.5, 4)])  # type: ignore[list-item]


def test_immutable_hashable_picklable() -> None:
    s = IntervalSet([(1, 2)])
    with pytest.raises(AttributeError):
        s._iv = ()
    with pytest.raises(AttributeError):
        del s._iv
    assert {s: 1}[IntervalSet([(1, 1), (2, 2)])] == 1
    assert pickle.loads(pickle.dumps(s)) == s


def test_huge_values_for_ipv6_sized_universes() -> None:
    top = 2**128 - 1
    s = IntervalSet([(0, 2**127 - 1), (2**127, top)])
    assert s.intervals == ((0, top),)
    assert s.size == 2**128


def test_partition_simple() -> None:
    atoms = partition(
        [(IntervalSet.span(0, 10), "a"), (IntervalSet.span(5, 20), "b")], IntervalSet.span(0, 30)
    )
    assert [(a.points.intervals, a.labels) for a in atoms] == [
        (((0, 4),), frozenset({"a"})),
        (((5, 10),), frozenset({"a", "b"})),
        (((11, 20),), frozenset({"b"})),
        (((21, 30),), frozenset()),
    ]


def test_partition_merges_non_contiguous_points_with_the_same_membership() -> None:
    # 22 and 3389 are both "in the admin set only": one atom, two runs (the coarsest partition).
    admin = IntervalSet([(22, 22), (3389, 3389)])
    web = IntervalSet([(80, 80), (443, 443)])
    atoms = partition([(admin, "admin"), (web, "web")], IntervalSet.span(0, 65535))
    by_label = {a.labels: a.points for a in atoms}
    assert by_label[frozenset({"admin"})] == admin
    assert by_label[frozenset({"web"})] == web
    assert by_label[frozenset()] == IntervalSet.span(0, 65535) - admin - web
    assert len(atoms) == 3


def test_partition_edge_cases() -> None:
    assert partition([(IntervalSet.span(0, 5), "a")], EMPTY) == []
    # A set reaching outside the universe is clipped to it.
    atoms = partition([(IntervalSet.span(-100, 100), "a")], IntervalSet.span(0, 10))
    assert [(a.points, a.labels) for a in atoms] == [(IntervalSet.span(0, 10), frozenset({"a"}))]
    # No sets at all: the universe is one atom, even with a hole in it.
    u = IntervalSet([(0, 3), (7, 9)])
    no_sets: list[tuple[IntervalSet, str]] = []
    assert [(a.points, a.labels) for a in partition(no_sets, u)] == [(u, frozenset())]


# -- properties against Python sets -------------------------------------------------------------


@SET
@given(sets())
def test_construction_matches_model(sm: tuple[IntervalSet, frozenset[int]]) -> None:
    s, model = sm
    assert_canonical(s)
    assert points_of(s) == model
    assert s.size == len(model)
    assert s.is_empty == (not model)
    assert all(s.contains(x) == (x in model) for x in PROBE)
    assert IntervalSet.from_points(model) == s


@SET
@given(sets(), sets())
def test_algebra_matches_model(
    am: tuple[IntervalSet, frozenset[int]], bm: tuple[IntervalSet, frozenset[int]]
) -> None:
    a, ma = am
    b, mb = bm
    for result, expected in [
        (a | b, ma | mb),
        (a & b, ma & mb),
        (a - b, ma - mb),
        (a ^ b, ma ^ mb),
        (a.complement(UNIVERSE), ALL_POINTS - ma),
    ]:
        assert_canonical(result)
        assert points_of(result) == expected
    assert a.covers(b) == (mb <= ma)
    assert a.isdisjoint(b) == ma.isdisjoint(mb)
    assert (a == b) == (ma == mb)
    if ma == mb:
        assert hash(a) == hash(b)


@SET
@given(sets(), sets(), st.lists(interval, max_size=4))
def test_complement_in_a_universe_with_holes(
    am: tuple[IntervalSet, frozenset[int]], bm: tuple[IntervalSet, frozenset[int]], u: list[tuple[int, int]]
) -> None:
    a, ma = am
    universe = IntervalSet(u)
    assert points_of(a.complement(universe)) == points_of(universe) - ma


labelled_sets = st.lists(st.tuples(sets(), st.sampled_from("abcdef")), max_size=7)


@SET
@given(labelled_sets, st.lists(interval, min_size=0, max_size=4))
def test_partition_matches_brute_force(
    items: list[tuple[tuple[IntervalSet, frozenset[int]], str]], u: list[tuple[int, int]]
) -> None:
    universe = IntervalSet(u)
    # Brute force: the signature of every point is the labels of the sets containing it
    # (a repeated label stands for the union of its sets); atoms group equal signatures.
    expected: dict[frozenset[str], set[int]] = defaultdict(set)
    for x in points_of(universe):
        expected[frozenset(lab for (_, m), lab in items if x in m)].add(x)
    pairs = [(s, lab) for (s, _), lab in items]
    got = partition_by_labels(pairs, universe)
    assert {k: points_of(v) for k, v in got.items()} == {k: frozenset(v) for k, v in expected.items()}

    atoms = partition(pairs, universe)
    assert len(atoms) == len(expected)  # coarsest: one atom per distinct signature
    seen: set[int] = set()
    for atom in atoms:
        assert_canonical(atom.points)
        pts = points_of(atom.points)
        assert pts and seen.isdisjoint(pts)
        seen |= pts
    assert seen == points_of(universe)
    firsts = [a.points.intervals[0][0] for a in atoms]
    assert firsts == sorted(firsts)
