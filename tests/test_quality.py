"""The project's own checks, run as part of the suite so CI reports them with the tests:
ruff (lint and format) on everything, and ``mypy --strict`` on ``sgaudit/``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PATHS = ["sgaudit", "tests", "bench", "scripts"]


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (the test extra has it)")
def test_ruff_lint() -> None:
    proc = _run("ruff", "check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (the test extra has it)")
def test_ruff_format() -> None:
    proc = _run("ruff", "format", "--check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict() -> None:
    proc = _run(sys.executable, "-m", "mypy", "sgaudit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
