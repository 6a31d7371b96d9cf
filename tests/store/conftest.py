"""The store's tests run against each backend it supports: a SQLite file, and a real PostgreSQL server
started here (skipped, saying why, only when PostgreSQL's binaries are absent: `make install` installs them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import start_server, stop_server
from tests.store.postgres import fresh_database, postgres_bindir, running_postgres

BACKENDS = ["sqlite", "postgresql"]
# Generous for the tests' own creations; the rate-limit tests reach it from addresses of their own.
TEST_RATE_LIMIT = "40/minute"
TEST_MAX_DECK_LESSONS = 24  # above the built-in lessons, which round-trip as one deck


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of one PostgreSQL server for the session (its `postgres` database)."""
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed: `make install` installs Debian's postgresql")
    with running_postgres(bindir) as url:
        yield url


def empty_store(backend: str, request: pytest.FixtureRequest, folder: Path) -> tuple[str, dict[str, str]]:
    """An empty store of `backend`: its SQLAlchemy URL and the server environment that selects it
    (OPTIMLAB_DATA_DIR for SQLite, as a user would set it; OPTIMLAB_DATABASE_URL for PostgreSQL)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'optimlab.sqlite3'}", {"OPTIMLAB_DATA_DIR": str(folder)}
    url = fresh_database(request.getfixturevalue("postgres_server"))
    return url, {"OPTIMLAB_DATABASE_URL": url}


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_store(request.param, request, tmp_path)[0]


@pytest.fixture(params=BACKENDS)
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    return empty_store(request.param, request, tmp_path)[1]


@pytest.fixture(scope="package", params=BACKENDS)
def store_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server per backend, shared by the package's API tests."""
    _, env = empty_store(request.param, request, tmp_path_factory.mktemp("data"))
    limits = {"OPTIMLAB_SHARE_RATE_LIMIT": TEST_RATE_LIMIT, "OPTIMLAB_MAX_DECK_LESSONS": str(TEST_MAX_DECK_LESSONS)}
    proc, url = start_server(env | limits)
    yield url
    stop_server(proc)
