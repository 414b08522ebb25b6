"""The ticket store: opening tickets exactly once, finding and closing them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from bot.tickets.db import Database
from bot.tickets.ids import new_ticket_id
from bot.tickets.models import (
    CANCELLED,
    CLOSED,
    FORWARDED,
    PENDING,
    Delivery,
    DeliveryAttempt,
    Ticket,
    deliveries,
    delivery_attempts,
    tickets,
)
from bot.tickets.request import TicketRequest, new_ticket

ID_ATTEMPTS = 5  # fresh random ids to try should one already be taken


def utcnow() -> datetime:
    """The current time in UTC (the stores' default clock)."""
    return datetime.now(timezone.utc)


class TicketNotFound(LookupError):
    """No ticket has this id."""


@dataclass(frozen=True)
class Opened:
    """A ticket the store opened, or had opened before for the same request."""
    ticket: Ticket
    created: bool  # False: the same request had opened it before


@dataclass(frozen=True)
class TicketRecord:
    """A ticket with its forwarding state, for staff."""

    ticket: Ticket
    delivery: Delivery | None
    attempts: tuple[DeliveryAttempt, ...] = ()


class TicketStore:
    """The tickets: opened once per request, looked up by id or owner, closed."""
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = new_ticket_id,
    ) -> None:
        self.db = db
        self._clock = clock
        self._new_id = new_id

    def open(self, request: TicketRequest, helpdesk: str | None) -> Opened:
        """Stores a ticket for `request`, queued for `helpdesk` (None: kept locally only).

        The request key is unique in the database, so when two calls race with the same
        request (on SQLite or PostgreSQL alike), one insert wins and the other reads it.
        """
        for _ in range(ID_ATTEMPTS):
            now = self._clock()
            ticket = new_ticket(request, self._new_id(), now)
            try:
                with self.db.session() as session:
                    session.add(ticket)
                    session.flush()
                    assert ticket.id is not None  # assigned by the flush
                    if helpdesk:
                        session.add(Delivery(ticket_id=ticket.id, helpdesk=helpdesk, next_attempt_at=now))
                return Opened(ticket, created=True)
            except IntegrityError:
                existing = self._by_request_key(request.request_key)
                if existing is not None:
                    return Opened(existing, created=False)
                # the random id was taken: try another
        raise RuntimeError(f"no free ticket id after {ID_ATTEMPTS} attempts")

    def _first(self, condition: Any) -> Ticket | None:
        with self.db.session() as session:
            ticket: Ticket | None = session.scalars(select(Ticket).where(condition)).first()
            return ticket

    def _by_request_key(self, request_key: str) -> Ticket | None:
        return self._first(tickets.c.request_key == request_key)

    def existing(self, request: TicketRequest) -> Ticket | None:
        """The ticket this very request opened before (a retry), if any."""
        return self._by_request_key(request.request_key)

    def find(self, public_id: str) -> Ticket | None:
        """The ticket with this public id, or None."""
        return self._first(tickets.c.public_id == public_id)

    def opened_by(self, public_id: str, sender_id: str) -> bool:
        """True when the conversation `sender_id` opened ticket `public_id`."""
        ticket = self.find(public_id)
        return ticket is not None and ticket.sender_id == sender_id

    def visible_to(self, public_id: str, sender_id: str, email: str | None) -> Ticket | None:
        """The ticket, only for the conversation that opened it or for its contact address."""
        ticket = self.find(public_id)
        if ticket is None:
            return None
        if ticket.sender_id == sender_id:
            return ticket
        if email and ticket.contact_email.casefold() == email.strip().casefold():
            return ticket
        return None

    def record(self, public_id: str) -> TicketRecord:
        """The ticket with its delivery and every forwarding attempt; TicketNotFound if none."""
        with self.db.session() as session:
            ticket = session.scalars(select(Ticket).where(tickets.c.public_id == public_id)).first()
            if ticket is None:
                raise TicketNotFound(public_id)
            delivery = session.scalars(select(Delivery).where(deliveries.c.ticket_id == ticket.id)).first()
            attempts = ()
            if delivery is not None:
                attempts = tuple(
                    session.scalars(
                        select(DeliveryAttempt)
                        .where(delivery_attempts.c.delivery_id == delivery.id)
                        .order_by(delivery_attempts.c.id)
                    )
                )
            return TicketRecord(ticket, delivery, attempts)

    def records(
        self, status: str | None = None, delivery_state: str | None = None, limit: int | None = None
    ) -> list[TicketRecord]:
        """Tickets, newest first, optionally by status and by forwarding state."""
        query = (
            select(Ticket, Delivery)
            .outerjoin(Delivery, deliveries.c.ticket_id == tickets.c.id)
            .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
        )
        if status:
            query = query.where(tickets.c.status == status)
        if delivery_state:
            query = query.where(deliveries.c.state == delivery_state)
        if limit:
            query = query.limit(limit)
        with self.db.session() as session:
            return [TicketRecord(ticket, delivery) for ticket, delivery in session.execute(query)]

    def close(self, public_id: str) -> TicketRecord:
        """Closes the ticket; one not forwarded yet will not be forwarded any more."""
        now = self._clock()
        with self.db.session() as session:
            ticket = session.scalars(select(Ticket).where(tickets.c.public_id == public_id)).first()
            if ticket is None:
                raise TicketNotFound(public_id)
            ticket.status, ticket.closed_at, ticket.updated_at = CLOSED, now, now
            delivery = session.scalars(select(Delivery).where(deliveries.c.ticket_id == ticket.id)).first()
            if delivery is not None and delivery.state == PENDING:
                delivery.state = CANCELLED
        return self.record(public_id)

    def of_person(self, email: str | None = None, sender_ids: Sequence[str] = ()) -> list[TicketRecord]:
        """Tickets with this contact address (any case) or opened by these conversations, oldest first."""
        conditions = []
        if email:
            conditions.append(func.lower(tickets.c.contact_email) == email.strip().casefold())
        if sender_ids:
            conditions.append(tickets.c.sender_id.in_(list(sender_ids)))
        if not conditions:
            return []
        query = (
            select(tickets.c.public_id).where(or_(*conditions)).order_by(tickets.c.created_at, tickets.c.id)
        )
        with self.db.session() as session:
            public_ids = list(session.scalars(query))
        return [self.record(public_id) for public_id in public_ids]

    def finished_before(self, cutoff: datetime) -> list[str]:
        """Closed or forwarded tickets opened before `cutoff` (open ones wait for staff)."""
        query = select(tickets.c.public_id).where(
            tickets.c.created_at < cutoff, tickets.c.status.in_([CLOSED, FORWARDED])
        )
        with self.db.session() as session:
            return list(session.scalars(query))

    def delete(self, public_ids: Sequence[str]) -> int:
        """Deletes these tickets with their forwarding history; how many were deleted."""
        if not public_ids:
            return 0
        with self.db.session() as session:
            wanted = select(tickets.c.id).where(tickets.c.public_id.in_(list(public_ids)))
            ticket_ids = list(session.scalars(wanted))
            if not ticket_ids:
                return 0
            delivery_ids = select(deliveries.c.id).where(deliveries.c.ticket_id.in_(ticket_ids))
            session.execute(delete(delivery_attempts).where(delivery_attempts.c.delivery_id.in_(delivery_ids)))
            session.execute(delete(deliveries).where(deliveries.c.ticket_id.in_(ticket_ids)))
            return int(session.execute(delete(tickets).where(tickets.c.id.in_(ticket_ids))).rowcount)
