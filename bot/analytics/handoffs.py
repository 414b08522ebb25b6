"""Handoffs and "did this help?" answers, as bot/handoff records them in the ticket database.

bot/handoff keeps them in SQL beside the tickets (bot/handoff/models.py, docs/handoff.md):
`handoffs` (one per ticket handed to an agent: channel, `started_at`, `state`, `ended_by`),
`agent_messages` (each agent reply a helpdesk webhook reported, `kind = reply`) and
`feedback` (one answer: channel, `recovery_path`, `moment`, `helped`). Read here with
SQLAlchemy 2.0-style Core over bot/handoff's own table definitions; a database without
those tables yet (not migrated, or no ticket database) reads as none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine

from bot.analytics.conversations import channel_label
from bot.handoff.models import ENDED, REPLY, agent_messages, feedback, handoffs

REPLACED = "replaced"  # ended because the conversation was handed over again on another ticket
QUESTIONS = {"steps": "Did that get you back in?", "agent": "Did this help?"}  # feedback.moment


@dataclass(frozen=True)
class HandoffRecord:
    """One conversation an agent took over, and whether it came back to the bot."""

    channel: str  # as staff name it (channel_label)
    started_at: datetime
    ended_by: str | None  # None while an agent holds it; "agent", "ticket closed", "person", "replaced"
    agent_replies: int  # replies the agent wrote to the person since it started

    @property
    def day(self) -> date:
        """The UTC day the handoff started on."""
        return self.started_at.date()

    @property
    def handed_back(self) -> bool:
        """Back with the bot: the agent handed back, the ticket was closed, or the person left."""
        return self.ended_by is not None and self.ended_by != REPLACED


@dataclass(frozen=True)
class FeedbackRecord:
    """One tap on "Did that get you back in?" (moment `steps`) or "Did this help?" (`agent`)."""

    channel: str
    recovery_path: str | None
    moment: str
    helped: bool
    created_at: datetime

    @property
    def day(self) -> date:
        """The UTC day the answer was given on."""
        return self.created_at.date()


def _has(engine: Engine, table: str) -> bool:
    return bool(inspect(engine).has_table(table))


def read_handoffs(engine: Engine, since: datetime, until: datetime) -> list[HandoffRecord]:
    """The handoffs started from `since` to `until` (aware datetimes), oldest first."""
    if not _has(engine, "handoffs"):
        return []
    replies = (
        select(func.count())
        .where(
            agent_messages.c.handoff_id == handoffs.c.id,
            agent_messages.c.kind == REPLY,
            agent_messages.c.received_at >= handoffs.c.started_at,  # not those of an earlier handoff
        )
        .scalar_subquery()
    )
    query = (
        select(
            handoffs.c.channel,
            handoffs.c.started_at,
            handoffs.c.state,
            handoffs.c.ended_by,
            replies.label("agent_replies"),
        )
        .where(handoffs.c.started_at >= since, handoffs.c.started_at < until)
        .order_by(handoffs.c.started_at, handoffs.c.id)
    )
    with engine.connect() as connection:
        return [
            HandoffRecord(
                channel_label(row.channel),
                row.started_at,
                (row.ended_by or "unknown") if row.state == ENDED else None,
                int(row.agent_replies or 0),
            )
            for row in connection.execute(query)
        ]


def read_feedback(engine: Engine, since: datetime, until: datetime) -> list[FeedbackRecord]:
    """The answers given from `since` to `until`, oldest first."""
    if not _has(engine, "feedback"):
        return []
    query = (
        select(
            feedback.c.channel,
            feedback.c.recovery_path,
            feedback.c.moment,
            feedback.c.helped,
            feedback.c.created_at,
        )
        .where(feedback.c.created_at >= since, feedback.c.created_at < until)
        .order_by(feedback.c.created_at, feedback.c.id)
    )
    with engine.connect() as connection:
        return [
            FeedbackRecord(
                channel_label(row.channel), row.recovery_path, row.moment, bool(row.helped), row.created_at
            )
            for row in connection.execute(query)
        ]
