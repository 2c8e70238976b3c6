"""Errors that reach the user as one line and an exit code.

Everything below the CLI raises these instead of exiting; `sgaudit.cli.main` turns them into
``sgaudit: <message>`` on standard error and the matching exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3


class SgauditError(Exception):
    """Base class: a problem the user can fix, reported on one line."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(SgauditError):
    """Bad command-line arguments or configuration."""


class SnapshotError(SgauditError):
    """A snapshot that cannot be read: missing, malformed JSON, or a known key with the wrong shape."""


class SelectorError(SgauditError):
    """A selector that does not parse or matches nothing."""


class ConfigError(SgauditError):
    """A malformed intents/config file or rule pack."""


class CollectionError(SgauditError):
    """Collection could not start at all (no credentials, no region)."""

    exit_code = ExitCode.INCOMPLETE
