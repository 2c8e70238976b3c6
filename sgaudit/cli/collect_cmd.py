"""``sgaudit collect``: read-only collection of the AWS network inventory into a snapshot."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from sgaudit.collect import CollectOptions, CollectResult, ProgressListener, collect_snapshot
from sgaudit.errors import ExitCode

NAME = "collect"
HELP = "read-only collection (Describe/List/Get calls only) of the AWS inventory into a snapshot"

_SHOWN_FAILURES = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sgaudit collect``."""
    add_collection_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=Path,
        help="snapshot folder, or NAME.zip (default: sgaudit-snapshot-<UTC timestamp>)",
    )


def add_collection_options(parser: argparse.ArgumentParser) -> None:
    """What to collect: shared by ``collect`` and by ``check`` without a snapshot."""
    parser.add_argument("--profile", metavar="P", help="AWS profile (default: the usual credential chain)")
    regions = parser.add_mutually_exclusive_group()
    regions.add_argument(
        "--region",
        metavar="R",
        action="append",
        default=[],
        dest="regions",
        help="region to collect; repeat for several (default: the profile's region)",
    )
    regions.add_argument(
        "--all-regions", action="store_true", help="every region enabled in the account (ec2 DescribeRegions)"
    )
    parser.add_argument(
        "--role-arn",
        metavar="ARN",
        action="append",
        default=[],
        dest="role_arns",
        help="assume this role and collect its account; repeat for several accounts (the caller's own"
        " account is then not collected)",
    )


class _RichProgress:
    """A progress bar on standard error, for a terminal."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("collecting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID = self._progress.add_task("", total=0)

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def added(self, count: int) -> None:
        """More jobs were scheduled: the bar's total grows."""
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=total + count)

    def finished(self, label: str) -> None:
        """One job finished."""
        self._progress.update(self._task, advance=1, description=label)


@contextmanager
def progress_bar() -> Iterator[ProgressListener | None]:
    """A rich progress bar on a terminal; nothing (quiet) otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    with _RichProgress(Console(stderr=True)) as bar:
        yield bar


def summary(result: CollectResult) -> str:
    """The one line printed at the end of a collection."""
    manifest = result.manifest
    accounts = len({s.account for s in manifest.scopes})
    regions = len({s.region for s in manifest.scopes})
    requests = sum(c.calls for s in manifest.scopes for c in s.calls)
    head = (
        f"sgaudit: collected {accounts} account(s) x {regions} region(s), {requests} requests,"
        f" into {result.path}"
    )
    if manifest.complete:
        return f"{head}: complete"
    failures = [*manifest.errors]
    failures += [
        f"{c.service}:{c.operation} {c.error_code} in {s.account}/{s.region}"
        for s in manifest.scopes
        for c in s.errors
    ]
    shown = "; ".join(failures[:_SHOWN_FAILURES])
    more = f" and {len(failures) - _SHOWN_FAILURES} more" if len(failures) > _SHOWN_FAILURES else ""
    return f"{head}: INCOMPLETE, {len(failures)} failure(s): {shown}{more} (see manifest.json)"


def collect_from_args(args: argparse.Namespace, output: Path | None) -> CollectResult:
    """Collect with the options of :func:`add_collection_options`, with a progress bar on a terminal."""
    options = CollectOptions(
        profile=args.profile,
        regions=tuple(args.regions),
        all_regions=args.all_regions,
        role_arns=tuple(args.role_arns),
        output=output,
    )
    with progress_bar() as listener:
        result = collect_snapshot(options, progress=listener)
    print(summary(result), file=sys.stderr)
    return result


def run(args: argparse.Namespace) -> int:
    """Collect, print one summary line, and return 0 (complete) or 3 (incomplete)."""
    result = collect_from_args(args, args.output)
    return int(ExitCode.CLEAN if result.manifest.complete else ExitCode.INCOMPLETE)
