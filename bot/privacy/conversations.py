"""The stored conversations: Rasa's SQL tracker store (TRACKER_DB_URL), read and deleted for staff.

Rasa's SQLTrackerStore keeps one row per event in the table `events` (sender_id, type_name,
timestamp in epoch seconds, data as JSON text). Only those columns are used here, so this
module needs no Rasa import; a conversation is all the events of one sender id. With Redis
(LOCK_STORE_URL), the live copy of a current session (bot/live_sessions.py) goes with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, inspect, select

from bot.live_sessions import key as live_key
from bot.live_sessions import redis_client
from bot.tickets.db import engine_for

_metadata = MetaData()
events = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("data", Text),
)
CHUNK = 500  # sender ids per DELETE


class Conversations:
    """The conversations in Rasa's tracker database, as the privacy commands see them."""
    def __init__(self, url: str, live_sessions_url: str = "") -> None:
        """`live_sessions_url`: the Redis of the live sessions (LOCK_STORE_URL), if any."""
        self.engine = engine_for(url)
        self.live = redis_client(live_sessions_url) if live_sessions_url else None

    def _present(self) -> bool:
        return bool(inspect(self.engine).has_table("events"))  # none before the first message

    def idle_since(self, cutoff: datetime) -> list[str]:
        """Conversations whose latest event is older than `cutoff`."""
        if not self._present():
            return []
        query = (
            select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff.timestamp())
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    def mentioning(self, text: str) -> list[str]:
        """Conversations any event of which contains `text` (any case), e.g. an email address."""
        if not self._present() or not text:
            return []
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        mentions = func.lower(events.c.data).like(pattern, escape="\\")
        query = select(events.c.sender_id).where(mentions).distinct()
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    def events_of(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events, oldest first, as Rasa stored them."""
        if not self._present():
            return []
        query = select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id)
        with self.engine.connect() as connection:
            return [json.loads(data) for data in connection.scalars(query)]

    def delete(self, sender_ids: Iterable[str]) -> int:
        """Deletes every event of these conversations; the number of events deleted."""
        ids: Sequence[str] = sorted(set(sender_ids))
        if not ids or not self._present():
            return 0
        deleted = 0
        with self.engine.begin() as connection:
            for start in range(0, len(ids), CHUNK):
                chunk = list(ids[start : start + CHUNK])
                deleted += connection.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount
        if self.live is not None:  # else the bot would still read the current session from Redis
            for start in range(0, len(ids), CHUNK):
                self.live.delete(*(live_key(sender) for sender in ids[start : start + CHUNK]))
        return deleted

    def dispose(self) -> None:
        """Closes the database connections."""
        self.engine.dispose()
