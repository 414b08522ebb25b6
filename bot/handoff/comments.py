"""The comment outbox: what goes onto a ticket, kept until the helpdesk accepts it.

The person's replies during a handoff, the handoff's context note, reminder notes and
"this reply reached no one" notes are committed here first, then sent by the relay loop
with the ticket forwarder's `add_comment`. A comment waits while its ticket is not in the
helpdesk yet (the ticket outbox forwards it first), is retried with the ticket outbox's
backoff when the helpdesk is down, and is kept (rejected) for staff on a 4xx. Each comment
has a key, so the same note queued twice is one note.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.handoff.models import DELIVERED, PENDING, REJECTED, TicketComment, ticket_comments
from bot.handoff.rows import take, ticket_row_id, unclaimed
from bot.handoff.webhooks import BOT_NOTE_MARK
from bot.tickets.db import Database
from bot.tickets.forwarders import Forwarder, ForwardingError
from bot.tickets.forwarding import RetryPolicy
from bot.tickets.models import Ticket, tickets
from bot.tickets.store import utcnow

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Sent:
    """What happened to one comment sent to the helpdesk."""
    key: str
    outcome: str  # DELIVERED, REJECTED or PENDING (to be retried)
    detail: str = ""


class CommentOutbox:
    """Comments waiting to be added to helpdesk tickets, sent once each, retried until they land."""
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def add(self, ticket_id: int, key: str, body: str, *, public: bool = False) -> bool:
        """Queues a comment (internal note unless `public`); False when `key` was queued before."""
        now = self.clock()
        text = body if public else f"{BOT_NOTE_MARK} {body}"
        try:
            with self.db.session() as session:
                session.add(TicketComment(ticket_id, key[:80], public, text, now, now))
        except IntegrityError:
            return False
        return True

    def add_for(self, ticket_public_id: str, key: str, body: str) -> bool:
        """Queues a comment for the ticket with this public id; ValueError when there is none."""
        with self.db.session() as session:
            ticket_id = ticket_row_id(session, ticket_public_id)
        if ticket_id is None:
            raise ValueError(f"no ticket {ticket_public_id}")
        return self.add(ticket_id, key, body)

    def comments(self, ticket_id: int) -> list[TicketComment]:
        """The comments queued for a ticket, oldest first."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(TicketComment)
                    .where(ticket_comments.c.ticket_id == ticket_id)
                    .order_by(ticket_comments.c.id)
                )
            )

    def _claim(self) -> list[tuple[TicketComment, Ticket]]:
        now = self.clock()
        with self.db.session() as session:
            rows = list(
                session.execute(
                    select(TicketComment, Ticket)
                    .join(Ticket, tickets.c.id == ticket_comments.c.ticket_id)
                    .where(
                        ticket_comments.c.state == PENDING,
                        ticket_comments.c.next_attempt_at <= now,
                        tickets.c.helpdesk_reference.is_not(None),
                        unclaimed(ticket_comments, now),
                    )
                    .order_by(ticket_comments.c.id)
                )
            )
        pending = ticket_comments.c.state == PENDING
        return [(c, t) for c, t in rows if take(self.db, ticket_comments, c.id, now, LEASE, pending)]

    def send_due(self, forwarder: Forwarder, policy: RetryPolicy) -> list[Sent]:
        """Sends every due comment of a forwarded ticket, in the order they were written."""
        results = []
        failed_tickets: set[int] = set()  # keep a ticket's comments in order: stop at its first failure
        for comment, ticket in self._claim():
            if ticket.id in failed_tickets:
                self._update(comment, claimed_until=None)
                continue
            try:
                forwarder.add_comment(str(ticket.helpdesk_reference), comment.body, public=comment.public)
            except ForwardingError as error:
                failed_tickets.add(ticket.id)  # type: ignore[arg-type]
                results.append(self._failed(comment, error, policy))
                continue
            self._update(comment, state=DELIVERED, delivered_at=self.clock(), claimed_until=None)
            results.append(Sent(comment.key, DELIVERED))
        return results

    def _failed(self, comment: TicketComment, error: ForwardingError, policy: RetryPolicy) -> Sent:
        attempts = comment.attempts + 1
        if not error.retryable:
            self._update(
                comment, state=REJECTED, attempts=attempts, last_error=error.detail, claimed_until=None
            )
            logger.warning("ticket comment %s refused: %s", comment.key, error.detail)
            return Sent(comment.key, REJECTED, error.detail)
        wait = policy.delay(attempts, error.retry_after, random.random)
        self._update(
            comment,
            attempts=attempts,
            last_error=error.detail,
            next_attempt_at=self.clock() + timedelta(seconds=wait),
            claimed_until=None,
        )
        logger.info("ticket comment %s not sent yet (%s); next try in %.0fs", comment.key, error.detail, wait)
        return Sent(comment.key, PENDING, error.detail)

    def _update(self, comment: TicketComment, **values: object) -> None:
        with self.db.session() as session:
            session.execute(
                update(ticket_comments).where(ticket_comments.c.id == comment.id).values(**values)
            )
