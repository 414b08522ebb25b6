"""The outbox: which tickets still have to reach the helpdesk, and what happened when we tried.

A worker claims one delivery at a time with a conditional UPDATE (atomic on SQLite and
PostgreSQL alike), so the action server's loop and a staff member's `tickets retry` never
send the same ticket at the same moment. A claim is a lease: if the worker dies while
sending, the delivery becomes claimable again once the lease runs out, and the next worker
knows an earlier attempt may have arrived (`previous_attempts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from bot.tickets.db import Database
from bot.tickets.models import (
    CLOSED,
    DELIVERED,
    FORWARDED,
    PENDING,
    REJECTED,
    RETRY,
    Delivery,
    DeliveryAttempt,
    Outcome,
    Ticket,
    deliveries,
    tickets,
)


@dataclass(frozen=True)
class Claim:
    """A delivery this worker may send now."""

    delivery_id: int
    helpdesk: str
    previous_attempts: int  # attempts before this one (any of them may have arrived)
    ticket: Ticket


@dataclass(frozen=True)
class Failure:
    """Why an attempt did not get the ticket accepted."""

    detail: str
    status_code: int | None = None


class Outbox:
    """The deliveries of tickets to the helpdesk: what is due, and what each attempt did."""
    def __init__(self, db: Database) -> None:
        self.db = db

    def due(
        self, now: datetime, *, ignore_schedule: bool = False, public_ids: Sequence[str] = ()
    ) -> list[int]:
        """Deliveries waiting to be sent, oldest first (all waiting ones with ignore_schedule)."""
        query = (
            select(deliveries.c.id)
            .join(tickets, tickets.c.id == deliveries.c.ticket_id)
            .where(deliveries.c.state == PENDING)
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        )
        if not ignore_schedule:
            query = query.where(deliveries.c.next_attempt_at <= now)
        if public_ids:
            query = query.where(tickets.c.public_id.in_(list(public_ids)))
        with self.db.session() as session:
            return list(session.scalars(query))

    def claim(
        self, delivery_id: int, now: datetime, lease: timedelta, *, ignore_schedule: bool
    ) -> Claim | None:
        """Takes the delivery for this worker until now + lease; None if it is not available."""
        conditions = [
            deliveries.c.id == delivery_id,
            deliveries.c.state == PENDING,
            or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
        ]
        if not ignore_schedule:
            conditions.append(deliveries.c.next_attempt_at <= now)
        with self.db.session() as session:
            taken = session.execute(
                update(deliveries)
                .where(*conditions)
                .values(claimed_until=now + lease, attempts=deliveries.c.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                return None
            delivery = session.get(Delivery, delivery_id, populate_existing=True)
            ticket = session.get(Ticket, delivery.ticket_id)
            return Claim(delivery_id, delivery.helpdesk, delivery.attempts - 1, ticket)

    def _attempt(
        self,
        delivery: Delivery,
        started: datetime,
        finished: datetime,
        outcome: Outcome,
        failure: Failure | None,
    ) -> DeliveryAttempt:
        return DeliveryAttempt(
            delivery_id=delivery.id or 0,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            status_code=failure.status_code if failure else None,
            detail=failure.detail if failure else None,
        )

    def record_delivered(
        self, claim: Claim, started: datetime, finished: datetime, reference: str, outcome: Outcome
    ) -> None:
        """The helpdesk has the ticket (`outcome` SENT now, or FOUND from an earlier attempt)."""
        with self.db.session() as session:
            delivery = session.get(Delivery, claim.delivery_id)
            delivery.state, delivery.claimed_until, delivery.delivered_at = DELIVERED, None, finished
            delivery.last_status_code = delivery.last_error = None
            session.add(self._attempt(delivery, started, finished, outcome, None))
            ticket = session.get(Ticket, delivery.ticket_id)
            ticket.helpdesk, ticket.helpdesk_reference, ticket.updated_at = (
                claim.helpdesk,
                reference,
                finished,
            )
            if ticket.status != CLOSED:
                ticket.status = FORWARDED

    def record_retry(
        self, claim: Claim, started: datetime, finished: datetime, failure: Failure, next_attempt_at: datetime
    ) -> None:
        """A transient failure: try again at `next_attempt_at`."""
        with self.db.session() as session:
            delivery = session.get(Delivery, claim.delivery_id)
            delivery.claimed_until, delivery.next_attempt_at = None, next_attempt_at
            delivery.last_status_code, delivery.last_error = failure.status_code, failure.detail
            session.add(self._attempt(delivery, started, finished, RETRY, failure))

    def record_rejected(self, claim: Claim, started: datetime, finished: datetime, failure: Failure) -> None:
        """The helpdesk refused the ticket (4xx): no more automatic attempts; staff can retry."""
        with self.db.session() as session:
            delivery = session.get(Delivery, claim.delivery_id)
            delivery.state, delivery.claimed_until = REJECTED, None
            delivery.last_status_code, delivery.last_error = failure.status_code, failure.detail
            session.add(self._attempt(delivery, started, finished, Outcome.REJECTED, failure))

    def requeue(self, public_ids: Sequence[str], helpdesk: str, now: datetime) -> list[str]:
        """Makes these tickets due now (refused or never queued ones too); the ids it queued.

        Tickets already delivered or closed are left alone.
        """
        queued = []
        with self.db.session() as session:
            found = session.execute(
                select(Ticket, Delivery)
                .outerjoin(Delivery, deliveries.c.ticket_id == tickets.c.id)
                .where(tickets.c.public_id.in_(list(public_ids)))
            )
            for ticket, delivery in found:
                if ticket.status == CLOSED or (delivery is not None and delivery.state == DELIVERED):
                    continue
                if delivery is None:
                    session.add(Delivery(ticket_id=ticket.id, helpdesk=helpdesk, next_attempt_at=now))
                else:
                    delivery.state, delivery.helpdesk, delivery.next_attempt_at = PENDING, helpdesk, now
                queued.append(ticket.public_id)
        return queued

    def rejected(self) -> list[str]:
        """Ids of tickets the helpdesk refused (waiting for staff)."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(tickets.c.public_id)
                    .join(deliveries, deliveries.c.ticket_id == tickets.c.id)
                    .where(deliveries.c.state == REJECTED)
                    .order_by(tickets.c.id)
                )
            )
