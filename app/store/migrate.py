"""Bring the database's schema to the newest migration (Alembic), safely from several replicas at once."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: PostgreSQL's advisory lock that makes replicas starting together migrate in turn.
MIGRATION_LOCK = 0x6F70_7469_6D6C_6162  # "optimlab"
# Taken first in the migration's transaction, per database: whoever comes second waits, then finds the
# schema at head. SQLite's `BEGIN IMMEDIATE` takes the file's write lock (processes on one machine).
SERIALISE = {
    "postgresql": text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=MIGRATION_LOCK),
    "sqlite": text("BEGIN IMMEDIATE"),
}
# Alembic's `context` is module-global, so two migrations in one process must not overlap.
ONE_AT_A_TIME = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration in code (no alembic.ini to ship); env.py uses `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Upgrade to head in one transaction, serialised across processes; SQLite's folder is created."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    with ONE_AT_A_TIME, engine.begin() as connection:
        serialise = SERIALISE.get(connection.dialect.name)
        if serialise is not None:
            connection.execute(serialise)
        command.upgrade(alembic_config(connection), "head")
