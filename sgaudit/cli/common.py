"""Arguments and helpers shared by the commands that read a snapshot."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from sgaudit.collector import spare_what_exists
from sgaudit.inventory import Inventory, load_inventory

log = logging.getLogger(__name__)


def add_snapshot_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--snapshot S``: a snapshot directory or .zip."""
    parser.add_argument(
        "--snapshot",
        metavar="S",
        type=Path,
        required=required,
        help="snapshot directory or .zip (raw AWS CLI JSON, as written by `sgaudit collect`)",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="do not exit 3 when the snapshot is incomplete (collection failed somewhere)",
    )


def load_for_command(path: Path) -> Inventory:
    """Load a snapshot, warning on standard error when it is incomplete."""
    inv = load_inventory(path)
    spare_what_exists()  # the inventory serves the whole command
    if not inv.complete:
        log.warning("snapshot %s is INCOMPLETE: %s", path, "; ".join(incomplete_reasons(inv)))
    return inv


def incomplete_reasons(inv: Inventory) -> list[str]:
    """One line per failed call or failed scope, for messages and reports."""
    out = list(inv.global_errors)
    for scope in inv.scopes:
        for err in scope.errors:
            out.append(
                f"{scope.account or '?'}/{scope.region or '?'}: {err.service}:{err.operation} failed"
                f" ({err.error_code or 'error'})"
            )
    return out
