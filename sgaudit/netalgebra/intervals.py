"""Sets of integers as canonical runs of closed intervals, and the coarsest common partition.

Everything the reachability engine compares (ports, ICMP type/code pairs, protocol numbers, IPv4 and
IPv6 addresses) is a set of integers, and the sets that come out of security-group rules are a few
long runs. Keeping them as canonical interval tuples makes every set operation linear in the number
of runs instead of the number of ports or addresses, and makes equal sets equal (and equally hashed)
objects, so they can key dictionaries of equivalence classes.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from sgaudit.netalgebra._pydantic import value_schema

Interval = tuple[int, int]
"""A closed interval ``(lo, hi)`` with ``lo <= hi``."""

_first = operator.itemgetter(0)


def _coalesce(items: Iterable[Interval]) -> tuple[Interval, ...]:
    """Merge intervals already sorted by their lower end, joining touching and overlapping ones."""
    out: list[Interval] = []
    it = iter(items)
    first = next(it, None)
    if first is None:
        return ()
    cur_lo, cur_hi = first
    for lo, hi in it:
        # `lo <= cur_hi + 1` also joins touching runs (3-5 and 6-9), which is what makes the
        # representation canonical: one set, one tuple.
        if lo <= cur_hi + 1:
            cur_hi = max(cur_hi, hi)
        else:
            out.append((cur_lo, cur_hi))
            cur_lo, cur_hi = lo, hi
    out.append((cur_lo, cur_hi))
    return tuple(out)


class IntervalSet:
    """An immutable set of integers stored as sorted, disjoint, non-touching closed intervals.

    Construct from any iterable of ``(lo, hi)`` pairs (in any order, overlapping or touching);
    the result is canonical, so two sets holding the same integers compare and hash equal.
    ``|``, ``&`` and ``-`` and `covers` run in time linear in the number of intervals; `contains`
    is a binary search.
    """

    __slots__ = ("_hash", "_iv")
    _iv: tuple[Interval, ...]
    _hash: int | None

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        items: list[Interval] = []
        for lo, hi in intervals:
            lo_i, hi_i = operator.index(lo), operator.index(hi)
            if lo_i > hi_i:
                raise ValueError(f"interval ({lo_i}, {hi_i}) has its lower end above its upper end")
            items.append((lo_i, hi_i))
        items.sort()
        object.__setattr__(self, "_iv", _coalesce(items))
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _canonical(cls, iv: tuple[Interval, ...]) -> IntervalSet:
        """Wrap a tuple that is already canonical (internal fast path, no checks)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "_iv", iv)
        object.__setattr__(obj, "_hash", None)
        return obj

    @classmethod
    def span(cls, lo: int, hi: int) -> IntervalSet:
        """The set ``{lo, ..., hi}``."""
        return cls(((lo, hi),))

    @classmethod
    def point(cls, value: int) -> IntervalSet:
        """The set ``{value}``."""
        return cls(((value, value),))

    @classmethod
    def from_points(cls, values: Iterable[int]) -> IntervalSet:
        """The set of the given integers (duplicates and any order allowed)."""
        return cls._canonical(_coalesce((v, v) for v in sorted(set(map(operator.index, values)))))

    # -- inspection ---------------------------------------------------------------------------

    @property
    def intervals(self) -> tuple[Interval, ...]:
        """The canonical intervals, ascending."""
        return self._iv

    @property
    def is_empty(self) -> bool:
        """True for the empty set."""
        return not self._iv

    @property
    def size(self) -> int:
        """How many integers the set holds."""
        return sum(hi - lo + 1 for lo, hi in self._iv)

    def __iter__(self) -> Iterator[Interval]:
        """Iterate over the canonical intervals (not the individual integers)."""
        return iter(self._iv)

    def __bool__(self) -> bool:
        return bool(self._iv)

    def contains(self, value: int) -> bool:
        """True if ``value`` is in the set."""
        iv = self._iv
        i = bisect_right(iv, value, key=_first) - 1
        return i >= 0 and iv[i][1] >= value

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.contains(value)

    def covers(self, other: IntervalSet) -> bool:
        """True if every integer of ``other`` is in this set (``other`` is a subset)."""
        a = self._iv
        n = len(a)
        i = 0
        for lo, hi in other._iv:
            while i < n and a[i][1] < lo:
                i += 1
            # Canonical runs never touch, so a covered interval lies inside one single run.
            if i == n or a[i][0] > lo or a[i][1] < hi:
                return False
        return True

    def isdisjoint(self, other: IntervalSet) -> bool:
        """True if the two sets share no integer."""
        a, b = self._iv, other._iv
        i = j = 0
        while i < len(a) and j < len(b):
            if a[i][1] < b[j][0]:
                i += 1
            elif b[j][1] < a[i][0]:
                j += 1
            else:
                return False
        return True

    # -- algebra ------------------------------------------------------------------------------

    def __or__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        if not other._iv:
            return self
        if not self._iv:
            return other
        # Timsort finds the two ascending runs and merges them in linear time.
        return IntervalSet._canonical(_coalesce(sorted(self._iv + other._iv)))

    def __and__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        a, b = self._iv, other._iv
        out: list[Interval] = []
        i = j = 0
        na, nb = len(a), len(b)
        while i < na and j < nb:
            alo, ahi = a[i]
            blo, bhi = b[j]
            lo = alo if alo > blo else blo
            hi = ahi if ahi < bhi else bhi
            if lo <= hi:
                out.append((lo, hi))
            if ahi < bhi:
                i += 1
            else:
                j += 1
        # Pieces of canonical inputs are separated by integers missing from one input, so the
        # output is canonical without another merge pass.
        return IntervalSet._canonical(tuple(out))

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        a, b = self._iv, other._iv
        if not a or not b:
            return self
        out: list[Interval] = []
        j, nb = 0, len(b)
        for lo, hi in a:
            while j < nb and b[j][1] < lo:
                j += 1
            cur = lo
            k = j
            while k < nb:
                blo, bhi = b[k]
                if blo > hi:
                    break
                if blo > cur:
                    out.append((cur, blo - 1))
                if bhi >= hi:
                    # b[k] may reach into the next run of `a`: keep it for that run.
                    cur = hi + 1
                    break
                cur = bhi + 1
                k += 1
            if cur <= hi:
                out.append((cur, hi))
            j = k
        return IntervalSet._canonical(tuple(out))

    def __xor__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return (self - other) | (other - self)

    def complement(self, universe: IntervalSet) -> IntervalSet:
        """The integers of ``universe`` that are not in this set."""
        return universe - self

    # -- value semantics ----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return self._iv == other._iv

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(self._iv)
            object.__setattr__(self, "_hash", h)
        return h

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (IntervalSet, (self._iv,))

    def __repr__(self) -> str:
        return f"IntervalSet({list(self._iv)!r})"

    def __str__(self) -> str:
        """``22, 80-443`` style; ``(empty)`` for the empty set."""
        if not self._iv:
            return "(empty)"
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self._iv)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """JSON form: a list of ``[lo, hi]`` pairs."""
        pair = core_schema.tuple_schema([core_schema.int_schema(), core_schema.int_schema()])
        return value_schema(
            cls,
            lambda s: [[lo, hi] for lo, hi in s.intervals],
            cls,
            core_schema.list_schema(pair),
        )


EMPTY = IntervalSet()
"""The empty interval set."""


S = TypeVar("S")
L = TypeVar("L", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Atom(Generic[S, L]):
    """One block of a partition: the points it holds and the labels of the sets that contain it."""

    points: S
    labels: frozenset[L]


def partition_by_labels(
    pairs: Iterable[tuple[IntervalSet, L]], universe: IntervalSet
) -> dict[frozenset[L], IntervalSet]:
    """The coarsest partition of ``universe`` by the given sets, keyed by membership.

    Each key is the set of labels whose sets contain every point of the block (and no other
    label's set contains any of them); the blocks are non-empty, disjoint and cover ``universe``.
    A label given for several sets stands for their union. Parts of a set outside ``universe``
    are ignored. Runs in O(E log E) for E interval endpoints.
    """
    index: dict[L, int] = {}
    labels: list[L] = []
    # Events (position, delta, label index); index -1 marks the universe's own boundaries.
    events: list[tuple[int, int, int]] = []
    for lo, hi in universe.intervals:
        events.append((lo, 1, -1))
        events.append((hi + 1, -1, -1))
    for points, label in pairs:
        idx = index.get(label)
        if idx is None:
            idx = index[label] = len(labels)
            labels.append(label)
        for lo, hi in (points & universe).intervals:
            events.append((lo, 1, idx))
            events.append((hi + 1, -1, idx))
    events.sort()

    # The membership signature is an exact bitmask (bit i = label i active), kept up to date
    # per event, so grouping elementary segments costs a dict lookup, not a set construction.
    counts = [0] * len(labels)
    mask = 0
    inside = 0
    groups: dict[int, list[Interval]] = {}
    i, n = 0, len(events)
    while i < n:
        pos = events[i][0]
        while i < n and events[i][0] == pos:
            _, delta, idx = events[i]
            if idx < 0:
                inside += delta
            else:
                c = counts[idx]
                counts[idx] = c + delta
                if c == 0 or c + delta == 0:
                    mask ^= 1 << idx
            i += 1
        if inside and i < n:
            groups.setdefault(mask, []).append((pos, events[i][0] - 1))

    result: dict[frozenset[L], IntervalSet] = {}
    for mask_key, segs in groups.items():
        members: list[L] = []
        m = mask_key
        while m:
            low = m & -m
            members.append(labels[low.bit_length() - 1])
            m ^= low
        result[frozenset(members)] = IntervalSet._canonical(_coalesce(segs))
    return result


def partition(pairs: Iterable[tuple[IntervalSet, L]], universe: IntervalSet) -> list[Atom[IntervalSet, L]]:
    """The coarsest partition of ``universe`` into atoms, each inside or outside every set.

    This is the basis of equivalence classes: two points of one atom are treated identically by
    every set given. Atoms are ordered by their smallest point; see `partition_by_labels`.
    """
    blocks = partition_by_labels(pairs, universe)
    atoms = [Atom(points, labels) for labels, points in blocks.items()]
    atoms.sort(key=lambda a: a.points.intervals[0][0])
    return atoms
