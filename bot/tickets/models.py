"""What the ticket store holds: tickets, and the outbox that forwards them to a helpdesk.

The classes are plain dataclasses mapped onto the tables (SQLAlchemy's imperative mapping),
so the rest of the code sees typed values. The schema itself changes only through the
Alembic migrations in migrations/versions; tests/bot/tickets/test_ticket_migrations.py checks that
these tables and the migrations agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import registry


class TicketStatus(str, Enum):
    """A ticket's status, as staff and the person see it."""

    OPEN = "open"
    FORWARDED = "forwarded"
    CLOSED = "closed"


class DeliveryState(str, Enum):
    """An outbox entry: waiting to be sent, accepted by the helpdesk, refused with a 4xx (staff
    must look), or not to be sent (the ticket was closed first)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Outcome(str, Enum):
    """What one forwarding attempt did; FOUND: an earlier attempt had arrived after all."""

    SENT = "sent"
    FOUND = "found"
    RETRY = "retry"
    REJECTED = "rejected"


OPEN, FORWARDED, CLOSED = TicketStatus
PENDING, DELIVERED, REJECTED, CANCELLED = DeliveryState
SENT, FOUND, RETRY = Outcome.SENT, Outcome.FOUND, Outcome.RETRY
STATUSES = tuple(status.value for status in TicketStatus)
DELIVERY_STATES = tuple(state.value for state in DeliveryState)


class UTCDateTime(TypeDecorator):  # type: ignore[misc]  # SQLAlchemy 1.4 ships no types
    """Aware UTC datetimes in and out, on SQLite (which stores no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Stores a time as UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the ticket store keeps aware UTC times only")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Reads a stored time back as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class EnumText(TypeDecorator):  # type: ignore[misc]
    """An Enum stored as its text value (the column stays a plain string, no database enum type)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[Enum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        """Stores the enum member's value."""
        return None if value is None else str(self.enum(value).value)

    def process_result_value(self, value: str | None, dialect: Any) -> Enum | None:
        """Reads a stored value back as the enum member."""
        return None if value is None else self.enum(value)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(12), nullable=False, unique=True),
    Column("request_key", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("contact_email", String(320), nullable=False),
    Column("contact_name", String(200)),
    Column("account_type", String(40)),
    Column("lockout_state", String(40)),
    Column("is_admin", Boolean),
    Column("recovery_path", String(120)),
    Column("description", Text, nullable=False),
    Column("transcript", Text, nullable=False),
    Column("secrets_masked", String(200), nullable=False),
    Column("status", EnumText(TicketStatus, 12), nullable=False, index=True),
    Column("helpdesk", String(20)),
    Column("helpdesk_reference", String(120)),
    Column("closed_at", UTCDateTime),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("helpdesk", String(20), nullable=False),
    Column("state", EnumText(DeliveryState, 12), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("outcome", EnumText(Outcome, 12), nullable=False),
    Column("status_code", Integer),
    Column("detail", Text),
)


@dataclass
class Ticket:
    """One support request, as stored: secrets were masked before it got here."""

    public_id: str
    request_key: str
    created_at: datetime
    updated_at: datetime
    channel: str
    sender_id: str
    contact_email: str
    contact_name: str | None
    account_type: str | None
    lockout_state: str | None
    is_admin: bool | None
    recovery_path: str | None
    description: str
    transcript: str
    secrets_masked: str  # comma-separated kinds from bot.redaction, e.g. "password"
    status: TicketStatus = TicketStatus.OPEN
    helpdesk: str | None = None
    helpdesk_reference: str | None = None
    closed_at: datetime | None = None
    id: int | None = None


@dataclass
class Delivery:
    """The outbox entry that forwards one ticket to the configured helpdesk."""

    ticket_id: int
    helpdesk: str
    next_attempt_at: datetime
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    claimed_until: datetime | None = None  # a worker is sending it until then
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    id: int | None = None


@dataclass
class DeliveryAttempt:
    """One try at forwarding, kept so staff can see what happened and when."""

    delivery_id: int
    started_at: datetime
    finished_at: datetime
    outcome: Outcome
    status_code: int | None = None
    detail: str | None = None
    id: int | None = None


_mapper = registry(metadata=metadata)
_mapper.map_imperatively(Ticket, tickets)
_mapper.map_imperatively(Delivery, deliveries)
_mapper.map_imperatively(DeliveryAttempt, delivery_attempts)
