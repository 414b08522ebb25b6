"""Reading the stores: Rasa's `events` table and the ticket outbox, with SQLAlchemy 2.0-style Core.

Rasa's SQLTrackerStore keeps one row per event: `sender_id`, `type_name` ("user", "bot",
"action", "slot", "session_started", ...), `timestamp` (Unix seconds), `intent_name`,
`action_name` and `data` (the event as JSON). The table is declared here as Rasa 3.6
creates it, not reflected, so a missing table reads as "no conversations yet".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Engine, make_url

from bot.tickets.models import DELIVERED, PENDING, REJECTED, RETRY, deliveries, delivery_attempts


def reading_engine(url: str) -> Engine | None:
    """An engine that only reads `url`; None for a SQLite file that does not exist (yet)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or not Path(parsed.database).exists():
            return None
        return create_engine(url, future=True, connect_args={"timeout": 30})
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=2, max_overflow=2)


EVENT_TYPES = ("user", "bot", "action", "slot", "session_started", "restart")

events = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class Event:
    """One stored Rasa event, as much of it as the figures need."""

    sender_id: str
    type_name: str
    timestamp: float
    data: dict[str, Any]


def read_events(engine: Engine, since: datetime, until: datetime | None = None) -> Iterator[Event]:
    """The events from `since` (aware datetime) on, per conversation in stored order."""
    if not inspect(engine).has_table("events"):
        return
    query = (
        select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.timestamp >= since.timestamp(), events.c.type_name.in_(EVENT_TYPES))
        .order_by(events.c.sender_id, events.c.id)
    )
    if until is not None:
        query = query.where(events.c.timestamp < until.timestamp())
    with engine.connect() as connection:
        for row in connection.execute(query.execution_options(yield_per=2000)):
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                data = {}
            yield Event(row.sender_id, row.type_name, float(row.timestamp or 0.0), data)


@dataclass(frozen=True)
class OutboxState:
    """The helpdesk outbox right now: what waits, what needed retries, what was refused."""

    pending: int  # waiting to be sent
    retrying: int  # of those, tried at least once already
    failed: int  # refused by the helpdesk (4xx): staff must look
    delivered: int
    failed_attempts: int  # attempts that ended in "retry", over the whole history
    oldest_pending_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data."""
        return {
            "pending": self.pending,
            "retrying": self.retrying,
            "failed": self.failed,
            "delivered": self.delivered,
            "failed_attempts": self.failed_attempts,
            "oldest_pending_at": self.oldest_pending_at.isoformat() if self.oldest_pending_at else None,
        }


EMPTY_OUTBOX = OutboxState(0, 0, 0, 0, 0, None)


def read_outbox(engine: Engine) -> OutboxState:
    """Counts of the ticket database's deliveries; an empty outbox when it has no tables yet."""
    if not inspect(engine).has_table("deliveries"):
        return EMPTY_OUTBOX
    by_state = select(deliveries.c.state, func.count()).group_by(deliveries.c.state)
    retrying = select(func.count()).where(deliveries.c.state == PENDING, deliveries.c.attempts > 0)
    oldest = select(func.min(deliveries.c.next_attempt_at)).where(deliveries.c.state == PENDING)
    failed_attempts = select(func.count()).where(delivery_attempts.c.outcome == RETRY)
    with engine.connect() as connection:
        counts = {state: int(n) for state, n in connection.execute(by_state)}
        oldest_at = connection.scalar(oldest)
        if isinstance(oldest_at, str):  # SQLite returns the aggregate as text
            oldest_at = datetime.fromisoformat(oldest_at)
        if oldest_at is not None and oldest_at.tzinfo is None:
            oldest_at = oldest_at.replace(tzinfo=timezone.utc)
        return OutboxState(
            pending=counts.get(PENDING, 0),
            retrying=int(connection.scalar(retrying) or 0),
            failed=counts.get(REJECTED, 0),
            delivered=counts.get(DELIVERED, 0),
            failed_attempts=int(connection.scalar(failed_attempts) or 0),
            oldest_pending_at=oldest_at,
        )
