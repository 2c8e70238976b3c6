"""Golden files of the demo snapshot's text, markdown and json reports: stable across runs.

Regenerate with ``SGAUDIT_UPDATE_GOLDEN=1 python -m pytest tests/e2e/test_demo_goldens.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sgaudit.demo import intents_path, snapshot_path
from sgaudit.pipeline import render_output, run_check

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FILES = {"text": "demo_report.txt", "markdown": "demo_summary.md", "json": "demo_findings.json"}


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_demo_golden(fmt: str) -> None:
    # generated_at stays unset: goldens carry no timestamp.
    first = render_output(fmt, run_check(snapshot_path(), config_path=intents_path()))
    second = render_output(fmt, run_check(snapshot_path(), config_path=intents_path()))
    assert first == second, "two runs on one snapshot must be byte-identical"
    path = GOLDEN / FILES[fmt]
    if os.environ.get("SGAUDIT_UPDATE_GOLDEN") == "1":
        path.write_text(first, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with SGAUDIT_UPDATE_GOLDEN=1"
    assert first == path.read_text(encoding="utf-8"), f"{path.name} changed: review, then regenerate"
