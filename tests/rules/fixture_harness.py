"""Build and evaluate one rule fixture folder: ``estate.py``, optional ``sgaudit.yaml``, ``expected.yaml``."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

import yaml
from pydantic import BaseModel, ConfigDict, Field

from sgaudit.checks import CheckOutcome, run_checks
from sgaudit.config import AuditConfig, load_config
from sgaudit.engine import Engine
from sgaudit.inventory import load_inventory
from sgaudit.rulepack import RulePack
from sgaudit.synth import EstateBuilder

FIXTURES = Path(__file__).resolve().parent
TODAY = "2024-06-01"


class Expected(BaseModel):
    """A fixture's ``expected.yaml``."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    failing: list[str] = Field(min_length=1)
    passing: list[str] = Field(min_length=1)
    contains: dict[str, list[str]] = Field(default_factory=dict)


def fixture_folders() -> list[Path]:
    """Every folder with an ``expected.yaml``."""
    return sorted(d for d in FIXTURES.iterdir() if (d / "expected.yaml").is_file())


def load_expected(folder: Path) -> Expected:
    return Expected.model_validate(yaml.safe_load((folder / "expected.yaml").read_text()))


def _module(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"estate_{folder.name.replace('-', '_')}", folder / "estate.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_snapshot(folder: Path, out: Path) -> dict[str, str]:
    """Write the folder's estate as a snapshot under ``out``; return its label -> resource map."""
    builder = EstateBuilder(seed=len(folder.name) * 7919)
    labels: dict[str, str] = _module(folder).build(builder)
    builder.write(out)
    return labels


def evaluate(folder: Path, out: Path, pack: RulePack) -> tuple[CheckOutcome, dict[str, str]]:
    """Run the whole catalogue on the folder's estate."""
    labels = build_snapshot(folder, out)
    cfg_file = folder / "sgaudit.yaml"
    config = load_config(cfg_file) if cfg_file.is_file() else AuditConfig()
    engine = Engine(load_inventory(out), config.engine_options())
    return run_checks(engine, pack, config, today=date.fromisoformat(TODAY)), labels
