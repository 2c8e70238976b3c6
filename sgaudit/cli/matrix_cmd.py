"""``sgaudit matrix``: every allowed flow between endpoints, with protocol and merged port ranges.

Formats: ``text`` (an aligned table), ``csv`` (with a header) and ``json`` (DESIGN.md section 6:
``{"schema_version": 1, "flows": [{"source", "destination", "protocol", "ports"}]}``). The text and CSV
rows carry a verdict, which the JSON shape has no field for:

- ``reachable``: every pair of the two endpoints reaches it (every running task, every subnet an RDS
  instance may be placed in, every internet address of the family);
- ``partial``: some pairs do, others are blocked;
- ``unknown``: no pair is known to reach it but some might (a prefix list whose entries the snapshot
  lacks, a group of an account it does not cover, missing route or NACL data).

JSON lists what some pair reaches (reachable and partial rows, merged), never unknown rows. Output is
sorted and stable: two runs on one snapshot are byte-identical.

Exit codes: 0; 2 a bad selector or argument; 3 the snapshot is incomplete, unless ``--allow-partial``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from sgaudit.cli.common import add_snapshot_argument, incomplete_reasons, load_for_command
from sgaudit.collector import spare_what_exists
from sgaudit.engine import Endpoint, Engine
from sgaudit.engine.matrix import MatrixResult, compute
from sgaudit.errors import ExitCode, UsageError

NAME = "matrix"
HELP = "every allowed flow between endpoints, with protocol and port ranges"

_EPILOG = """\
verdicts (text and csv): reachable = every pair of the two endpoints (every task, every subnet of a
database); partial = some pairs; unknown = cannot be decided from the snapshot (unreadable prefix list,
cross-account group). json has no verdict field: it lists every flow some pair reaches.

examples:
  sgaudit matrix --snapshot snap/
  sgaudit matrix --snapshot snap/ --from ecs:prod/api --format csv
  sgaudit matrix --snapshot snap/ --from internet --format json
"""

_HEADER = ("SOURCE", "DESTINATION", "PROTOCOL", "PORTS", "VERDICT")
_CHUNK = 10000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``sgaudit matrix``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _EPILOG
    add_snapshot_argument(parser, required=False)
    parser.add_argument(
        "--from",
        dest="sources",
        action="append",
        metavar="SEL",
        help="only flows from this endpoint (a selector; repeatable); default: every endpoint, the internet",
    )
    parser.add_argument(
        "--to",
        dest="destinations",
        action="append",
        metavar="SEL",
        help="only flows to this endpoint (a selector; repeatable); default every endpoint and the internet",
    )
    parser.add_argument(
        "--no-internet",
        action="store_true",
        help="leave the internet out of the default endpoints",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "csv"), default="text", help="output format (default text)"
    )


def _resolve(engine: Engine, selectors: list[str] | None) -> list[Endpoint] | None:
    if not selectors:
        return None
    return [engine.resolve(s) for s in selectors]


def run(args: argparse.Namespace) -> int:
    """Compute the matrix and print it in the chosen format."""
    if args.snapshot is None:
        raise UsageError(
            "sgaudit matrix needs --snapshot S (a snapshot directory or .zip; see `sgaudit collect`)"
        )
    inventory = load_for_command(args.snapshot)
    engine = Engine(inventory)
    result = compute(
        engine,
        _resolve(engine, args.sources),
        _resolve(engine, args.destinations),
        include_internet=not args.no_internet,
    )
    spare_what_exists()  # millions of pair results: writing them must not rescan them again and again
    write(result, args.format, sys.stdout)
    if not inventory.complete:
        reason = "; ".join(incomplete_reasons(inventory)) or "collection failed somewhere"
        print(
            f"sgaudit: warning: the snapshot is INCOMPLETE, flows may be missing: {reason}", file=sys.stderr
        )
        if not args.allow_partial:
            return int(ExitCode.INCOMPLETE)
    return int(ExitCode.CLEAN)


def write(result: MatrixResult, fmt: str, out: TextIO) -> None:
    """Render a matrix in one format (text, csv or json) to ``out``."""
    if fmt == "json":
        _write_json(result, out)
    elif fmt == "csv":
        _write_csv(result, out)
    else:
        _write_text(result, out)


def _write_json(result: MatrixResult, out: TextIO) -> None:
    # Streamed, not one big json.dumps: a large estate has millions of flows.
    out.write('{"schema_version": 1, "flows": [')
    first = True
    enc = _once(json.dumps)  # escaped, ASCII, as json.dumps writes it

    for chunk in _chunks(result.iter_flows()):
        parts = [
            f'{{"source": {enc(s)}, "destination": {enc(d)}, "protocol": {enc(p)}, "ports": {enc(po)}}}'
            for s, d, p, po in chunk
        ]
        out.write(("\n  " if first else ",\n  ") + ",\n  ".join(parts))
        first = False
    out.write("]}\n" if first else "\n]}\n")


def _write_csv(result: MatrixResult, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([h.lower() for h in _HEADER])
    enc = _once(_csv_field)

    for chunk in _chunks(result.iter_row_tuples()):
        out.write("".join(f"{enc(s)},{enc(d)},{enc(p)},{enc(po)},{v}\n" for s, d, p, po, v in chunk))


def _write_text(result: MatrixResult, out: TextIO) -> None:
    widths = [len(h) for h in _HEADER]
    count = 0
    for row in result.iter_row_tuples():
        count += 1
        for k in range(4):
            widths[k] = max(widths[k], len(row[k]))
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:4]) + "  {}"
    out.write(fmt.format(*_HEADER).rstrip() + "\n")
    for chunk in _chunks(result.iter_row_tuples()):
        out.write("".join(fmt.format(*row) + "\n" for row in chunk))
    pairs = result.pair_count
    out.write(
        f"\n{count} flow{'s' if count != 1 else ''} between {pairs} endpoint pair{'s' if pairs != 1 else ''}"
    )
    out.write(" (reachable: every pair of the two endpoints; partial: some; unknown: cannot be decided)\n")


def _once(encode: Callable[[str], str]) -> Callable[[str], str]:
    """``encode`` with a cache: selectors repeat on every row of a matrix with millions."""
    encoded: dict[str, str] = {}

    def cached(value: str) -> str:
        hit = encoded.get(value)
        if hit is None:
            hit = encoded[value] = encode(value)
        return hit

    return cached


def _csv_field(value: str) -> str:
    """One field as the csv module writes it (quoted only when it must be)."""
    one = io.StringIO()
    csv.writer(one, lineterminator="").writerow([value])
    return one.getvalue()


def _chunks(rows: Iterable[tuple[str, ...]]) -> Iterator[list[tuple[str, ...]]]:
    chunk: list[tuple[str, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
