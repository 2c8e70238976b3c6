"""Fixtures of the per-rule tests: the built-in catalogue, and each fixture folder's evaluated estate."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _ensure_rules_package() -> None:
    # An editable install made before pyproject listed `sgaudit.rules` cannot import it; map it to the
    # checkout's rules/ for the tests (the packaging test checks the wheel itself).
    if importlib.util.find_spec("sgaudit.rules") is not None:
        return
    spec = importlib.util.spec_from_file_location(
        "sgaudit.rules", REPO / "rules" / "__init__.py", submodule_search_locations=[str(REPO / "rules")]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sgaudit.rules"] = module
    spec.loader.exec_module(module)


_ensure_rules_package()

from sgaudit.rulepack import RulePack, load_rulepack  # noqa: E402 - needs sgaudit.rules importable

sys.path.insert(0, str(Path(__file__).resolve().parent))  # estate.py files import estate_base


@pytest.fixture(scope="session")
def builtin_pack() -> RulePack:
    """The built-in rule catalogue."""
    return load_rulepack()
