"""Console-script shim: the only place that calls ``sys.exit``."""

from __future__ import annotations

import sys

from sgaudit.cli import main


def console() -> None:
    """Entry point of the ``sgaudit`` console script."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    console()
