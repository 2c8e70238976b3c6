"""Console-script shim: the only place that calls ``sys.exit``."""

from __future__ import annotations

import gc
import sys

from sgaudit.cli import main


def console() -> None:
    """Entry point of the ``sgaudit`` console script."""
    code = main(sys.argv[1:])
    # Everything left is freed with the process: spare it the final full collection (~1 s on a large estate).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
