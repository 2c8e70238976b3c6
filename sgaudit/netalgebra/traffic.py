"""The protocol/port space of security-group rules and NACL entries, as exact sets.

`Traffic` is five independent integer dimensions:

- ``tcp`` and ``udp``: destination ports 0-65535;
- ``icmp`` and ``icmpv6``: ``type * 256 + code`` (types and codes 0-255), so "type 3, every code"
  is one interval and "every type" is the whole dimension;
- ``other``: the numbers 0-255 of every other IP protocol, each all-or-nothing because AWS
  ignores ports for them (the dimension excludes 1, 6, 17 and 58, which have their own).

Protocol ``-1`` is every dimension in full. The constructors encode AWS's documented rules
(botocore ``IpPermission`` and ``CreateNetworkAclEntry``): any protocol other than tcp, udp, icmp
and icmpv6 means all ports whatever range is given; icmpv6 without a range means every type and
code; for NACLs, ICMPv6 on an IPv4 entry means every type and code.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, ClassVar, NamedTuple, TypeVar

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from sgaudit.netalgebra._pydantic import value_schema
from sgaudit.netalgebra.errors import InvalidTrafficError
from sgaudit.netalgebra.intervals import EMPTY, Atom, IntervalSet, partition_by_labels

L = TypeVar("L", bound=Hashable)

ProtocolLike = str | int
"""A protocol as AWS writes it: ``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``-1``/``all`` or a number."""

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
ALL_PROTOCOLS = -1

PORTS = IntervalSet.span(0, 65535)
"""Every TCP or UDP port."""
ICMP_CODES = IntervalSet.span(0, 255 * 256 + 255)
"""Every ICMP (or ICMPv6) type and code, encoded ``type * 256 + code``."""
OTHER_PROTOCOLS = IntervalSet.span(0, 255) - IntervalSet.from_points((ICMP, TCP, UDP, ICMPV6))
"""Every protocol number that has no port dimension of its own."""

DIMENSIONS = ("tcp", "udp", "icmp", "icmpv6", "other")
"""The names of the five dimensions, in their fixed order."""
_UNIVERSES = (PORTS, PORTS, ICMP_CODES, ICMP_CODES, OTHER_PROTOCOLS)
_DIM_OF_PROTOCOL = {TCP: 0, UDP: 1, ICMP: 2, ICMPV6: 3}
_PROTOCOL_NAMES = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6, "all": ALL_PROTOCOLS}
_NUMBER = re.compile(r"-?[0-9]+")
_PORT_ONE_TO_MAX = IntervalSet.span(1, 65535)
_SPAN = re.compile(r"([0-9]+)(?:-([0-9]+))?")
_TYPE_CODES = re.compile(r"([0-9]+):([0-9]+)(?:-([0-9]+))?")


def protocol_number(protocol: ProtocolLike) -> int:
    """Normalise a protocol name or number to its IANA number, ``-1`` for all protocols.

    >>> protocol_number("tcp"), protocol_number("6"), protocol_number("all"), protocol_number(47)
    (6, 6, -1, 47)
    """
    if isinstance(protocol, int) and not isinstance(protocol, bool):
        number = protocol
    else:
        text = str(protocol).strip().lower()
        if text in _PROTOCOL_NAMES:
            return _PROTOCOL_NAMES[text]
        if not _NUMBER.fullmatch(text):
            raise InvalidTrafficError(
                f"unknown protocol {protocol!r}: expected tcp, udp, icmp, icmpv6, -1 or a number 0-255"
            )
        number = int(text)
    if number == ALL_PROTOCOLS or 0 <= number <= 255:
        return number
    raise InvalidTrafficError(f"protocol number {number} is outside 0-255 (or -1 for all protocols)")


def _port_range(name: str, lo: int | None, hi: int | None) -> IntervalSet:
    if lo is None or hi is None:
        raise InvalidTrafficError(f"a {name} rule needs a port range (got from {lo!r} to {hi!r})")
    if not 0 <= lo <= hi <= 65535:
        raise InvalidTrafficError(f"invalid {name} port range {lo}-{hi}: ports are 0-65535, from <= to")
    return IntervalSet.span(lo, hi)


def _icmp_set(name: str, icmp_type: int, code: int, *, any_code_with_all_types: bool) -> IntervalSet:
    if not (-1 <= icmp_type <= 255 and -1 <= code <= 255):
        raise InvalidTrafficError(f"invalid {name} type {icmp_type} code {code}: both are -1 or 0-255")
    if icmp_type == -1:
        # For SG rules AWS documents "if the start port is -1 (all ICMP types), then the end
        # port must be -1"; a NACL's IcmpTypeCode says only "Type -1 means all types".
        if code != -1 and not any_code_with_all_types:
            raise InvalidTrafficError(f"{name} type -1 (all types) needs code -1, not {code}")
        return ICMP_CODES
    base = icmp_type * 256
    if code == -1:
        return IntervalSet.span(base, base + 255)
    return IntervalSet.point(base + code)


def _icmp_pieces(points: IntervalSet) -> Iterator[tuple[int, int, int, int]]:
    """Split encoded ICMP intervals into (type_lo, type_hi, code_lo, code_hi) pieces.

    A piece spans several types only when it holds every code of each of them.
    """
    for lo, hi in points:
        t1, c1 = divmod(lo, 256)
        t2, c2 = divmod(hi, 256)
        if t1 == t2:
            yield (t1, t1, c1, c2)
            continue
        if c1:
            yield (t1, t1, c1, 255)
            t1 += 1
        if c2 != 255:
            if t1 <= t2 - 1:
                yield (t1, t2 - 1, 0, 255)
            yield (t2, t2, 0, c2)
        else:
            yield (t1, t2, 0, 255)


def _span_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


class MatrixEntry(NamedTuple):
    """One row of the ``matrix`` output shape (DESIGN.md section 6).

    ``protocol`` is ``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all`` or a protocol number;
    ``ports`` is ``"5432"``, ``"1024-65535"`` or ``"all"``. For ICMP the ports field holds types
    and codes: ``"8"`` (type 8, every code), ``"3-5"`` (types 3 to 5), ``"3:4"`` (type 3 code 4),
    ``"3:0-4"`` (type 3 codes 0 to 4).
    """

    protocol: str
    ports: str


class Traffic:
    """An immutable set of (protocol, port) flows; see the module docstring for the encoding."""

    __slots__ = ("_dims", "_hash")
    _dims: tuple[IntervalSet, IntervalSet, IntervalSet, IntervalSet, IntervalSet]
    _hash: int | None

    ALL: ClassVar[Traffic]
    """Every protocol and port (protocol ``-1``)."""
    NONE: ClassVar[Traffic]
    """No traffic at all."""

    def __init__(
        self,
        *,
        tcp: IntervalSet = EMPTY,
        udp: IntervalSet = EMPTY,
        icmp: IntervalSet = EMPTY,
        icmpv6: IntervalSet = EMPTY,
        other: IntervalSet = EMPTY,
    ) -> None:
        dims = (tcp, udp, icmp, icmpv6, other)
        for name, universe, points in zip(DIMENSIONS, _UNIVERSES, dims, strict=True):
            if not universe.covers(points):
                raise ValueError(f"{name} values outside their space: {points!r}")
        object.__setattr__(self, "_dims", dims)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _make(cls, dims: tuple[IntervalSet, IntervalSet, IntervalSet, IntervalSet, IntervalSet]) -> Traffic:
        obj = object.__new__(cls)
        object.__setattr__(obj, "_dims", dims)
        object.__setattr__(obj, "_hash", None)
        return obj

    @classmethod
    def _one(cls, dim: int, points: IntervalSet) -> Traffic:
        dims = [EMPTY] * 5
        dims[dim] = points
        return cls._make((dims[0], dims[1], dims[2], dims[3], dims[4]))

    # -- constructors from AWS data -----------------------------------------------------------

    @classmethod
    def from_rule(
        cls, protocol: ProtocolLike, from_port: int | None = None, to_port: int | None = None
    ) -> Traffic:
        """The traffic one security-group rule (``IpPermission``/``SecurityGroupRule``) allows.

        ``-1`` and any protocol other than tcp/udp/icmp/icmpv6 allow every port whatever range
        is given. tcp/udp need a port range; icmp needs type (``from_port``) and code
        (``to_port``), ``-1`` meaning all; icmpv6 without a range means every type and code.
        """
        number = protocol_number(protocol)
        if number == ALL_PROTOCOLS:
            return ALL_TRAFFIC
        dim = _DIM_OF_PROTOCOL.get(number)
        if dim is None:
            return cls._one(4, IntervalSet.point(number))
        name = DIMENSIONS[dim]
        if dim <= 1:
            return cls._one(dim, _port_range(name, from_port, to_port))
        if from_port is None and to_port is None and number == ICMPV6:
            return cls._one(dim, ICMP_CODES)
        if from_port is None or to_port is None:
            raise InvalidTrafficError(
                f"an {name} rule needs a type and a code (FromPort/ToPort), got {from_port!r}/{to_port!r}"
            )
        return cls._one(dim, _icmp_set(name, from_port, to_port, any_code_with_all_types=False))

    @classmethod
    def from_nacl_entry(
        cls,
        protocol: ProtocolLike,
        *,
        port_from: int | None = None,
        port_to: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        ipv6: bool = False,
    ) -> Traffic:
        """The traffic one network-ACL entry matches (``Protocol``, ``PortRange``, ``IcmpTypeCode``).

        ``ipv6`` is whether the entry has an ``Ipv6CidrBlock``: AWS documents that protocol 58
        (ICMPv6) on an IPv4 entry matches every type and code, whatever is given.
        """
        number = protocol_number(protocol)
        if number == ALL_PROTOCOLS:
            return ALL_TRAFFIC
        dim = _DIM_OF_PROTOCOL.get(number)
        if dim is None:
            return cls._one(4, IntervalSet.point(number))
        name = DIMENSIONS[dim]
        if dim <= 1:
            return cls._one(dim, _port_range(name, port_from, port_to))
        if number == ICMPV6 and not ipv6:
            return cls._one(dim, ICMP_CODES)
        if icmp_type is None or icmp_code is None:
            raise InvalidTrafficError(
                f"a network ACL entry for {name} needs IcmpTypeCode,"
                f" got type {icmp_type!r} code {icmp_code!r}"
            )
        return cls._one(dim, _icmp_set(name, icmp_type, icmp_code, any_code_with_all_types=True))

    @classmethod
    def single(cls, protocol: ProtocolLike, port: int | None = None, code: int | None = None) -> Traffic:
        """One flow, for a query: ``single("tcp", 5432)``, ``single("icmp", 8, 0)``, ``single(47)``.

        For icmp/icmpv6 ``port`` is the type and ``code`` the code, both required. For protocols
        without ports any ``port`` is ignored, as AWS ignores it.
        """
        number = protocol_number(protocol)
        if number == ALL_PROTOCOLS:
            raise InvalidTrafficError("a single flow needs one protocol, not -1 (all)")
        dim = _DIM_OF_PROTOCOL.get(number)
        if dim is None:
            return cls._one(4, IntervalSet.point(number))
        name = DIMENSIONS[dim]
        if dim <= 1:
            if port is None or not 0 <= port <= 65535 or code is not None:
                raise InvalidTrafficError(f"a {name} flow needs one port 0-65535, got {port!r}")
            return cls._one(dim, IntervalSet.point(port))
        if port is None or code is None or not (0 <= port <= 255 and 0 <= code <= 255):
            raise InvalidTrafficError(f"an {name} flow needs a type and a code 0-255, got {port!r}/{code!r}")
        return cls._one(dim, IntervalSet.point(port * 256 + code))

    @classmethod
    def from_matrix_entry(cls, protocol: str, ports: str) -> Traffic:
        """Parse one `MatrixEntry` back (the inverse of `matrix_entries`)."""
        number = protocol_number(protocol)
        if number == ALL_PROTOCOLS or _DIM_OF_PROTOCOL.get(number) is None:
            if ports != "all":
                raise InvalidTrafficError(f"protocol {protocol} has no ports; expected 'all', got {ports!r}")
            return cls.from_rule(number)
        dim = _DIM_OF_PROTOCOL[number]
        name = DIMENSIONS[dim]
        if ports == "all":
            return cls._one(dim, _UNIVERSES[dim])
        span = _SPAN.fullmatch(ports)
        if dim <= 1 and span:
            lo, hi = int(span[1]), int(span[2] or span[1])
            return cls._one(dim, _port_range(name, lo, hi))
        codes = _TYPE_CODES.fullmatch(ports)
        if dim >= 2 and span:
            t1, t2 = int(span[1]), int(span[2] or span[1])
            if t1 <= t2 <= 255:
                return cls._one(dim, IntervalSet.span(t1 * 256, t2 * 256 + 255))
        elif dim >= 2 and codes:
            t, c1, c2 = int(codes[1]), int(codes[2]), int(codes[3] or codes[2])
            if t <= 255 and c1 <= c2 <= 255:
                return cls._one(dim, IntervalSet.span(t * 256 + c1, t * 256 + c2))
        raise InvalidTrafficError(f"invalid {name} ports {ports!r}")

    # -- inspection ---------------------------------------------------------------------------

    @property
    def tcp(self) -> IntervalSet:
        """The TCP destination ports."""
        return self._dims[0]

    @property
    def udp(self) -> IntervalSet:
        """The UDP destination ports."""
        return self._dims[1]

    @property
    def icmp(self) -> IntervalSet:
        """ICMP as ``type * 256 + code``."""
        return self._dims[2]

    @property
    def icmpv6(self) -> IntervalSet:
        """ICMPv6 as ``type * 256 + code``."""
        return self._dims[3]

    @property
    def other(self) -> IntervalSet:
        """The other protocol numbers (never 1, 6, 17 or 58)."""
        return self._dims[4]

    def items(self) -> Iterator[tuple[str, IntervalSet]]:
        """``(dimension name, values)`` for each non-empty dimension, in `DIMENSIONS` order."""
        for name, points in zip(DIMENSIONS, self._dims, strict=True):
            if points:
                yield name, points

    @property
    def is_empty(self) -> bool:
        """True if no flow is included."""
        return not any(self._dims)

    @property
    def is_all(self) -> bool:
        """True if every protocol and port is included, however it was assembled."""
        return self._dims == ALL_TRAFFIC._dims

    def __bool__(self) -> bool:
        return any(self._dims)

    def covers(self, other: Traffic) -> bool:
        """True if every flow of ``other`` is included."""
        return all(a.covers(b) for a, b in zip(self._dims, other._dims, strict=True))

    def isdisjoint(self, other: Traffic) -> bool:
        """True if the two share no flow."""
        return all(a.isdisjoint(b) for a, b in zip(self._dims, other._dims, strict=True))

    def contains(self, protocol: ProtocolLike, port: int | None = None, code: int | None = None) -> bool:
        """True if the single flow (as in `single`) is included."""
        return self.covers(Traffic.single(protocol, port, code))

    def opens_all_ports(self, protocol: ProtocolLike = ALL_PROTOCOLS) -> bool:
        """True if every port (every type and code) of ``protocol`` is included; ``-1``: of all.

        TCP/UDP port 0 is reserved and unusable, so 1-65535 counts as every port, like 0-65535.
        """
        number = protocol_number(protocol)
        if number == ALL_PROTOCOLS:
            return all(self.opens_all_ports(p) for p in (TCP, UDP, ICMP, ICMPV6)) and self._dims[4] == (
                OTHER_PROTOCOLS
            )
        dim = _DIM_OF_PROTOCOL.get(number)
        if dim is None:
            return self._dims[4].contains(number)
        return self._dims[dim].covers(_PORT_ONE_TO_MAX if dim <= 1 else ICMP_CODES)

    # -- algebra ------------------------------------------------------------------------------

    def __or__(self, other: Traffic) -> Traffic:
        if not isinstance(other, Traffic):
            return NotImplemented
        a, b = self._dims, other._dims
        return Traffic._make((a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3], a[4] | b[4]))

    def __and__(self, other: Traffic) -> Traffic:
        if not isinstance(other, Traffic):
            return NotImplemented
        a, b = self._dims, other._dims
        return Traffic._make((a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3], a[4] & b[4]))

    def __sub__(self, other: Traffic) -> Traffic:
        if not isinstance(other, Traffic):
            return NotImplemented
        a, b = self._dims, other._dims
        return Traffic._make((a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3], a[4] - b[4]))

    def complement(self) -> Traffic:
        """Every flow not included."""
        return ALL_TRAFFIC - self

    @classmethod
    def union(cls, parts: Iterable[Traffic]) -> Traffic:
        """The union of many traffic sets (e.g. of every rule of every group on an interface)."""
        dims: list[list[tuple[int, int]]] = [[], [], [], [], []]
        for part in parts:
            for acc, points in zip(dims, part._dims, strict=True):
                acc.extend(points.intervals)
        # One sort per dimension instead of a chain of pairwise unions.
        d = [IntervalSet(acc) for acc in dims]
        return cls._make((d[0], d[1], d[2], d[3], d[4]))

    @classmethod
    def partition(cls, pairs: Iterable[tuple[Traffic, L]]) -> list[Atom[Traffic, L]]:
        """Coarsest partition of all traffic by the given sets (see `intervals.partition`).

        An atom may span several protocols when they lie in exactly the same sets. Atoms are
        ordered by their first flow in `DIMENSIONS` order.
        """
        items = list(pairs)
        blocks = [
            partition_by_labels(((t._dims[d], lab) for t, lab in items), _UNIVERSES[d]) for d in range(5)
        ]
        keys: set[frozenset[L]] = set()
        for b in blocks:
            keys.update(b)
        atoms: list[Atom[Traffic, L]] = []
        for k in keys:
            d = [b.get(k, EMPTY) for b in blocks]
            atoms.append(Atom(cls._make((d[0], d[1], d[2], d[3], d[4])), k))

        def order(atom: Atom[Traffic, L]) -> tuple[int, int]:
            for d, points in enumerate(atom.points._dims):
                if points:
                    return (d, points.intervals[0][0])
            return (5, 0)  # pragma: no cover - atoms are never empty

        atoms.sort(key=order)
        return atoms

    # -- rendering ----------------------------------------------------------------------------

    def describe(self) -> str:
        """Stable human text: ``tcp 5432``, ``tcp 1024-65535, udp 53``, ``icmp type 3 code 4``,
        ``protocol 47``, ``all traffic``; ``no traffic`` when empty."""
        if self.is_all:
            return "all traffic"
        parts: list[str] = []
        for dim, (name, points) in enumerate(zip(DIMENSIONS, self._dims, strict=True)):
            if not points:
                continue
            if points == _UNIVERSES[dim]:
                parts.append("all other protocols" if dim == 4 else f"all {name}")
            elif dim <= 1:
                parts.extend(f"{name} {_span_text(lo, hi)}" for lo, hi in points)
            elif dim == 4:
                parts.extend(f"protocol {lo}" if lo == hi else f"protocols {lo}-{hi}" for lo, hi in points)
            else:
                for t1, t2, c1, c2 in _icmp_pieces(points):
                    if t1 != t2:
                        parts.append(f"{name} types {t1}-{t2}")
                    elif (c1, c2) == (0, 255):
                        parts.append(f"{name} type {t1}")
                    elif c1 == c2:
                        parts.append(f"{name} type {t1} code {c1}")
                    else:
                        parts.append(f"{name} type {t1} codes {c1}-{c2}")
        return ", ".join(parts) or "no traffic"

    def matrix_entries(self) -> list[MatrixEntry]:
        """The rows of the ``matrix`` output shape, in a fixed order (see `MatrixEntry`)."""
        if self.is_all:
            return [MatrixEntry("all", "all")]
        rows: list[MatrixEntry] = []
        for dim, (name, points) in enumerate(zip(DIMENSIONS, self._dims, strict=True)):
            if not points:
                continue
            if dim == 4:
                # Protocols without ports are each their own row: the shape has no number ranges.
                rows.extend(MatrixEntry(str(n), "all") for lo, hi in points for n in range(lo, hi + 1))
            elif points == _UNIVERSES[dim]:
                rows.append(MatrixEntry(name, "all"))
            elif dim <= 1:
                rows.extend(MatrixEntry(name, _span_text(lo, hi)) for lo, hi in points)
            else:
                for t1, t2, c1, c2 in _icmp_pieces(points):
                    if (c1, c2) == (0, 255):
                        rows.append(MatrixEntry(name, _span_text(t1, t2)))
                    else:
                        rows.append(MatrixEntry(name, f"{t1}:{_span_text(c1, c2)}"))
        return rows

    # -- value semantics ----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Traffic):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(self._dims)
            object.__setattr__(self, "_hash", h)
        return h

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, self._dims)

    def __repr__(self) -> str:
        return f"Traffic({self.describe()!r})"

    def __str__(self) -> str:
        return self.describe()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """JSON form: a list of ``{"protocol": ..., "ports": ...}`` matrix rows."""
        row = core_schema.typed_dict_schema(
            {
                "protocol": core_schema.typed_dict_field(core_schema.str_schema()),
                "ports": core_schema.typed_dict_field(core_schema.str_schema()),
            }
        )
        return value_schema(
            cls,
            lambda t: [r._asdict() for r in t.matrix_entries()],
            lambda rows: cls.union(cls.from_matrix_entry(r["protocol"], r["ports"]) for r in rows),
            core_schema.list_schema(row),
        )


def _rebuild(
    tcp: IntervalSet, udp: IntervalSet, icmp: IntervalSet, icmpv6: IntervalSet, other: IntervalSet
) -> Traffic:
    return Traffic(tcp=tcp, udp=udp, icmp=icmp, icmpv6=icmpv6, other=other)


ALL_TRAFFIC = Traffic._make(_UNIVERSES)
"""Every protocol and port (protocol ``-1``)."""
NO_TRAFFIC = Traffic._make((EMPTY, EMPTY, EMPTY, EMPTY, EMPTY))
"""No traffic."""
Traffic.ALL = ALL_TRAFFIC
Traffic.NONE = NO_TRAFFIC
