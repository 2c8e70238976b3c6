"""Benchmark a whole ``sgaudit check`` run and every report format on a seeded estate.

    python bench/check.py                                   # 3,000 interfaces / 400 groups / 4,000 rules
    python bench/check.py --interfaces 20000 --groups 2500 --rules 25000
    python bench/check.py --snapshot /tmp/est               # an existing snapshot

Prints the time of each stage (load, engine, checks and intents, matrix, each format) and the size of each
rendered report. A benchmark, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from sgaudit.checks.runner import run_checks
from sgaudit.config import AuditConfig
from sgaudit.engine import Engine
from sgaudit.findings import ReportContext
from sgaudit.formats import OutputFormat, render
from sgaudit.inventory import load_inventory
from sgaudit.pipeline import compute_matrix_rows, network_view, snapshot_summary
from sgaudit.rulepack.loader import load_rulepack
from sgaudit.synth.random_estate import generate_estate


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per stage."""
    parser = argparse.ArgumentParser(prog="bench/check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interfaces", type=int, default=3000)
    parser.add_argument("--groups", type=int, default=400)
    parser.add_argument("--rules", type=int, default=4000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sgaudit-bench-") as tmp:
        snap = args.snapshot
        if snap is None:
            snap = Path(tmp) / "estate"
            generate_estate(args.seed, args.interfaces, args.groups, args.rules).write(snap)

        def stage(name: str, started: float) -> float:
            now = time.perf_counter()
            print(f"{name:<28} {now - started:8.2f} s", flush=True)
            return now

        t = time.perf_counter()
        inv = load_inventory(snap)
        t = stage(f"load ({len(inv.network_interfaces)} interfaces)", t)
        engine = Engine(inv)
        t = stage("engine", t)
        outcome = run_checks(engine, load_rulepack(), AuditConfig())
        t = stage(f"checks ({len(outcome.findings)} findings)", t)
        rows = sorted(compute_matrix_rows(engine))
        t = stage(f"matrix ({len(rows)} flows)", t)
        ctx = ReportContext(
            report=outcome.report(snapshot_summary(inv)),
            rules=outcome.rules,
            network=network_view(engine, rows),
        )
        t = stage("report context", t)
        for fmt in OutputFormat:
            text = render(fmt, ctx)
            t = stage(f"render {fmt.value} ({len(text) // 1024} KiB)", t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':<28} {peak:8.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
