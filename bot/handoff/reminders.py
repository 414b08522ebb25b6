"""Follow-up reminders for long waits: due date in SQL, sent once on the day by the relay loop.

A reminder survives restarts because it is only a row: whichever Rasa server's loop finds it
due claims it (a lease, like the outbox) and sends it; a failed send is retried later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.handoff.models import DELIVERED, PENDING, Reminder, reminders
from bot.handoff.rows import take, ticket_row_id, unclaimed
from bot.tickets.db import Database
from bot.tickets.store import utcnow

LEASE = timedelta(minutes=5)
RETRY_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Wait:
    """A wait the playbook knows: how long, and what to say on the day."""

    kind: str
    days: int


# Microsoft's 30-day wait after security info changes on a personal account, and the
# tenant recovery cases, where our team checks in after a week (bot/playbook situations
# waiting_period and tenant_recovery; the week is ours, not a Microsoft rule).
WAITS = {"waiting_period": Wait("waiting_period", 30), "tenant_recovery": Wait("tenant_recovery", 7)}


class ReminderStore:
    """Scheduled follow-up messages, claimed by one server each when due."""
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def schedule(
        self,
        *,
        sender_id: str,
        channel: str,
        address: dict[str, Any],
        wait: Wait,
        ticket_public_id: str | None = None,
    ) -> Reminder:
        """A reminder `wait.days` from now; the same kind twice in one conversation: the first."""
        now = self.clock()
        with self.db.session() as session:
            ticket_id = ticket_row_id(session, ticket_public_id)
            reminder = Reminder(
                sender_id,
                channel,
                json.dumps(address),
                wait.kind,
                now,
                now + timedelta(days=wait.days),
                ticket_id,
            )
            try:
                with session.begin_nested():
                    session.add(reminder)
            except IntegrityError:
                existing: Reminder = session.scalars(
                    select(Reminder).where(reminders.c.sender_id == sender_id, reminders.c.kind == wait.kind)
                ).one()
                return existing
        return reminder

    def claim_due(self) -> list[Reminder]:
        """The reminders that are due, claimed for this server for a while."""
        now = self.clock()
        with self.db.session() as session:
            due = list(
                session.scalars(
                    select(Reminder)
                    .where(
                        reminders.c.state == PENDING,
                        reminders.c.due_at <= now,
                        unclaimed(reminders, now),
                    )
                    .order_by(reminders.c.due_at)
                )
            )
        pending = reminders.c.state == PENDING
        return [r for r in due if take(self.db, reminders, r.id, now, LEASE, pending)]

    def sent(self, reminder: Reminder) -> None:
        """Marks a reminder as sent."""
        self._update(reminder, state=DELIVERED, sent_at=self.clock(), claimed_until=None)

    def failed(self, reminder: Reminder, detail: str) -> None:
        """Records a failed attempt; the reminder is tried again later."""
        self._update(
            reminder,
            attempts=reminder.attempts + 1,
            last_error=detail[:500],
            claimed_until=self.clock() + RETRY_AFTER,
        )

    def pending_for(self, sender_id: str) -> list[Reminder]:
        """The reminders still waiting for this person."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Reminder).where(reminders.c.sender_id == sender_id, reminders.c.state == PENDING)
                )
            )

    def all(self) -> list[Reminder]:
        """Every reminder, oldest first."""
        with self.db.session() as session:
            return list(session.scalars(select(Reminder).order_by(reminders.c.id)))

    def _update(self, reminder: Reminder, **values: object) -> None:
        with self.db.session() as session:
            session.execute(update(reminders).where(reminders.c.id == reminder.id).values(**values))
