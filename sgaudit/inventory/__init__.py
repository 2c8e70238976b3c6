"""The inventory: a snapshot's resources, normalised and joined (see :mod:`sgaudit.inventory.build`)."""

from sgaudit.inventory.build import Inventory, ScopeInfo, build_inventory, load_inventory, normalize_protocol
from sgaudit.inventory.models import (
    Direction,
    EcsTask,
    EniOwner,
    EniOwnerKind,
    NetworkInterface,
    Peer,
    PeerKind,
    SecurityGroup,
    SecurityGroupRule,
)

__all__ = [
    "Direction",
    "EcsTask",
    "EniOwner",
    "EniOwnerKind",
    "Inventory",
    "NetworkInterface",
    "Peer",
    "PeerKind",
    "ScopeInfo",
    "SecurityGroup",
    "SecurityGroupRule",
    "build_inventory",
    "load_inventory",
    "normalize_protocol",
]
