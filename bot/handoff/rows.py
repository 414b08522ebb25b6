"""SQL helpers the handoff stores share: leases on rows, and a ticket's row id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.tickets.db import Database
from bot.tickets.models import tickets


def unclaimed(table: Table, now: datetime) -> ColumnElement[Any]:
    """No worker holds the row (never claimed, or its lease ran out)."""
    return or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)


def take(db: Database, table: Table, row_id: int, now: datetime, lease: timedelta, *conditions: Any) -> bool:
    """Claims one row until now + lease with a conditional UPDATE; False when another worker has it."""
    with db.session() as session:
        result = session.execute(
            update(table)
            .where(table.c.id == row_id, unclaimed(table, now), *conditions)
            .values(claimed_until=now + lease)
        )
    return bool(result.rowcount)


def ticket_row_id(session: Session, public_id: str | None) -> int | None:
    """The row id of ticket `public_id` (None for none, or an unknown id)."""
    if not public_id:
        return None
    found: int | None = session.scalars(select(tickets.c.id).where(tickets.c.public_id == public_id)).first()
    return found
