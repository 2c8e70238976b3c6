"""The Lambda deployment package builds (from PyPI, for the runtime's platform) and imports in a clean
virtual environment that has only the package and boto3, as Lambda's /var/task and /var/runtime."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_lambda_package.py"
TARGET_PYTHON = "3.12"
# What Lambda's runtime provides beside the package: boto3 and what it needs.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")

pytestmark = pytest.mark.slow


def _load_script() -> object:
    spec = importlib.util.spec_from_file_location("build_lambda_package", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(tmp: Path, python_version: str, *extra: str) -> Path:
    output = tmp / f"py{python_version}" / "sgaudit-lambda.zip"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--python-version", python_version, "--output", str(output), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout)  # the sizes, for the CI log
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zipped:" in result.stdout and "unzipped:" in result.stdout
    return output


def _interpreter(version: str) -> str | None:
    """A working python``version``: on PATH, or one pyenv has installed (its shim needs the version)."""
    found = _load_script().find_interpreter(version)  # type: ignore[attr-defined]
    if found:
        return str(found)
    if shutil.which("pyenv"):
        listed = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False)
        for line in listed.stdout.split():
            if line.startswith(f"{version}."):
                prefix = subprocess.run(
                    ["pyenv", "prefix", line], capture_output=True, text=True, check=False
                )
                candidate = Path(prefix.stdout.strip()) / "bin" / "python"
                if prefix.returncode == 0 and candidate.exists():
                    return str(candidate)
    return None


def _runtime_dir(tmp: Path) -> Path:
    """boto3 and its dependencies, as Lambda's /var/runtime provides them (linked from this env)."""
    runtime = tmp / "runtime"
    runtime.mkdir()
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec and spec.origin, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    return runtime


def test_the_package_builds_for_the_runtime_and_imports_with_only_boto3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    interpreter = _interpreter(TARGET_PYTHON)
    # With a 3.12 at hand the package is byte-compiled, as a release build would be.
    package = _build(tmp_path, TARGET_PYTHON, *(["--interpreter", interpreter] if interpreter else []))
    manifest = json.loads(package.with_suffix(".json").read_text())
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    assert "sgaudit/lambda_handler.py" in names
    assert "sgaudit/fanout/child.py" in names
    assert "sgaudit/data/iam-policy.json" in names
    assert any(n.startswith("sgaudit/rules/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("sgaudit/reports/") for n in names)
    assert "pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so" in names
    assert not [n for n in names if n.split("/")[0] in ("boto3", "botocore", "s3transfer", "urllib3")]
    assert manifest["boto3"] == "runtime"
    assert manifest["zipped_bytes"] < 50 * 1024 * 1024
    assert manifest["unzipped_bytes"] < 250 * 1024 * 1024
    zipped, unzipped = manifest["zipped_bytes"] / 1e6, manifest["unzipped_bytes"] / 1e6
    with capsys.disabled():  # shown in the CI log even when output is captured
        print(f"\nLambda package: {zipped:.1f} MB zipped, {unzipped:.1f} MB unzipped")

    if interpreter is None:
        # No Python 3.12 here: prove the same build imports on this interpreter's version instead.
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        package, interpreter = _build(tmp_path, version), sys.executable

    task = tmp_path / "task"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task)
    venv = tmp_path / "venv"
    subprocess.run([interpreter, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    code = "\n".join(
        [
            "import json, sys, time",
            "started = time.perf_counter()",
            "import sgaudit.lambda_handler, sgaudit.fanout.child, sgaudit.fanout.targets",
            "import sgaudit.fanout.merge",
            "cold = sorted(m for m in ('jinja2', 'networkx', 'rich') if m in sys.modules)",
            "import_ms = round((time.perf_counter() - started) * 1000)",
            "import boto3, jinja2, networkx, pydantic_core, yaml, sgaudit.formats, sgaudit.iam",
            "import sgaudit.pipeline",
            "out = sgaudit.lambda_handler.handler({}, None)",
            "print(json.dumps({'cold': cold, 'import_ms': import_ms, 'boto3': boto3.__file__,",
            "                  'sgaudit': sgaudit.__file__,",
            "                  'policy': len(sgaudit.iam.shipped_policy().allowed()), 'handler': out}))",
        ]
    )
    # Lambda puts /var/task before /var/runtime on sys.path; the venv has no site-packages of use.
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join([str(task), str(_runtime_dir(tmp_path))]),
        "PYTHONNOUSERSITE": "1",
        "AWS_REGION": "us-east-1",
    }
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["cold"] == [], "the handler modules must not import the report dependencies"
    with capsys.disabled():
        print(f"handler modules import in {out['import_ms']} ms (with boto3)")
    assert out["sgaudit"].startswith(str(task))
    assert out["boto3"].startswith(str(tmp_path / "runtime"))
    assert out["policy"] > 30
    assert out["handler"]["status"] == "error"
    assert out["handler"]["message"].startswith("no report bucket")
