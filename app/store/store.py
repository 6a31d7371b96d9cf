"""Store: save and load shared documents without blocking the event loop.

SQLAlchemy's engine is synchronous, so every call runs on a worker thread behind its own capacity
limiter (`store_connections` at once, the size of the connection pool): the event loop keeps serving
while a slow disk or a distant PostgreSQL answers, and a burst of writes queues here rather than
growing a thread per request. The schema is migrated on first use, not at start-up, so a server
whose database is briefly down still computes and answers 503 only for links and decks.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import Engine, create_engine, event, make_url, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.store.migrate import migrate
from app.store.models import SharedDocument

T = TypeVar("T")
ID_BYTES = 8  # 64 random bits: 11 URL-safe characters, short in a QR code and not guessable
SAVE_ATTEMPTS = 3  # an id collision (about 2^-64) or a concurrent identical save: look again


class StoreUnavailable(Exception):
    """The database could not be reached or refused the call; the request may be retried."""


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def digest_of(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def create_store_engine(url: str, connections: int) -> Engine:
    """An engine whose pool matches the thread limiter; SQLite in WAL mode, so reads do not wait on a write."""
    engine = create_engine(url, pool_size=connections, max_overflow=0, pool_pre_ping=True)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Store:
    """Links and decks, by id; identical content is stored once and keeps its first id."""

    def __init__(self, url: str, connections: int) -> None:
        self.engine = create_store_engine(url, connections)
        self.limiter = anyio.CapacityLimiter(connections)
        self.migrated = False
        self.migrating = anyio.Lock()

    async def save(self, model: type[SharedDocument], body: str) -> str:
        """The id of a row holding `body`: an existing one if the same content was saved before."""
        return await self._call(self._save, model, body)

    async def load(self, model: type[SharedDocument], document_id: str) -> str | None:
        """The body saved under `document_id`, or None."""
        return await self._call(self._load, model, document_id)

    def dispose(self) -> None:
        self.engine.dispose()

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        try:
            await self._ensure_schema()
            return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)
        except SQLAlchemyError as err:
            raise StoreUnavailable(f"the link store is unavailable ({type(err).__name__})") from err

    async def _ensure_schema(self) -> None:
        async with self.migrating:
            if not self.migrated:
                await anyio.to_thread.run_sync(migrate, self.engine, limiter=self.limiter)
                self.migrated = True

    def _save(self, model: type[SharedDocument], body: str) -> str:
        digest = digest_of(body)
        with Session(self.engine) as session:
            for _ in range(SAVE_ATTEMPTS):
                existing = session.scalar(select(model.id).where(model.digest == digest))
                if existing is not None:
                    return existing
                document_id = new_id()
                session.add(model(id=document_id, digest=digest, body=body))
                try:
                    session.commit()
                except IntegrityError:  # the same body saved meanwhile by another request, or an id taken
                    session.rollback()
                    continue
                return document_id
        raise StoreUnavailable("could not save after several attempts")

    def _load(self, model: type[SharedDocument], document_id: str) -> str | None:
        with Session(self.engine) as session:
            return session.scalar(select(model.body).where(model.id == document_id))
