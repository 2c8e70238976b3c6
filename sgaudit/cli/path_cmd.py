"""``sgaudit path SRC DST``: one path, hop by hop, every blocker, and the fix.

Exit codes: 0 reachable; 1 not reachable (partial, blocked or unknown); 2 a bad selector, port or
protocol; 3 the snapshot is incomplete (collection failed somewhere), unless ``--allow-partial``.
"""

from __future__ import annotations

import argparse
import json

from sgaudit.cli.common import add_snapshot_argument, incomplete_reasons, load_for_command
from sgaudit.engine import Engine
from sgaudit.engine.render import render_path_text
from sgaudit.errors import ExitCode, UsageError

NAME = "path"
HELP = "one path between two endpoints, hop by hop, with every blocker and the fix"

_EPILOG = """\
selectors: ecs:<cluster>/<service>  ecs-task:<id>  rds:<id>  rds-cluster:<id>  ec2:<id>  eni:<id>
           elb:<name>  lambda:<name>  vpce:<id>  sg:<id>  ip:<address>  cidr:<block>  pl:<id>
           internet  tag:<Key>=<Value>  name:<Name tag>  (bare i-, eni-, sg- ids work too)

examples:
  sgaudit path ecs:prod/api rds:prod-db --snapshot snap/          # port: the DB's endpoint port
  sgaudit path internet elb:web --port 443 --snapshot snap/ --format json
  sgaudit path eni-0abc ip:10.0.1.5 --protocol icmp --port 8 --snapshot snap/
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``sgaudit path``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _EPILOG
    parser.add_argument("source", metavar="SRC", help="source selector, e.g. ecs:prod/api")
    parser.add_argument("destination", metavar="DST", help="destination selector, e.g. rds:prod-db")
    parser.add_argument(
        "--protocol",
        default="tcp",
        metavar="P",
        help="tcp (default), udp, icmp, icmpv6 or a protocol number",
    )
    parser.add_argument(
        "--port",
        type=int,
        metavar="N",
        help="destination port (ICMP: the type); default: the destination's listen port for the protocol",
    )
    parser.add_argument("--icmp-code", type=int, metavar="C", help="ICMP code (default 0)")
    add_snapshot_argument(parser, required=False)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )


def run(args: argparse.Namespace) -> int:
    """Evaluate the path and print it; the exit code says whether it is reachable."""
    if args.snapshot is None:
        raise UsageError(
            "sgaudit path needs --snapshot S (a snapshot directory or .zip; see `sgaudit collect`)"
        )
    inventory = load_for_command(args.snapshot)
    engine = Engine(inventory)
    src = engine.resolve(args.source)
    dst = engine.resolve(args.destination)
    result = engine.path(src, dst, args.protocol, args.port, args.icmp_code)
    if not inventory.complete:
        # An incomplete snapshot says so wherever it is used (DESIGN.md section 2).
        reason = "; ".join(incomplete_reasons(inventory)) or "collection failed somewhere"
        result = result.model_copy(update={"notes": [f"snapshot is INCOMPLETE: {reason}", *result.notes]})
    if args.format == "json":
        print(json.dumps(result.model_dump(mode="json"), indent=2))
    else:
        print(render_path_text(result), end="")
    if not inventory.complete and not args.allow_partial:
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.CLEAN if result.verdict == "reachable" else ExitCode.FINDINGS)
