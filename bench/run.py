"""Benchmark the engine on a large seeded estate: load, engine build, full matrix, one path query.

    python bench/run.py                       # generate 20,000 interfaces / 2,500 groups / 25,000 rules
    python bench/run.py --snapshot /tmp/est   # an existing snapshot directory (or .zip)
    python bench/run.py --interfaces 6000 --groups 750 --rules 7500 --queries 50

The estate comes from `sgaudit.synth.random_estate.generate_estate` (as `bench/generate.py` writes it),
written as an ordinary snapshot in a temporary folder and loaded through the real loader. Times are
wall-clock seconds on this machine; memory is the peak resident set size of the process
(``resource.getrusage``), so it includes the estate generator when the estate is generated here.
This is a benchmark, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sgaudit.engine import Endpoint, Engine
from sgaudit.engine.matrix import compute, compute_matrix
from sgaudit.errors import SgauditError
from sgaudit.inventory import load_inventory
from sgaudit.synth.random_estate import generate_estate

T = TypeVar("T")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, help="benchmark this snapshot instead of generating one")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated estate (default 1)")
    parser.add_argument("--interfaces", type=int, default=20000, help="network interfaces (default 20000)")
    parser.add_argument("--groups", type=int, default=2500, help="security groups (default 2500)")
    parser.add_argument("--rules", type=int, default=25000, help="security-group rules (default 25000)")
    parser.add_argument("--queries", type=int, default=50, help="path queries to time (default 50)")
    parser.add_argument(
        "--skip-flows",
        action="store_true",
        help="do not build the list[Flow] of compute_matrix (the slowest part on large estates)",
    )
    return parser


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    print(f"{label:<42} {time.perf_counter() - start:8.2f} s   peak RSS {_peak_mb():7.0f} MB", flush=True)
    return value


def _queries(
    engine: Engine, endpoints: list[Endpoint], n: int, seed: int
) -> list[tuple[Endpoint, Endpoint, int]]:
    """Seeded path queries: each to a database or service port when the destination has one."""
    rng = random.Random(seed)
    with_ports = [e for e in endpoints if any(p == "tcp" for p, _ in e.listen_ports)]
    out = []
    for _ in range(n):
        dst = rng.choice(with_ports or endpoints)
        src = rng.choice(endpoints)
        while src.selector == dst.selector:
            src = rng.choice(endpoints)
        ports = sorted(p for proto, p in dst.listen_ports if proto == "tcp")
        out.append((src, dst, ports[0] if ports else 443))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per stage."""
    args = build_parser().parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="sgaudit-bench-") as tmp:
            snapshot = args.snapshot
            if snapshot is None:
                builder = _timed(
                    f"generate {args.interfaces}/{args.groups}/{args.rules}",
                    lambda: generate_estate(args.seed, args.interfaces, args.groups, args.rules),
                )
                snapshot = _timed("write snapshot", lambda: builder.write(Path(tmp) / "estate", indent=None))
                del builder
            inventory = _timed("load snapshot (inventory)", lambda: load_inventory(snapshot))
            gc.freeze()  # as the CLI does after loading (sgaudit.cli.common.load_for_command)
            print(f"  {inventory.summary()}")
            engine = _timed("engine build", lambda: Engine(inventory))
            endpoints = _timed("endpoints (selectors resolved)", engine.endpoints)
            _timed("graph (networkx)", lambda: engine.graph)
            internet = engine.resolve("internet")
            print(f"  {len(endpoints)} endpoints, {sum(len(e.placements) for e in endpoints)} placements")

            result = _timed("matrix: reachability by classes", lambda: compute(engine))
            print(f"  {result.pair_count} endpoint pairs with some flow")
            flows = _timed("matrix: expand to flow rows", lambda: sum(1 for _ in result.iter_flows()))
            print(f"  {flows} flows (JSON rows)")
            rows = _timed("matrix: expand to text/csv rows", lambda: sum(1 for _ in result.iter_rows()))
            print(f"  {rows} rows with verdicts")
            if not args.skip_flows:
                listed = _timed(
                    "compute_matrix (list[Flow], end to end)", lambda: len(compute_matrix(engine))
                )
                print(f"  {listed} Flow objects")

            queries = _queries(engine, [*endpoints, internet], args.queries, args.seed)
            engine.path(*queries[0][:2], "tcp", queries[0][2])  # warm the caches once
            times = []
            for src, dst, port in queries:
                start = time.perf_counter()
                engine.path(src, dst, "tcp", port)
                times.append(time.perf_counter() - start)
            label = f"path query (median of {len(times)})"
            p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
            print(
                f"{label:<42} {statistics.median(times) * 1000:8.2f} ms"
                f"   p90 {p90 * 1000:.2f} ms, max {max(times) * 1000:.2f} ms"
            )
            print(f"{'peak RSS':<42} {_peak_mb():8.0f} MB")
    except SgauditError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
