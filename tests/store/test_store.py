"""The store itself, in process, against SQLite and a real PostgreSQL (design.md §11)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.store import Deck, Link, Store, StoreUnavailable
from app.store.migrate import migrate
from app.store.models import Base
from bench.server import ROOT, free_port
from tests.api.support import run_async

URL_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{8,16}")


def test_a_saved_body_loads_back_by_its_id(store_url: str) -> None:
    async def scenario() -> None:
        store = Store(store_url, 2)
        link_id = await store.save(Link, "v1=eyJzIjoicm9zZW5icm9jayJ9")
        assert await store.load(Link, link_id) == "v1=eyJzIjoicm9zZW5icm9jayJ9"
        assert await store.load(Link, "no-such-id") is None
        assert await store.load(Deck, link_id) is None, "links and decks are apart"
        store.dispose()

    run_async(scenario)


def test_identical_bodies_share_an_id_and_others_do_not(store_url: str) -> None:
    async def scenario() -> None:
        store = Store(store_url, 2)
        first = await store.save(Link, "v1=same")
        assert await store.save(Link, "v1=same") == first
        assert await store.save(Link, "v1=other") != first
        assert await store.save(Deck, "v1=same") != first, "a deck never takes a link's id"
        store.dispose()

    run_async(scenario)


def test_ids_are_short_url_safe_and_all_different(store_url: str) -> None:
    async def scenario() -> list[str]:
        store = Store(store_url, 4)
        ids = [await store.save(Link, f"v1=state-{n}") for n in range(200)]
        store.dispose()
        return ids

    ids = run_async(scenario)
    assert len(set(ids)) == len(ids)
    assert all(URL_SAFE_ID.fullmatch(link_id) for link_id in ids), ids[:5]


def test_concurrent_saves_of_one_body_end_with_one_id(store_url: str) -> None:
    """Thirty students share the same experiment at the same moment: one row, one id for all."""

    async def scenario() -> set[str]:
        store = Store(store_url, 4)
        ids: list[str] = []

        async def save() -> None:
            ids.append(await store.save(Link, "v1=the-class-experiment"))

        async with anyio.create_task_group() as group:
            for _ in range(30):
                group.start_soon(save)
        store.dispose()
        return set(ids)

    assert len(run_async(scenario)) == 1


def test_saved_documents_survive_a_new_store_on_the_same_database(store_url: str) -> None:
    """What a server restart amounts to for the store: a new engine, the same rows."""

    async def save() -> str:
        store = Store(store_url, 1)
        deck_id = await store.save(Deck, '{"version":1,"lessons":[]}')
        store.dispose()
        return deck_id

    async def load(deck_id: str) -> str | None:
        store = Store(store_url, 1)
        body = await store.load(Deck, deck_id)
        store.dispose()
        return body

    deck_id = run_async(save)
    assert run_async(load, deck_id) == '{"version":1,"lessons":[]}'


def test_the_migrations_build_exactly_the_models_tables(store_url: str) -> None:
    engine = create_engine(store_url)
    migrate(engine)
    with engine.connect() as connection:
        assert {"links", "decks", "alembic_version"} <= set(inspect(connection).get_table_names())
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_replicas_migrating_at_once_all_succeed(store_url: str) -> None:
    """Several replicas (processes) start together on an empty database: each migrates or finds it migrated."""
    # Each process imports, then waits for the same moment, so their migrations really overlap.
    script = "import sys, time; from sqlalchemy import create_engine; from app.store.migrate import migrate; "
    script += "time.sleep(max(0, float(sys.argv[2]) - time.time())); migrate(create_engine(sys.argv[1]))"
    together = str(time.time() + 8)
    replicas = [subprocess.Popen([sys.executable, "-c", script, store_url, together], cwd=ROOT,
                                 stderr=subprocess.PIPE) for _ in range(3)]  # fmt: skip
    for replica in replicas:
        _, errors = replica.communicate(timeout=120)
        assert replica.returncode == 0, errors.decode()
    engine = create_engine(store_url)
    migrate(engine)  # and once more, in process, later: nothing to do
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
    engine.dispose()


def test_sqlite_creates_its_data_folder(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "yet" / "there"

    async def scenario() -> str | None:
        store = Store(f"sqlite:///{folder / 'optimlab.sqlite3'}", 1)
        link_id = await store.save(Link, "v1=x")
        store.dispose()
        return link_id

    assert run_async(scenario)
    assert (folder / "optimlab.sqlite3").is_file()


def test_an_unreachable_database_is_store_unavailable_not_a_crash() -> None:
    async def scenario() -> None:
        store = Store(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2", 1)
        with pytest.raises(StoreUnavailable, match="unavailable"):
            await store.save(Link, "v1=x")
        with pytest.raises(StoreUnavailable):
            await store.load(Link, "abc")
        store.dispose()

    run_async(scenario)
