"""IPv4 and IPv6 address sets built on `IntervalSet`.

An address is its integer value, so a CIDR block is one interval and any union of rule peers is
a short canonical interval list. That is what lets ``0.0.0.0/1`` + ``128.0.0.0/1`` be recognised
as ``0.0.0.0/0``: they are the same set, hence the same object. IPv4 and IPv6 never mix (AWS
evaluates them separately), so `AddressSet` holds one family and `Addresses` a pair of them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any, Literal, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from sgaudit.netalgebra._pydantic import value_schema
from sgaudit.netalgebra.errors import InvalidCidrError
from sgaudit.netalgebra.intervals import EMPTY, Atom, IntervalSet, partition_by_labels

IPVersion = Literal[4, 6]
"""An address family: 4 or 6."""

IPNetwork = IPv4Network | IPv6Network
IPAddress = IPv4Address | IPv6Address
CidrLike = str | IPv4Network | IPv6Network | IPv4Address | IPv6Address
"""What the constructors accept: ``"10.0.0.0/16"``, ``"10.0.0.5"`` (a /32), or ipaddress objects."""

L = TypeVar("L", bound=Hashable)

_BITS: dict[int, int] = {4: 32, 6: 128}
UNIVERSE_V4 = IntervalSet.span(0, 2**32 - 1)
"""Every IPv4 address, as integers."""
UNIVERSE_V6 = IntervalSet.span(0, 2**128 - 1)
"""Every IPv6 address, as integers."""
_UNIVERSE: dict[int, IntervalSet] = {4: UNIVERSE_V4, 6: UNIVERSE_V6}


def parse_network(value: CidrLike, *, strict: bool = False) -> IPNetwork:
    """Parse a CIDR block or a bare address (taken as /32 or /128).

    With ``strict=False`` (the default, like AWS) host bits are cleared: ``10.0.0.18/18`` is
    ``10.0.0.0/18``. With ``strict=True`` such input is an error.
    """
    if isinstance(value, IPv4Network | IPv6Network):
        return value
    if isinstance(value, IPv4Address | IPv6Address):
        return ip_network(value)
    try:
        return ip_network(value.strip(), strict=strict)
    except ValueError as exc:
        raise InvalidCidrError(f"invalid CIDR block {value!r}: {exc}") from None


def canonical_cidr(value: CidrLike) -> str:
    """The canonical text of a CIDR block as AWS returns it: ``10.0.0.18/18`` -> ``10.0.0.0/18``."""
    return str(parse_network(value))


def _parse_address(value: str | IPAddress) -> IPAddress:
    if isinstance(value, IPv4Address | IPv6Address):
        return value
    try:
        return ip_address(value.strip())
    except ValueError as exc:
        raise InvalidCidrError(f"invalid IP address {value!r}: {exc}") from None


def _family(version: int) -> IPVersion:
    if version == 4:
        return 4
    if version == 6:
        return 6
    raise ValueError(f"address family must be 4 or 6, not {version!r}")


class AddressSet:
    """An immutable set of addresses of one family (IPv4: 0..2^32-1, IPv6: 0..2^128-1)."""

    __slots__ = ("_hash", "_points", "_version")
    _points: IntervalSet
    _version: IPVersion
    _hash: int | None

    def __init__(self, version: int, points: IntervalSet = EMPTY) -> None:
        fam = _family(version)
        if not _UNIVERSE[fam].covers(points):
            raise ValueError(f"points outside the IPv{fam} address space: {points!r}")
        self._init(fam, points)

    def _init(self, version: IPVersion, points: IntervalSet) -> None:
        object.__setattr__(self, "_version", version)
        object.__setattr__(self, "_points", points)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _make(cls, version: IPVersion, points: IntervalSet) -> AddressSet:
        obj = object.__new__(cls)
        obj._init(version, points)
        return obj

    @classmethod
    def empty(cls, version: int) -> AddressSet:
        """No address of the family."""
        return cls._make(_family(version), EMPTY)

    @classmethod
    def universe(cls, version: int) -> AddressSet:
        """Every address of the family (``0.0.0.0/0`` or ``::/0``)."""
        fam = _family(version)
        return cls._make(fam, _UNIVERSE[fam])

    @classmethod
    def from_cidr(cls, value: CidrLike, *, strict: bool = False) -> AddressSet:
        """One CIDR block or address; the family follows the input."""
        net = parse_network(value, strict=strict)
        return cls._make(
            _family(net.version), IntervalSet.span(int(net.network_address), int(net.broadcast_address))
        )

    @classmethod
    def from_cidrs(cls, version: int, values: Iterable[CidrLike], *, strict: bool = False) -> AddressSet:
        """The union of CIDR blocks and addresses, all of family ``version``."""
        fam = _family(version)
        spans: list[tuple[int, int]] = []
        for value in values:
            net = parse_network(value, strict=strict)
            if net.version != fam:
                raise InvalidCidrError(f"{value!s} is an IPv{net.version} block where IPv{fam} was expected")
            spans.append((int(net.network_address), int(net.broadcast_address)))
        return cls._make(fam, IntervalSet(spans))

    # -- inspection ---------------------------------------------------------------------------

    @property
    def version(self) -> IPVersion:
        """The address family, 4 or 6."""
        return self._version

    @property
    def points(self) -> IntervalSet:
        """The addresses as integer intervals."""
        return self._points

    @property
    def is_empty(self) -> bool:
        """True if the set holds no address."""
        return self._points.is_empty

    @property
    def is_universe(self) -> bool:
        """True if the set is every address of the family, however it was written."""
        return self._points == _UNIVERSE[self._version]

    @property
    def size(self) -> int:
        """How many addresses the set holds."""
        return self._points.size

    def __bool__(self) -> bool:
        return bool(self._points)

    def contains(self, address: str | IPAddress) -> bool:
        """True if the address is in the set (an address of the other family never is)."""
        addr = _parse_address(address)
        return addr.version == self._version and self._points.contains(int(addr))

    def covers(self, other: AddressSet) -> bool:
        """True if every address of ``other`` is in this set."""
        return self._points.covers(self._same(other)._points)

    def isdisjoint(self, other: AddressSet) -> bool:
        """True if the sets share no address."""
        return self._points.isdisjoint(self._same(other)._points)

    def to_cidrs(self) -> list[IPNetwork]:
        """The fewest CIDR blocks whose union is exactly this set, ascending."""
        bits = _BITS[self._version]
        net_cls: type[IPNetwork] = IPv4Network if self._version == 4 else IPv6Network
        whole = 1 << bits
        out: list[IPNetwork] = []
        for run_lo, hi in self._points.intervals:
            # Greedy: at each start take the largest block that is aligned there and still fits.
            # Blocks cannot cross a gap, so doing it run by run is minimal for the whole set.
            lo = run_lo
            while lo <= hi:
                align = lo & -lo if lo else whole
                fit = 1 << ((hi - lo + 1).bit_length() - 1)
                block = align if align < fit else fit
                out.append(net_cls((lo, bits - block.bit_length() + 1)))
                lo += block
        return out

    def to_cidr_strings(self) -> list[str]:
        """`to_cidrs` as text, e.g. ``["10.0.0.0/23", "10.0.2.0/24"]``."""
        return [str(n) for n in self.to_cidrs()]

    # -- algebra ------------------------------------------------------------------------------

    def _same(self, other: AddressSet) -> AddressSet:
        if other._version != self._version:
            raise ValueError("cannot combine an IPv4 address set with an IPv6 one")
        return other

    def __or__(self, other: AddressSet) -> AddressSet:
        if not isinstance(other, AddressSet):
            return NotImplemented
        return AddressSet._make(self._version, self._points | self._same(other)._points)

    def __and__(self, other: AddressSet) -> AddressSet:
        if not isinstance(other, AddressSet):
            return NotImplemented
        return AddressSet._make(self._version, self._points & self._same(other)._points)

    def __sub__(self, other: AddressSet) -> AddressSet:
        if not isinstance(other, AddressSet):
            return NotImplemented
        return AddressSet._make(self._version, self._points - self._same(other)._points)

    def complement(self) -> AddressSet:
        """Every address of the family that is not in this set."""
        return AddressSet._make(self._version, _UNIVERSE[self._version] - self._points)

    @classmethod
    def partition(cls, version: int, pairs: Iterable[tuple[AddressSet, L]]) -> list[Atom[AddressSet, L]]:
        """Coarsest partition of the family's address space by the given sets (see `partition`)."""
        fam = _family(version)
        items: list[tuple[IntervalSet, L]] = []
        for s, label in pairs:
            if s._version != fam:
                raise ValueError(f"IPv{s._version} set given to an IPv{fam} partition")
            items.append((s._points, label))
        blocks = partition_by_labels(items, _UNIVERSE[fam])
        atoms = [Atom(cls._make(fam, pts), labels) for labels, pts in blocks.items()]
        atoms.sort(key=lambda a: a.points._points.intervals[0][0])
        return atoms

    # -- value semantics ----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AddressSet):
            return NotImplemented
        return self._version == other._version and self._points == other._points

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash((self._version, self._points))
            object.__setattr__(self, "_hash", h)
        return h

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (AddressSet, (self._version, self._points))

    def __repr__(self) -> str:
        return f"AddressSet({self._version}, {self.to_cidr_strings()!r})"

    def __str__(self) -> str:
        """Comma-separated minimal CIDR blocks; ``(none)`` when empty."""
        return ", ".join(self.to_cidr_strings()) or "(none)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """JSON form: ``{"version": 4, "cidrs": ["10.0.0.0/16"]}``."""
        form = core_schema.typed_dict_schema(
            {
                "version": core_schema.typed_dict_field(core_schema.literal_schema([4, 6])),
                "cidrs": core_schema.typed_dict_field(core_schema.list_schema(core_schema.str_schema())),
            }
        )
        return value_schema(
            cls,
            lambda s: {"version": s.version, "cidrs": s.to_cidr_strings()},
            lambda d: cls.from_cidrs(d["version"], d["cidrs"]),
            form,
        )


class Addresses:
    """A pair of address sets, IPv4 and IPv6, with the same operations applied per family."""

    __slots__ = ("_hash", "_v4", "_v6")
    _v4: AddressSet
    _v6: AddressSet
    _hash: int | None

    def __init__(self, v4: AddressSet | None = None, v6: AddressSet | None = None) -> None:
        if v4 is not None and v4.version != 4:
            raise ValueError("the v4 member of Addresses must be an IPv4 set")
        if v6 is not None and v6.version != 6:
            raise ValueError("the v6 member of Addresses must be an IPv6 set")
        object.__setattr__(self, "_v4", v4 if v4 is not None else _EMPTY4)
        object.__setattr__(self, "_v6", v6 if v6 is not None else _EMPTY6)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def from_cidrs(cls, values: Iterable[CidrLike], *, strict: bool = False) -> Addresses:
        """The union of CIDR blocks and addresses of either family, each sorted into its family."""
        spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for value in values:
            net = parse_network(value, strict=strict)
            spans[net.version].append((int(net.network_address), int(net.broadcast_address)))
        return cls(AddressSet._make(4, IntervalSet(spans[4])), AddressSet._make(6, IntervalSet(spans[6])))

    @classmethod
    def world(cls) -> Addresses:
        """Every IPv4 and every IPv6 address."""
        return ALL_ADDRESSES

    @property
    def v4(self) -> AddressSet:
        """The IPv4 part."""
        return self._v4

    @property
    def v6(self) -> AddressSet:
        """The IPv6 part."""
        return self._v6

    def family(self, version: int) -> AddressSet:
        """The part of family ``version`` (4 or 6)."""
        return self._v4 if _family(version) == 4 else self._v6

    @property
    def is_empty(self) -> bool:
        """True if neither family holds an address."""
        return self._v4.is_empty and self._v6.is_empty

    @property
    def is_universe(self) -> bool:
        """True if both families are complete (use ``.v4.is_universe`` to ask about one)."""
        return self._v4.is_universe and self._v6.is_universe

    @property
    def size(self) -> int:
        """How many addresses, both families together."""
        return self._v4.size + self._v6.size

    def __bool__(self) -> bool:
        return bool(self._v4) or bool(self._v6)

    def contains(self, address: str | IPAddress) -> bool:
        """True if the address (of either family) is in the set."""
        addr = _parse_address(address)
        return (self._v4 if addr.version == 4 else self._v6).contains(addr)

    def covers(self, other: Addresses) -> bool:
        """True if every address of ``other`` is in this set."""
        return self._v4.covers(other._v4) and self._v6.covers(other._v6)

    def isdisjoint(self, other: Addresses) -> bool:
        """True if the sets share no address."""
        return self._v4.isdisjoint(other._v4) and self._v6.isdisjoint(other._v6)

    def to_cidrs(self) -> list[IPNetwork]:
        """The fewest CIDR blocks that make up the set: IPv4 blocks first, then IPv6."""
        return [*self._v4.to_cidrs(), *self._v6.to_cidrs()]

    def to_cidr_strings(self) -> list[str]:
        """`to_cidrs` as text."""
        return [str(n) for n in self.to_cidrs()]

    def __or__(self, other: Addresses) -> Addresses:
        if not isinstance(other, Addresses):
            return NotImplemented
        return Addresses(self._v4 | other._v4, self._v6 | other._v6)

    def __and__(self, other: Addresses) -> Addresses:
        if not isinstance(other, Addresses):
            return NotImplemented
        return Addresses(self._v4 & other._v4, self._v6 & other._v6)

    def __sub__(self, other: Addresses) -> Addresses:
        if not isinstance(other, Addresses):
            return NotImplemented
        return Addresses(self._v4 - other._v4, self._v6 - other._v6)

    def complement(self) -> Addresses:
        """Every address, of both families, that is not in this set."""
        return Addresses(self._v4.complement(), self._v6.complement())

    @classmethod
    def partition(cls, pairs: Iterable[tuple[Addresses, L]]) -> list[Atom[Addresses, L]]:
        """Coarsest partition of all IPv4 and IPv6 addresses by the given sets.

        An atom may hold addresses of both families when they lie in exactly the same sets.
        Atoms are ordered by their first IPv4 address, then (IPv6-only atoms) their first IPv6 one.
        """
        items = list(pairs)
        b4 = partition_by_labels(((a._v4.points, lab) for a, lab in items), UNIVERSE_V4)
        b6 = partition_by_labels(((a._v6.points, lab) for a, lab in items), UNIVERSE_V6)
        atoms = [
            Atom(
                cls(AddressSet._make(4, b4.get(k, EMPTY)), AddressSet._make(6, b6.get(k, EMPTY))),
                k,
            )
            for k in b4.keys() | b6.keys()
        ]

        def order(atom: Atom[Addresses, L]) -> tuple[int, int]:
            v4 = atom.points._v4.points
            if v4:
                return (0, v4.intervals[0][0])
            return (1, atom.points._v6.points.intervals[0][0])

        atoms.sort(key=order)
        return atoms

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Addresses):
            return NotImplemented
        return self._v4 == other._v4 and self._v6 == other._v6

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash((self._v4, self._v6))
            object.__setattr__(self, "_hash", h)
        return h

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Addresses, (self._v4, self._v6))

    def __repr__(self) -> str:
        return f"Addresses({self.to_cidr_strings()!r})"

    def __str__(self) -> str:
        """Comma-separated minimal CIDR blocks; ``(none)`` when empty."""
        return ", ".join(self.to_cidr_strings()) or "(none)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """JSON form: a list of CIDR strings of either family."""
        return value_schema(
            cls,
            lambda s: s.to_cidr_strings(),
            cls.from_cidrs,
            core_schema.list_schema(core_schema.str_schema()),
        )


_EMPTY4 = AddressSet.empty(4)
_EMPTY6 = AddressSet.empty(6)
ALL_ADDRESSES = Addresses(AddressSet.universe(4), AddressSet.universe(6))
"""Every IPv4 and IPv6 address (``0.0.0.0/0`` and ``::/0``)."""
NO_ADDRESSES = Addresses()
"""No address at all."""
