"""The wheel ships the rule pack, the report templates and the demo snapshot: install it in a new virtual
environment and run ``sgaudit demo`` from a folder outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        cwd=out,
    )
    (whl,) = out.glob("sgaudit-*.whl")
    return whl


def test_wheel_contains_data_and_no_top_level_rules_or_reports(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names if not n.startswith("sgaudit-")}
    assert tops == {"sgaudit"}, f"unexpected top-level entries in the wheel: {tops}"
    assert any(n.startswith("sgaudit/rules/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("sgaudit/reports/") and n.endswith(".j2") for n in names)
    assert any(n.startswith("sgaudit/demo/snapshot/") and n.endswith(".json") for n in names)
    assert "sgaudit/py.typed" in names


def test_installed_wheel_runs_demo_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # prove no AWS access is attempted or needed
    proc = subprocess.run(
        [str(venv / "bin" / "sgaudit"), "demo", "-o", "out"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # The demo's findings are planted: the demo itself succeeds (exit 0) and says what `check` would exit.
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("report.html", "findings.json", "findings.sarif", "junit.xml", "summary.md", "report.txt"):
        assert (work / "out" / name).stat().st_size > 0, name
