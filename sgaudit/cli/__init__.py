"""Command line: ``main(argv) -> int``. Each command lives in its own module of this package.

A command module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Errors below this level are raised as :class:`sgaudit.errors.SgauditError` and printed here as one line.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from sgaudit import __version__
from sgaudit.collector import collector_spares_existing_objects
from sgaudit.errors import ExitCode, SgauditError

# Order is the order of `sgaudit --help`.
COMMAND_MODULES = (
    "collect",
    "check",
    "path",
    "matrix",
    "diff",
    "rules",
    "inventory",
    "demo",
)


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so `main` keeps control of the exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _load_commands() -> list[ModuleType]:
    mods = []
    for name in COMMAND_MODULES:
        try:
            mods.append(importlib.import_module(f"sgaudit.cli.{name}_cmd"))
        except ModuleNotFoundError as exc:  # a command not built yet is simply absent
            if exc.name != f"sgaudit.cli.{name}_cmd":
                raise
    return mods


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, one sub-parser per command module."""
    parser = _ArgumentParser(
        prog="sgaudit",
        description="Audit AWS security group connectivity from a snapshot.",
    )
    parser.add_argument("--version", action="version", version=f"sgaudit {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for mod in _load_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run sgaudit with ``argv`` (without the program name) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return int(ExitCode.USAGE)
    except SystemExit as exc:  # --help and --version exit 0 through argparse
        return int(exc.code or 0) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="sgaudit: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return int(ExitCode.USAGE)
    try:
        # Whatever a command loads lives until it returns: later full collections leave it alone.
        with collector_spares_existing_objects():
            return int(args._run(args))
    except SgauditError as exc:
        print(f"sgaudit: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("sgaudit: interrupted", file=sys.stderr)
        return 130
