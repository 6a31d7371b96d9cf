"""Alembic's entry point: migrate the connection the store hands over (app/store/migrate.py), or, from
the `alembic` command line, the database the settings name."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from app.store.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    from app.settings import Settings  # imports the engine (torch): only for the command line

    with create_engine(Settings().store_url).begin() as connection:
        run_migrations(connection)
