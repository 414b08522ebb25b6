"""Connections for the statements on every message's path: one round trip each on PostgreSQL.

The live-handoff check (bot/tickets/db.py, Database.read) and the append of a turn's events
(rasa_addons/tracker_store.py) are each one statement. On connections in autocommit and not
pre-pinged, each is one round trip instead of four (ping, BEGIN, statement, COMMIT). A
connection that a database restart killed fails its statement once, SQLAlchemy drops the
pool's connections, and the caller's retry (bot.retrying.through_database_restart, which every
such caller uses) gets a new one. The engines keep a small pool of their own, beside the
pre-pinged engine of everything else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine


def one_round_trip_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An autocommit engine for `url`, not pre-pinged, with a small pool (see above)."""
    return create_engine(
        url, future=True, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8, **kwargs
    )
