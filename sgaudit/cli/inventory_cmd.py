"""``sgaudit inventory``: what a snapshot holds, as counts (a quick sanity check of a collection)."""

from __future__ import annotations

import argparse
import json

from sgaudit.cli.common import add_snapshot_argument, incomplete_reasons, load_for_command
from sgaudit.errors import ExitCode
from sgaudit.inventory import Inventory

NAME = "inventory"
HELP = "summarise what a snapshot holds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``sgaudit inventory``."""
    add_snapshot_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")


def render_summary(inv: Inventory, fmt: str = "text") -> str:
    """The inventory summary as text or JSON."""
    counts = inv.summary()
    scopes = [{"account": s.account, "region": s.region, "path": s.path} for s in inv.scopes]
    if fmt == "json":
        errors = incomplete_reasons(inv)
        doc = {"complete": inv.complete, "scopes": scopes, "counts": counts, "errors": errors}
        return json.dumps(doc, indent=2, sort_keys=True)
    lines = [f"snapshot: {inv.source}  ({'complete' if inv.complete else 'INCOMPLETE'})"]
    lines += [f"scope: {s['account'] or '?'} {s['region'] or '?'}" for s in scopes]
    width = max(len(k) for k in counts)
    lines += [f"  {k.replace('_', ' '):<{width}}  {v}" for k, v in counts.items()]
    lines += [f"  error: {e}" for e in incomplete_reasons(inv)]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the summary; exit 3 on an incomplete snapshot unless --allow-partial."""
    inv = load_for_command(args.snapshot)
    print(render_summary(inv, args.format))
    if not inv.complete and not args.allow_partial:
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.CLEAN)
