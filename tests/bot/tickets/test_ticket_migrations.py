"""The schema comes only from the Alembic migrations, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import bot.handoff.models  # noqa: F401  (its tables are part of the schema)
from bot.tickets import migrate
from bot.tickets.db import Database
from bot.tickets.models import metadata


def test_migrations_create_exactly_the_modelled_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert migrate.current_revision(database.engine) == migrate.head_revision(database.engine)


def test_downgrade_to_nothing_and_up_again(database: Database) -> None:
    migrate.downgrade(database.engine, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(database.engine)
    assert {"tickets", "deliveries", "delivery_attempts"} <= set(inspect(database.engine).get_table_names())
