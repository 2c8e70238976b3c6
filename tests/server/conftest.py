"""A real ``moto_server`` process per test module, driven by the real ``aws`` CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from server_helpers import MotoServer, running_moto_server


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto_server on 127.0.0.1 and a free port, for one test module; stopped afterwards."""
    with running_moto_server(tmp_path_factory.mktemp("moto-server")) as server:
        yield server
