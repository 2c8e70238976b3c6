"""Fixtures of the per-rule tests: the built-in catalogue, and each fixture folder's evaluated estate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sgaudit.rulepack import RulePack, load_rulepack

sys.path.insert(0, str(Path(__file__).resolve().parent))  # estate.py files import estate_base


@pytest.fixture(scope="session")
def builtin_pack() -> RulePack:
    """The built-in rule catalogue."""
    return load_rulepack()
