"""Golden files of the sample context for the formats people diff: text (plain), Markdown and JSON.

Regenerate after an intended change with ``SGAUDIT_UPDATE_GOLDEN=1 pytest tests/formats``, then read the
diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from formats_fixtures import sample_context

from sgaudit.formats import OutputFormat, default_filename, render

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt", [OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.JSON])
def test_golden(fmt: OutputFormat) -> None:
    ctx = sample_context()
    assert ctx.generated_at is None  # goldens carry no timestamp of the run
    out = render(fmt, ctx)
    path = GOLDEN / default_filename(fmt)
    if os.environ.get("SGAUDIT_UPDATE_GOLDEN") == "1":
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with SGAUDIT_UPDATE_GOLDEN=1"
    assert out == path.read_text(encoding="utf-8"), f"{path.name} changed: rerun with SGAUDIT_UPDATE_GOLDEN=1"


def test_generated_at_appears_only_when_set() -> None:
    ctx = sample_context().model_copy(update={"generated_at": "2024-05-01T10:00:00Z"})
    for fmt in (OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.HTML):
        assert "2024-05-01T10:00:00Z" in render(fmt, ctx)
        assert "10:00:00" not in render(fmt, sample_context())
