"""Deterministic, AWS-looking identifiers for synthetic estates.

Every id comes from a per-prefix counter passed through a bijection of the id space, so ids are unique
within a builder by construction (no retry loop, O(1) per id) and look random, like AWS's. The seed
shifts every sequence, so two builders with different seeds (two accounts) do not collide in practice.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import random
import string
import uuid

# Odd multipliers are invertible modulo a power of two, so n -> (n + offset) * M mod 2**bits is a
# bijection: distinct counters always give distinct ids.
_MULT_64 = 0x9E3779B97F4A7C15
_ALNUM = string.ascii_lowercase + string.digits


def _offset(seed: int, label: str) -> int:
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:16], "big")


class IdFactory:
    """Generates ids, UUIDs, MAC addresses and public IPs from one seed."""

    def __init__(self, seed: int) -> None:
        """Start every sequence for ``seed``."""
        self.seed = seed
        self._counters: dict[str, int] = {}
        self._offsets: dict[str, int] = {}
        self._rng = random.Random(seed)

    def _next(self, label: str, bits: int) -> int:
        n = self._counters.get(label, 0)
        self._counters[label] = n + 1
        off = self._offsets.get(label)
        if off is None:
            off = self._offsets[label] = _offset(self.seed, label)
        mask = (1 << bits) - 1
        mult = (_MULT_64 | 1) & mask or 1
        return ((n + off) * mult) & mask

    def hex_id(self, prefix: str, width: int = 17) -> str:
        """An EC2-style id such as ``sg-0a1b2c3d4e5f60718`` (``width`` hex digits after the prefix).

        Long ids start with ``0``, as AWS's 17-digit ids do; the rest is the unique part.
        """
        if width >= 17:
            return f"{prefix}0{self._next(prefix, 4 * (width - 1)):0{width - 1}x}"
        return f"{prefix}{self._next(prefix, 4 * width):0{width}x}"

    def hex_token(self, label: str, width: int) -> str:
        """A bare hex token (ELB ids, ECS task ids), unique per ``label``."""
        return f"{self._next(label, 4 * width):0{width}x}"

    def digits(self, label: str, width: int) -> str:
        """A decimal token of ``width`` digits, unique per ``label`` (ECS deployment ids, ELB DNS)."""
        space = 10**width
        bits = space.bit_length() + 1
        # Cycle-walk the bijection until it lands below 10**width; terminates quickly since the
        # power-of-two space is at most four times larger.
        while True:
            value = self._next(label, bits)
            if value < space:
                return f"{value:0{width}d}"

    def small(self, label: str, bound: int) -> int:
        """A number in ``[0, bound)`` from the seeded generator (``label`` documents the use)."""
        del label
        return self._rng.randrange(max(bound, 1))

    def alnum(self, width: int) -> str:
        """A lower-case alphanumeric token (RDS endpoint hashes, Lambda revision suffixes)."""
        return "".join(self._rng.choice(_ALNUM) for _ in range(width))

    def uuid(self) -> str:
        """A version-4 UUID drawn from the seeded generator."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def mac(self) -> str:
        """A locally administered unicast MAC address, unique per factory."""
        value = self._next("mac", 40)
        octets = [0x02] + [(value >> shift) & 0xFF for shift in (32, 24, 16, 8, 0)]
        return ":".join(f"{o:02x}" for o in octets)

    def public_ipv4(self) -> str:
        """A public IPv4 from an Amazon-looking pool (54.144.0.0/12), unique per factory."""
        base = int(ipaddress.IPv4Address("54.144.0.0"))
        host = self._next("public-ip", 20)
        # Skip network-looking .0 and broadcast-looking .255 addresses: they read as wrong.
        while host & 0xFF in (0, 255):
            host = self._next("public-ip", 20)
        return str(ipaddress.IPv4Address(base + host))

    def ipv6_host(self) -> int:
        """A 64-bit interface identifier for an IPv6 address, unique per factory."""
        value = self._next("ipv6-host", 64)
        while value < 4 or value == (1 << 64) - 1:
            value = self._next("ipv6-host", 64)
        return value

    def sha256_b64(self) -> str:
        """A base64 SHA-256-looking string (Lambda CodeSha256)."""
        return base64.b64encode(self._rng.getrandbits(256).to_bytes(32, "big")).decode()
