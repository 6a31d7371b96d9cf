"""Shared fixtures: a real uvicorn server on a free port, as outside checks see it, and a
client of it. The server is started as the load check starts its own (bench/server.py).

Every server of a session, and the session's own catalog, share one probe cache (OPTIMLAB_CACHE_DIR) in a
folder of the session's: the first process to build the catalog probes every optimizer for real, and the
other fifteen-odd servers' processes read its result instead of spending seconds of CPU each on it. Their
store (OPTIMLAB_DATA_DIR) is in that folder too, where a server's own settings do not name one: never the
user's links and decks.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.catalog import keep_probes_in
from app.engine.limits import Limits
from bench.server import ROOT, start_server, stop_server
from tests.api.support import TIMEOUT, strict_loads

__all__ = ["ROOT", "start_server", "stop_server"]  # the test modules import them from here

_session_folder = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """A fresh probe cache and store for the session, never the user's: set before any server starts (some
    start at collection time), inherited by every server and subprocess through the environment."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # an xdist worker shares its controller's
        folder = config.stash[_session_folder] = tempfile.mkdtemp(prefix="optimlab-session-")
        os.environ["OPTIMLAB_CACHE_DIR"] = os.path.join(folder, "cache")
        os.environ["OPTIMLAB_DATA_DIR"] = os.path.join(folder, "data")
    keep_probes_in(Path(os.environ["OPTIMLAB_CACHE_DIR"]))


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_session_folder, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


# Packages whose servers are package-scoped (tests/store/conftest.py): one xdist worker runs all their files.
WHOLE_PACKAGES = {"store"}
# Session servers that several files share: every file using one runs on the same xdist worker, so it starts once.
SHARED_SERVER_GROUPS = {"configured_server_url": "configured-server"}
# Rough seconds per test by package (a loaded 2-core machine), to hand out the longest groups first.
SECONDS_PER_TEST = {"e2e": 20.0, "store": 3.0, "api": 2.0, "ship": 1.0, "unit": 0.2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """For `make test`'s `-n 2 --dist loadgroup`: a worker takes whole files, so a module's own server
    starts once, and whole WHOLE_PACKAGES, so theirs do too (without -n the groups change nothing).

    The groups come longest first (by SECONDS_PER_TEST; `--no-loadscope-reorder` keeps this order): a
    worker that finishes early then takes short unit files, instead of the last e2e file starting on one
    worker while the other has nothing left. A file's own tests keep their order. Files that use a
    SHARED_SERVER_GROUPS server form one group."""
    tests = Path(__file__).parent
    shared_group = {
        item.path: group
        for item in items
        for fixture, group in SHARED_SERVER_GROUPS.items()
        if fixture in item.fixturenames
    }
    group_of: dict[pytest.Item, str] = {}
    seconds: dict[str, float] = {}
    for item in items:
        folder = item.path.parent.relative_to(tests).as_posix()
        own = folder if folder in WHOLE_PACKAGES else item.path.relative_to(tests).as_posix()
        group = group_of[item] = shared_group.get(item.path, own)
        item.add_marker(pytest.mark.xdist_group(group))
        seconds[group] = seconds.get(group, 0.0) + SECONDS_PER_TEST.get(item.path.parent.name, 1.0)
    items.sort(key=lambda item: -seconds[group_of[item]])


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of one real server shared by the whole test session (its link store in a temporary folder)."""
    # Many pages on one client: presenter mode stores a short link per lesson for its QR code.
    env = {"OPTIMLAB_DATA_DIR": str(tmp_path_factory.mktemp("store")), "OPTIMLAB_SHARE_RATE_LIMIT": "1000/minute"}
    proc, url = start_server(env)
    yield url
    stop_server(proc)


# What the configured server is configured with: each module that checks a setting the server takes from its
# environment reads its own, which the others leave alone (limits: design.md §12; CORS and framing: §6, §11).
CONFIGURED_LIMITS = Limits(max_steps=777, max_sweep_seeds=3)
CORS_ORIGIN = "http://example.test"
COURSE = "https://course.example.edu"
LOCAL_COURSE = "http://localhost:*"  # test_embed_framing.py's course page: another site than the server's
CONFIGURED_ENV = {
    "OPTIMLAB_MAX_STEPS": str(CONFIGURED_LIMITS.max_steps),
    "OPTIMLAB_MAX_SWEEP_SEEDS": str(CONFIGURED_LIMITS.max_sweep_seeds),
    "OPTIMLAB_CORS_ORIGINS": json.dumps([CORS_ORIGIN]),
    "OPTIMLAB_FRAME_ANCESTORS": f"{COURSE} {LOCAL_COURSE}",
    "OPTIMLAB_WORKERS": "1",
}


@pytest.fixture(scope="session")
def configured_server_url() -> Iterator[str]:
    """Base URL of a second real server, with CONFIGURED_ENV's settings: one start (~11 s of CPU with its fork
    server) for every module that checks one, instead of one each."""
    proc, url = start_server(CONFIGURED_ENV)
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
