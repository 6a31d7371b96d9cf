"""Shared fixtures: a real uvicorn server on a free port, as outside checks see it, and a
client of it. The server is started as the load check starts its own (bench/server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.server import ROOT, start_server, stop_server
from tests.api.support import TIMEOUT, strict_loads

__all__ = ["ROOT", "start_server", "stop_server"]  # the test modules import them from here


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of one real server shared by the whole test session (its link store in a temporary folder)."""
    # Many pages on one client: presenter mode stores a short link per lesson for its QR code.
    env = {"OPTIMLAB_DATA_DIR": str(tmp_path_factory.mktemp("store")), "OPTIMLAB_SHARE_RATE_LIMIT": "1000/minute"}
    proc, url = start_server(env)
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def client(server_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the shared server, with its base URL."""
    with httpx.Client(base_url=server_url, timeout=TIMEOUT) as session:
        yield session


@pytest.fixture(scope="module")
def catalog(client: httpx.Client) -> dict[str, Any]:
    """GET /api/catalog, parsed strictly."""
    response = client.get("/api/catalog")
    assert response.status_code == 200, response.text
    return strict_loads(response.text)
