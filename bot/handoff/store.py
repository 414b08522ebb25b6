"""Handoffs and agent messages in SQL, so several Rasa servers share them.

Every agent message is stored once (unique per helpdesk and comment id: a webhook delivered
twice adds nothing) and delivered in the order the agent wrote it: a conversation's pending
messages wait until the newest of them is `settle` old, so one that arrives late but was
written earlier still goes first. Work is claimed with conditional UPDATEs (leases), as the
ticket outbox does, so two servers never deliver the same message.

Over 300 lines: every query of the handoff tables, the person's side and the agents', in one
store, so that the states and leases they share are read in one place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.handoff.models import (
    DELIVERED,
    ENDED,
    KEPT,
    LIVE,
    PENDING,
    REPLY,
    AgentMessage,
    Handoff,
    agent_messages,
    handoffs,
)
from bot.handoff.webhooks import AgentEvent
from bot.tickets.db import Database
from bot.tickets.models import Ticket, tickets
from bot.tickets.store import utcnow

logger = logging.getLogger(__name__)

NEW, DUPLICATE = "new", "duplicate"  # and KEPT: stored, but no live conversation to deliver it to
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Received:
    """What became of one agent event from a helpdesk webhook."""
    event: AgentEvent
    outcome: str  # NEW, DUPLICATE or KEPT
    ticket_id: int | None = None  # our ticket's row id, when the reference is known


@dataclass(frozen=True)
class Batch:
    """A conversation's agent messages to deliver now, in the order the agent wrote them."""

    handoff: Handoff
    messages: tuple[AgentMessage, ...]


# Built once: the check runs for every message, and building it cost as much as its round trip.
_ANY_LIVE = select(handoffs.c.id).where(handoffs.c.sender_id == bindparam("sender"), handoffs.c.state == LIVE)


class HandoffStore:
    """Live handoffs and the agent messages that arrive for them."""
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    # -- the conversation side -------------------------------------------------------------

    def start(self, ticket_public_id: str, sender_id: str, channel: str, address: dict[str, Any]) -> Handoff:
        """Hands the conversation of `ticket_public_id` to agents; one handoff per ticket, live again
        when the same ticket is handed over a second time."""
        now = self.clock()
        with self.db.session() as session:
            ticket = session.scalars(select(Ticket).where(tickets.c.public_id == ticket_public_id)).one()
            session.execute(  # one agent at a time per conversation: an older handoff ends
                update(handoffs)
                .where(
                    handoffs.c.sender_id == sender_id,
                    handoffs.c.state == LIVE,
                    handoffs.c.ticket_id != ticket.id,
                )
                .values(state=ENDED, ended_at=now, ended_by="replaced")
            )
            handoff: Handoff | None = session.scalars(
                select(Handoff).where(handoffs.c.ticket_id == ticket.id)
            ).first()
            if handoff is None:
                handoff = Handoff(ticket.id, sender_id, channel, json.dumps(address), now)
                session.add(handoff)
            elif handoff.state != LIVE:
                handoff.state, handoff.started_at, handoff.address = LIVE, now, json.dumps(address)
                handoff.last_agent_at = handoff.quiet_notice_at = handoff.ended_at = handoff.ended_by = None
        return handoff

    def live_for(self, sender_id: str) -> Handoff | None:
        """The person's live handoff, if an agent holds their conversation. Read for every message:
        first whether there is one, in one round trip (Database.read), then the handoff itself."""
        with self.db.read() as connection:
            if connection.execute(_ANY_LIVE, {"sender": sender_id}).first() is None:
                return None
        with self.db.session() as session:
            found: Handoff | None = session.scalars(
                select(Handoff).where(handoffs.c.sender_id == sender_id, handoffs.c.state == LIVE)
            ).first()
            return found

    def ticket_of(self, handoff: Handoff) -> Ticket:
        """The ticket the handoff goes through."""
        with self.db.session() as session:
            ticket: Ticket = session.scalars(select(Ticket).where(tickets.c.id == handoff.ticket_id)).one()
            return ticket

    def set_address(self, handoff_id: int, address: dict[str, Any]) -> None:
        """The latest way to reach the person (a Teams reply goes under their latest message)."""
        with self.db.session() as session:
            session.execute(
                update(handoffs).where(handoffs.c.id == handoff_id).values(address=json.dumps(address))
            )

    def end(self, handoff_id: int, by: str) -> bool:
        """Ends a live handoff; False when it had ended already (another server did it)."""
        with self.db.session() as session:
            result = session.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id, handoffs.c.state == LIVE)
                .values(state=ENDED, ended_at=self.clock(), ended_by=by)
            )
            return bool(result.rowcount)

    # -- the helpdesk side -----------------------------------------------------------------

    def _ticket_for(self, session: Any, event: AgentEvent) -> Ticket | None:
        ticket: Ticket | None = session.scalars(
            select(Ticket).where(
                or_(
                    and_(
                        tickets.c.helpdesk == event.helpdesk, tickets.c.helpdesk_reference == event.reference
                    ),
                    tickets.c.public_id == event.reference,
                )
            )
        ).first()
        return ticket

    def receive(self, event: AgentEvent) -> Received:
        """Stores the event once; KEPT (and logged) when no live conversation can take it."""
        now = self.clock()
        with self.db.session() as session:
            ticket = self._ticket_for(session, event)
            handoff = None
            if ticket is not None:
                handoff = session.scalars(
                    select(Handoff).where(handoffs.c.ticket_id == ticket.id, handoffs.c.state == LIVE)
                ).first()
            state, detail = PENDING, None
            if ticket is None:
                state, detail = KEPT, "no ticket of this bot has this reference"
            elif handoff is None:
                state, detail = KEPT, "the conversation is not handed to an agent (ended, or never was)"
            message = AgentMessage(
                helpdesk=event.helpdesk,
                external_id=event.external_id,
                reference=event.reference,
                kind=event.kind,
                author=event.author[:200],
                body=event.body,
                written_at=event.written_at,
                received_at=now,
                state=state,
                handoff_id=handoff.id if handoff is not None else None,
                detail=detail,
            )
            ticket_id = ticket.id if ticket is not None else None
            try:
                with session.begin_nested():
                    session.add(message)
            except IntegrityError:
                return Received(event, DUPLICATE, ticket_id)
        if state == KEPT:
            if event.kind == REPLY:
                logger.warning(
                    "agent reply %s on %s ticket %s kept, not delivered: %s",
                    event.external_id,
                    event.helpdesk,
                    event.reference,
                    detail,
                )
            return Received(event, KEPT, ticket_id)
        return Received(event, NEW, ticket_id)

    def due_batches(self, settle: timedelta) -> list[Batch]:
        """Claims the conversations whose pending messages have settled; oldest written first."""
        now = self.clock()
        with self.db.session() as session:
            settled = (
                select(agent_messages.c.handoff_id)
                .where(agent_messages.c.state == PENDING)
                .group_by(agent_messages.c.handoff_id)
                .having(func.max(agent_messages.c.received_at) <= now - settle)
            )
            handoff_ids = [row for row in session.scalars(settled) if row is not None]
        batches = []
        for handoff_id in handoff_ids:
            with self.db.session() as session:
                claimed = session.execute(
                    update(agent_messages)
                    .where(
                        agent_messages.c.handoff_id == handoff_id,
                        agent_messages.c.state == PENDING,
                        or_(agent_messages.c.claimed_until.is_(None), agent_messages.c.claimed_until < now),
                    )
                    .values(claimed_until=now + LEASE)
                )
                if not claimed.rowcount:
                    continue  # another server has it
                messages = tuple(
                    session.scalars(
                        select(AgentMessage)
                        .where(
                            agent_messages.c.handoff_id == handoff_id,
                            agent_messages.c.state == PENDING,
                            agent_messages.c.claimed_until == now + LEASE,
                        )
                        .order_by(agent_messages.c.written_at, agent_messages.c.id)
                    )
                )
                handoff = session.scalars(select(Handoff).where(handoffs.c.id == handoff_id)).one()
            batches.append(Batch(handoff, messages))
        return batches

    def delivered(self, message: AgentMessage) -> None:
        """Marks an agent message as delivered into the conversation."""
        now = self.clock()
        with self.db.session() as session:
            session.execute(
                update(agent_messages)
                .where(agent_messages.c.id == message.id)
                .values(state=DELIVERED, delivered_at=now, claimed_until=None)
            )
            if message.kind == REPLY:
                session.execute(
                    update(handoffs).where(handoffs.c.id == message.handoff_id).values(last_agent_at=now)
                )

    def kept(self, message: AgentMessage, detail: str) -> None:
        """Marks an agent message as kept: stored, with no conversation to deliver it to."""
        with self.db.session() as session:
            session.execute(
                update(agent_messages)
                .where(agent_messages.c.id == message.id)
                .values(state=KEPT, detail=detail, claimed_until=None)
            )

    def release(self, message: AgentMessage) -> None:
        """Delivery failed: the message is tried again on the next round."""
        with self.db.session() as session:
            session.execute(
                update(agent_messages).where(agent_messages.c.id == message.id).values(claimed_until=None)
            )

    def kept_messages(self) -> list[AgentMessage]:
        """Agent messages that reached no conversation, newest first (for staff)."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(AgentMessage)
                    .where(agent_messages.c.state == KEPT, agent_messages.c.kind == REPLY)
                    .order_by(agent_messages.c.received_at.desc())
                )
            )

    def claim_quiet(self, quiet: timedelta) -> list[Handoff]:
        """Live handoffs whose agent has been quiet for `quiet` and were not told so since."""
        now = self.clock()
        last_heard = func.coalesce(handoffs.c.last_agent_at, handoffs.c.started_at)
        with self.db.session() as session:
            candidates = list(
                session.scalars(
                    select(Handoff).where(
                        handoffs.c.state == LIVE,
                        last_heard <= now - quiet,
                        or_(handoffs.c.quiet_notice_at.is_(None), handoffs.c.quiet_notice_at < last_heard),
                    )
                )
            )
        claimed = []
        for handoff in candidates:
            with self.db.session() as session:
                result = session.execute(
                    update(handoffs)
                    .where(
                        handoffs.c.id == handoff.id,
                        or_(handoffs.c.quiet_notice_at.is_(None), handoffs.c.quiet_notice_at < last_heard),
                    )
                    .values(quiet_notice_at=now)
                )
            if result.rowcount:
                claimed.append(handoff)
        return claimed
