"""API-test fixtures: the single-worker server for the overload tests, started early in the background.

Starting a server takes seconds (torch import, catalog probe). When the overload tests are collected,
their server starts at collection time, alongside the shared server, rather than after it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.conftest import start_server, stop_server

# One worker and no waiting room: a second computation has no place and gets a 503.
SINGLE_WORKER_ENV = {"OPTIMLAB_WORKERS": "1", "OPTIMLAB_MAX_PENDING": "0"}
_starting = pytest.StashKey[Future]()


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if "PYTEST_XDIST_WORKER" in os.environ:  # each xdist worker collects every test: the one that runs them starts it
        return
    if any(item.get_closest_marker("single_worker_server") for item in items):
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="single-worker-server")
        config.stash[_starting] = executor.submit(start_server, SINGLE_WORKER_ENV)
        executor.shutdown(wait=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "single_worker_server: uses the workers=1, max_pending=0 server")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the early server even if no test ended up using it (an interrupted run, say)."""
    future = config.stash.get(_starting, None)
    if future is not None and future.exception() is None:
        proc, _ = future.result()
        if proc.poll() is None:
            stop_server(proc)


@pytest.fixture(scope="session")
def single_worker_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """Base URL of a server with OPTIMLAB_WORKERS=1 and OPTIMLAB_MAX_PENDING=0."""
    future = pytestconfig.stash.get(_starting, None)
    proc: subprocess.Popen
    proc, url = future.result() if future is not None else start_server(SINGLE_WORKER_ENV)
    yield url
    stop_server(proc)
