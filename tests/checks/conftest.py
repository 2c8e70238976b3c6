"""Fixtures of the check tests: the built-in catalogue, and small estates built with EstateBuilder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sgaudit.rulepack import RulePack, load_rulepack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rules"))  # estate_base


@pytest.fixture(scope="session")
def builtin_pack() -> RulePack:
    """The built-in rule catalogue."""
    return load_rulepack()
