"""Exact, immutable set algebra over ports, protocols and addresses for the reachability engine.

- `IntervalSet`: canonical runs of integers; the base of everything else.
- `AddressSet` (one family) and `Addresses` (IPv4 + IPv6): CIDR blocks in, minimal CIDR blocks out.
- `Traffic`: protocol/port space with AWS's rule semantics (``-1``, numeric protocols, ICMP type/code).
- `partition` (and the ``partition`` class methods): coarsest common refinement of many sets, the
  basis of equivalence classes of addresses and ports.

All values compare and hash by content, so equal sets are interchangeable dictionary keys.
"""

from sgaudit.netalgebra.addresses import (
    ALL_ADDRESSES,
    NO_ADDRESSES,
    UNIVERSE_V4,
    UNIVERSE_V6,
    Addresses,
    AddressSet,
    CidrLike,
    IPVersion,
    canonical_cidr,
    parse_network,
)
from sgaudit.netalgebra.errors import InvalidCidrError, InvalidTrafficError, NetAlgebraError
from sgaudit.netalgebra.intervals import EMPTY, Atom, Interval, IntervalSet, partition, partition_by_labels
from sgaudit.netalgebra.traffic import (
    ALL_TRAFFIC,
    DIMENSIONS,
    ICMP_CODES,
    NO_TRAFFIC,
    OTHER_PROTOCOLS,
    PORTS,
    MatrixEntry,
    ProtocolLike,
    Traffic,
    protocol_number,
)

__all__ = [
    "ALL_ADDRESSES",
    "ALL_TRAFFIC",
    "DIMENSIONS",
    "EMPTY",
    "ICMP_CODES",
    "NO_ADDRESSES",
    "NO_TRAFFIC",
    "OTHER_PROTOCOLS",
    "PORTS",
    "UNIVERSE_V4",
    "UNIVERSE_V6",
    "AddressSet",
    "Addresses",
    "Atom",
    "CidrLike",
    "IPVersion",
    "Interval",
    "IntervalSet",
    "InvalidCidrError",
    "InvalidTrafficError",
    "MatrixEntry",
    "NetAlgebraError",
    "ProtocolLike",
    "Traffic",
    "canonical_cidr",
    "parse_network",
    "partition",
    "partition_by_labels",
    "protocol_number",
]
