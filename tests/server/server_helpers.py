"""Helpers of the server tests: a moto_server process and the real ``aws`` CLI pointed at it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
_START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class MotoServer:
    """A running moto_server and the environment that points the CLI and sgaudit at it."""

    endpoint: str
    env: dict[str, str]

    def aws(self, *args: str) -> Any:
        """Run ``aws <args> --output json`` against the server; its parsed output (None if empty)."""
        done = subprocess.run(
            [_aws_cli(), "--endpoint-url", self.endpoint, "--region", REGION, "--output", "json", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def save(self, path: Path, *args: str) -> None:
        """``aws <args> > path``: a snapshot file saved by hand."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.aws(*args), indent=4))

    def sgaudit(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``python -m sgaudit <args>`` against the server."""
        return subprocess.run(
            [sys.executable, "-m", "sgaudit", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _aws_cli() -> str:
    path = shutil.which("aws")
    if path is None:
        # The test extra installs the CLI: in CI its absence is a failure, never a quiet skip.
        if os.environ.get("CI"):
            pytest.fail("the aws CLI is not installed (pip install -e '.[test]')")
        pytest.skip("the aws CLI is not installed")
    return path


@contextmanager
def running_moto_server(folder: Path) -> Iterator[MotoServer]:
    """moto_server (with moto_gaps' fixes) on 127.0.0.1 and a free port until the block ends."""
    port = _free_port()
    logs = folder / "server.log"
    with logs.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "moto_gaps.py"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not start: {logs.read_text()[-2000:]}")
            time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_ENDPOINT_URL=endpoint,
            AWS_CONFIG_FILE=str(folder / "no-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(folder / "no-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="",
        )
        yield MotoServer(endpoint=endpoint, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
