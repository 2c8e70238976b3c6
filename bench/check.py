"""Benchmark a whole ``sgaudit check`` run and every report format on a seeded estate.

    python bench/check.py                                   # 3,000 interfaces / 400 groups / 4,000 rules
    python bench/check.py --interfaces 20000 --groups 2500 --rules 25000
    python bench/check.py --snapshot /tmp/est               # an existing snapshot

Prints the time of each stage (load, engine, checks and intents, matrix, report context, each format; wall
clock and CPU) and the size of each rendered report, with the garbage-collector scopes of ``sgaudit
check``. The Markdown and HTML renderers share one network picture, so the later of the two is the
cheaper. A benchmark, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from sgaudit.checks.runner import run_checks
from sgaudit.collector import collector_spares_existing_objects, spare_what_exists
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

        cpu = [time.process_time()]

        def stage(name: str, started: float) -> float:
            # CPU time beside the wall clock: on a shared machine the wall clock also counts others' work.
            now, cpu_now = time.perf_counter(), time.process_time()
            print(f"{name:<28} {now - started:8.2f} s {cpu_now - cpu[0]:8.2f} s cpu", flush=True)
            cpu[0] = cpu_now
            return now

        t = time.perf_counter()
        cpu[0] = time.process_time()
        inv = load_inventory(snap)
        t = stage(f"load ({len(inv.network_interfaces)} interfaces)", t)
        engine = Engine(inv)
        t = stage("engine", t)
        # The garbage collector scopes of pipeline.run_check and pipeline.render_output.
        with collector_spares_existing_objects():
            outcome = run_checks(engine, load_rulepack(), AuditConfig())
            t = stage(f"checks ({len(outcome.findings)} findings)", t)
            rows = sorted(compute_matrix_rows(engine))
            spare_what_exists()
            t = stage(f"matrix ({len(rows)} flows)", t)
            ctx = ReportContext(
                report=outcome.report(snapshot_summary(inv)),
                rules=outcome.rules,
                network=network_view(engine, rows),
            )
            t = stage("report context", t)
        for fmt in OutputFormat:
            with collector_spares_existing_objects():
                text = render(fmt, ctx)
            t = stage(f"render {fmt.value} ({len(text) // 1024} KiB)", t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':<28} {peak:8.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
