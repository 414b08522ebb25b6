"""One-tap "did this help?" answers, stored with the path and channel (no free text unless written)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from bot.handoff.models import Feedback, feedback
from bot.handoff.rows import ticket_row_id
from bot.redaction import redact
from bot.tickets.db import Database
from bot.tickets.store import utcnow

MOMENTS = ("steps", "agent")  # after the bot's steps; after an agent handed the conversation back
COMMENT_MAX_CHARS = 1000


class FeedbackStore:
    """The "did this help?" answers in the ticket database."""
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def record(
        self,
        *,
        sender_id: str,
        channel: str,
        recovery_path: str | None,
        moment: str,
        helped: bool,
        comment: str | None = None,
        ticket_public_id: str | None = None,
    ) -> Feedback:
        """Stores one answer; a comment the person wrote is kept redacted and shortened."""
        if moment not in MOMENTS:
            raise ValueError(f"moment {moment!r}: expected one of {MOMENTS}")
        text = redact(comment.strip()[:COMMENT_MAX_CHARS]).text if comment and comment.strip() else None
        with self.db.session() as session:
            ticket_id = ticket_row_id(session, ticket_public_id)
            answer = Feedback(
                self.clock(), sender_id, channel, recovery_path, moment, helped, text, ticket_id
            )
            session.add(answer)
        return answer

    def answers(self) -> list[Feedback]:
        """Every answer, oldest first."""
        with self.db.session() as session:
            return list(session.scalars(select(Feedback).order_by(feedback.c.id)))
