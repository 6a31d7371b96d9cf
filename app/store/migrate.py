"""Bring the database's schema to the newest migration (Alembic), safely from several replicas at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: PostgreSQL's advisory lock that makes replicas starting together migrate in turn.
MIGRATION_LOCK = 0x6F70_7469_6D6C_6162  # "optimlab"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration in code (no alembic.ini to ship); env.py uses `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Upgrade to head in one transaction. SQLite's file is created with its folder; on PostgreSQL a
    transaction-scoped advisory lock serialises replicas, and the ones that come second find it done."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), "head")
