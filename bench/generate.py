"""Write a large, realistic, seeded synthetic estate as an ordinary snapshot directory.

    python bench/generate.py --seed 1 --interfaces 20000 --groups 2500 --rules 25000 -o /tmp/estate

The estate comes from :func:`sgaudit.synth.random_estate.generate_estate`; the same arguments always
write the same files. JSON is compact unless ``--pretty`` (indenting makes writing several times slower).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sgaudit.errors import SgauditError
from sgaudit.synth.random_estate import generate_estate, sizes


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="bench/generate.py", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--interfaces", type=int, default=20000, help="network interfaces (default 20000)")
    parser.add_argument("--groups", type=int, default=2500, help="security groups, default groups included")
    parser.add_argument("--rules", type=int, default=25000, help="security-group rules (one per peer)")
    parser.add_argument("--account", default="123456789012", help="account id (default 123456789012)")
    parser.add_argument("--region", default="us-east-1", help="region (default us-east-1)")
    parser.add_argument(
        "--layout",
        choices=("flat", "region", "accounts"),
        default="flat",
        help="snapshot layout (default flat)",
    )
    parser.add_argument("--manifest", action="store_true", help="write a manifest.json like sgaudit collect")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON like the AWS CLI")
    parser.add_argument("-o", "--output", type=Path, required=True, help="snapshot directory to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Generate and write the estate; returns the process exit code."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        builder = generate_estate(
            args.seed, args.interfaces, args.groups, args.rules, account=args.account, region=args.region
        )
        built = time.perf_counter()
        builder.write(
            args.output, layout=args.layout, manifest=args.manifest, indent=4 if args.pretty else None
        )
    except SgauditError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    counts = sizes(builder)
    print(
        f"wrote {args.output}: {counts.interfaces} interfaces, {counts.groups} groups, {counts.rules} rules "
        f"(built in {built - started:.1f}s, written in {done - built:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
