"""Typed parameters of check functions, and the port-list type rule packs and configs share."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

from sgaudit.netalgebra import Traffic


class CheckParams(BaseModel):
    """Base of every check's parameter model: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoParams(CheckParams):
    """For checks that take no parameters."""


_PORT = re.compile(r"^(?:(tcp|udp|all|-1)/)?([0-9]+)(?:-([0-9]+))?$")


class PortSpec(BaseModel):
    """One entry of a port list: ``22`` (tcp), ``"udp/161"``, ``"tcp/1433-1434"``, ``"all/3389"``.

    ``all`` means tcp and udp (like Config's ``protocolType: ALL`` for EC2.53/54). It is written and
    read back as the same short string, so a list can be dumped and overridden in a config file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: str
    from_port: int
    to_port: int

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"not a port: {value!r}")
        if isinstance(value, int):
            value = str(value)
        if isinstance(value, str):
            m = _PORT.match(value.strip().lower())
            if not m:
                raise ValueError(
                    f"not a port or port range: {value!r} (write 22, 'udp/161' or 'tcp/1433-1434')"
                )
            proto = {"-1": "all"}.get(m[1] or "tcp", m[1] or "tcp")
            lo, hi = int(m[2]), int(m[3] or m[2])
            return {"protocol": proto, "from_port": lo, "to_port": hi}
        return value

    @model_validator(mode="after")
    def _check(self) -> PortSpec:
        if self.protocol not in ("tcp", "udp", "all"):
            raise ValueError(f"port protocol must be tcp, udp or all, not {self.protocol!r}")
        if not 0 <= self.from_port <= self.to_port <= 65535:
            raise ValueError(f"invalid port range {self.from_port}-{self.to_port}")
        return self

    @model_serializer
    def _dump(self) -> str:
        return str(self)

    def __str__(self) -> str:
        ports = str(self.from_port) if self.from_port == self.to_port else f"{self.from_port}-{self.to_port}"
        return ports if self.protocol == "tcp" else f"{self.protocol}/{ports}"

    @property
    def traffic(self) -> Traffic:
        """The flows this entry names."""
        protos = ("tcp", "udp") if self.protocol == "all" else (self.protocol,)
        return Traffic.union(Traffic.from_rule(p, self.from_port, self.to_port) for p in protos)


def ports_traffic(ports: tuple[PortSpec, ...]) -> Traffic:
    """The union of a port list's flows."""
    return Traffic.union(p.traffic for p in ports)
