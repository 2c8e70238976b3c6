"""Errors raised when a CIDR, protocol or port range cannot be understood.

They subclass both `SgauditError` (so an uncaught one reaches the user as one line, exit 2) and
`ValueError` (so a pydantic validator that calls the algebra turns them into a `ValidationError`
carrying the field location, which the snapshot loader then names together with the file).
"""

from __future__ import annotations

from sgaudit.errors import SgauditError


class NetAlgebraError(SgauditError, ValueError):
    """A network value (address, CIDR, protocol, port, ICMP type/code) that is not valid."""


class InvalidCidrError(NetAlgebraError):
    """An address or CIDR block that does not parse, or belongs to the wrong address family."""


class InvalidTrafficError(NetAlgebraError):
    """A protocol, port range or ICMP type/code that AWS would not accept."""
