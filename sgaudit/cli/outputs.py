"""``--format F`` / ``-o FILE`` pairs: each ``-o`` receives the format given just before it; a format
without ``-o`` goes to standard output (DESIGN.md section 5)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sgaudit.errors import UsageError

FORMAT_NAMES = ("text", "json", "sarif", "junit", "markdown", "html")
_BY_SUFFIX = {
    ".txt": "text",
    ".json": "json",
    ".sarif": "sarif",
    ".xml": "junit",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
}


class _Pairs(argparse.Action):
    """Record ``--format`` and ``-o`` in the order given, in one list of [format, path] pairs."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        pairs: list[list[str | None]] = list(getattr(namespace, self.dest) or [])
        value = str(values)
        if option_string in ("--format", "-f"):
            pairs.append([value, None])
        elif pairs and pairs[-1][1] is None:
            pairs[-1][1] = value
        else:
            pairs.append([None, value])
        setattr(namespace, self.dest, pairs)


def add_output_arguments(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMAT_NAMES) -> None:
    """Repeatable ``--format F`` and ``-o FILE`` options, paired in order."""
    parser.add_argument(
        "--format",
        "-f",
        dest="outputs",
        action=_Pairs,
        choices=formats,
        metavar="F",
        help=f"output format ({', '.join(formats)}); repeatable, each followed by its own -o",
    )
    parser.add_argument(
        "-o",
        "--output",
        dest="outputs",
        action=_Pairs,
        metavar="FILE",
        help="write the format given just before it to FILE (with no format, guessed from the suffix)",
    )


def resolve_outputs(
    raw: list[list[str | None]] | None, default: str = "text"
) -> list[tuple[str, Path | None]]:
    """The (format, file or None for stdout) pairs, in order; at most one goes to standard output."""
    out: list[tuple[str, Path | None]] = []
    for given, path in raw or [[default, None]]:
        fmt = given or _BY_SUFFIX.get(Path(path or "").suffix.lower())
        if fmt is None:
            raise UsageError(f"-o {path}: give --format before it (the file name does not tell the format)")
        out.append((fmt, Path(path) if path else None))
    if sum(1 for _, p in out if p is None) > 1:
        raise UsageError("more than one --format without -o: only one format can go to standard output")
    return out
