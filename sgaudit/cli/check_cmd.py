"""``sgaudit check``: every rule and intent against a snapshot (or a live collection), with exit codes a
pipeline can gate on."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from sgaudit.cli.collect_cmd import add_collection_options, collect_from_args
from sgaudit.cli.common import incomplete_reasons
from sgaudit.cli.outputs import add_output_arguments, resolve_outputs
from sgaudit.errors import UsageError
from sgaudit.pipeline import CheckRun, exit_code, now_iso, parse_fail_on, render_output, run_check

NAME = "check"
HELP = "run every rule and intent on a snapshot (no SNAPSHOT: collect live first)"

FAIL_ON = ("critical", "high", "medium", "low", "info", "never")
log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sgaudit check``."""
    parser.add_argument(
        "snapshot_pos", nargs="?", metavar="SNAPSHOT", type=Path, help="snapshot folder or .zip"
    )
    parser.add_argument(
        "--snapshot", metavar="S", type=Path, help="snapshot folder or .zip (same as SNAPSHOT)"
    )
    parser.add_argument(
        "--intents",
        metavar="FILE",
        type=Path,
        help="intents and suppressions (default: ./sgaudit.yaml if present)",
    )
    parser.add_argument("--rules", metavar="DIR", type=Path, help="an extra rule pack folder of YAML rules")
    add_output_arguments(parser)
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="high",
        help="exit 1 when an unsuppressed finding is at least this severe (default: high)",
    )
    parser.add_argument(
        "--baseline", metavar="FILE", type=Path, help="a previous findings.json: fail only on new findings"
    )
    parser.add_argument(
        "--allow-partial", action="store_true", help="do not exit 3 on an incomplete snapshot"
    )
    live = parser.add_argument_group("live collection (when no SNAPSHOT is given)")
    add_collection_options(live)  # type: ignore[arg-type]
    live.add_argument("--save-snapshot", metavar="DIR", type=Path, help="keep the live snapshot in DIR")


def use_color(stream: object) -> bool:
    """Color only on a terminal, and never with NO_COLOR set."""
    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


def write_outputs(run: CheckRun, outputs: list[tuple[str, Path | None]]) -> None:
    """Render each requested format to its file, or to standard output."""
    for fmt, path in outputs:
        if path is None:
            text = render_output(fmt, run, color=fmt == "text" and use_color(sys.stdout))
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            continue
        text = render_output(fmt, run)
        try:
            if path.parent != Path():
                path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-o {path}: cannot write: {exc.strerror or exc}") from None
        log.info("wrote %s (%s)", path, fmt)


def _snapshot_arg(args: argparse.Namespace) -> Path | None:
    if args.snapshot_pos and args.snapshot and args.snapshot_pos != args.snapshot:
        raise UsageError("give the snapshot once: as SNAPSHOT or as --snapshot")
    path: Path | None = args.snapshot_pos or args.snapshot
    return path


def run(args: argparse.Namespace) -> int:
    """Check a snapshot (or collect one live), write the outputs, and return the exit code."""
    outputs = resolve_outputs(args.outputs)
    fail_on = parse_fail_on(args.fail_on)
    snapshot = _snapshot_arg(args)
    with tempfile.TemporaryDirectory(prefix="sgaudit-live-") as tmp:
        if snapshot is None:
            target = args.save_snapshot or Path(tmp) / "snapshot"
            snapshot = collect_from_args(args, target).path
        result = run_check(
            snapshot,
            config_path=args.intents,
            rules_dir=args.rules,
            baseline_path=args.baseline,
            generated_at=now_iso(),
        )
        for warning in result.outcome.warnings:
            log.warning("%s", warning)
        for expired in result.outcome.expired_suppressions:
            log.warning("%s", expired.message())
        write_outputs(result, outputs)
    if not result.inventory.complete:
        reasons = "; ".join(incomplete_reasons(result.inventory)[:3])
        print(f"sgaudit: snapshot is INCOMPLETE ({reasons})", file=sys.stderr)
    return exit_code(result, fail_on, allow_partial=args.allow_partial)
