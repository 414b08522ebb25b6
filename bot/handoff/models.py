"""What the handoff keeps in SQL, beside the tickets (same database, same Alembic history).

- handoffs: a conversation an agent holds, with where to reach the person (its channel address);
- agent_messages: every agent comment or close a helpdesk webhook reported, once each (unique per
  helpdesk and comment id), delivered in the order the agent wrote them;
- ticket_comments: an outbox of what goes onto the ticket (the person's replies, the context
  note), retried until the helpdesk accepts it, so nothing the person writes is lost;
- feedback: one "did this help?" answer, with the path and channel;
- reminders: a follow-up due on a date (the 30-day wait, tenant recovery), sent once.
The tables live on the ticket store's metadata so one migration history covers both
(migrations/versions/0002_handoff.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import registry

from bot.tickets.models import UTCDateTime, metadata

# Handoff state: an agent holds the conversation (LIVE) until it is handed back (ENDED).
LIVE, ENDED = "live", "ended"
# Agent message kinds: text for the person, a hand-back command, the ticket closed.
REPLY, HANDBACK, CLOSED = "reply", "handback", "closed"
# Delivery state of agent messages, comments and reminders.
PENDING, DELIVERED, KEPT, REJECTED = "pending", "delivered", "kept", "rejected"

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("channel", String(40), nullable=False),
    Column("address", Text, nullable=False),  # JSON: how to reach the person in `channel`
    Column("state", String(12), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_agent_at", UTCDateTime),
    Column("quiet_notice_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("ended_by", String(40)),
)

agent_messages = Table(
    "agent_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("helpdesk", String(20), nullable=False),
    Column("external_id", String(160), nullable=False),
    Column("reference", String(120), nullable=False),
    Column("handoff_id", Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), index=True),
    Column("kind", String(12), nullable=False),
    Column("author", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False, index=True),
    Column("claimed_until", UTCDateTime),
    Column("delivered_at", UTCDateTime),
    Column("detail", Text),
    UniqueConstraint("helpdesk", "external_id", name="uq_agent_messages_helpdesk"),
)

ticket_comments = Table(
    "ticket_comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("key", String(80), nullable=False, unique=True),
    Column("public", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("channel", String(40), nullable=False),
    Column("recovery_path", String(120)),
    Column("moment", String(12), nullable=False),
    Column("helped", Boolean, nullable=False),
    Column("comment", Text),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="SET NULL")),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("address", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False, index=True),
    Column("state", String(12), nullable=False, index=True),
    Column("claimed_until", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    UniqueConstraint("sender_id", "kind", name="uq_reminders_sender_id"),
)


@dataclass
class Handoff:
    """A conversation handed to an agent through its ticket."""
    ticket_id: int
    sender_id: str
    channel: str
    address: str
    started_at: datetime
    state: str = LIVE
    last_agent_at: datetime | None = None
    quiet_notice_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None
    id: int | None = None


@dataclass
class AgentMessage:
    """A reply an agent wrote on the helpdesk, on its way into the conversation."""
    helpdesk: str
    external_id: str
    reference: str
    kind: str
    author: str
    body: str
    written_at: datetime
    received_at: datetime
    state: str = PENDING
    handoff_id: int | None = None
    claimed_until: datetime | None = None
    delivered_at: datetime | None = None
    detail: str | None = None
    id: int | None = None


@dataclass
class TicketComment:
    """A comment for a ticket (the person's message, or a note for the agent) in the outbox."""
    ticket_id: int
    key: str
    public: bool
    body: str
    created_at: datetime
    next_attempt_at: datetime
    state: str = PENDING
    attempts: int = 0
    claimed_until: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    id: int | None = None


@dataclass
class Feedback:
    """One "did this help?" answer."""
    created_at: datetime
    sender_id: str
    channel: str
    recovery_path: str | None
    moment: str  # "steps" (after the bot's steps) or "agent" (after an agent handed back)
    helped: bool
    comment: str | None = None
    ticket_id: int | None = None
    id: int | None = None


@dataclass
class Reminder:
    """A message the bot sends later (a follow-up while waiting for an agent)."""
    sender_id: str
    channel: str
    address: str
    kind: str
    created_at: datetime
    due_at: datetime
    ticket_id: int | None = None
    state: str = PENDING
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    id: int | None = None


_mapper = registry(metadata=metadata)
_mapper.map_imperatively(Handoff, handoffs)
_mapper.map_imperatively(AgentMessage, agent_messages)
_mapper.map_imperatively(TicketComment, ticket_comments)
_mapper.map_imperatively(Feedback, feedback)
_mapper.map_imperatively(Reminder, reminders)
