"""Alembic environment for the ticket store, configured from code (bot/tickets/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import bot.handoff.models  # noqa: F401  (the handoff tables share the ticket store's metadata)
from bot.tickets.db import engine_for
from bot.tickets.models import metadata

# Any number, the same everywhere: PostgreSQL serialises concurrent upgrades on it, so two
# action servers starting together do not both try to create the tables.
_MIGRATION_LOCK = 7_314_257


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        if context.get_context().dialect.name == "postgresql":
            context.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_for(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as new_connection:
        _run(new_connection)
    engine.dispose()
