"""The ticket desk: the one door for what the conversation and the staff tools do with tickets.

The conversation opens tickets through `open` (the ticket limits are applied inside) and
looks them up by owner (`opened_by`, `visible_to`); staff commands list, show, close and
retry through the rest. Every method is synchronous database work: async callers run it in a
worker thread (actions/__init__.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.settings import HelpdeskSettings, Settings
from bot.tickets import migrate
from bot.tickets.db import Database, DatabaseError, display_url
from bot.tickets.forwarders import forwarder_for
from bot.tickets.forwarding import Forwarding, RetryPolicy
from bot.tickets.limits import Refusal, TicketLimits
from bot.tickets.models import Ticket
from bot.tickets.outbox import Outbox
from bot.tickets.request import TicketRequest
from bot.tickets.store import Opened, TicketRecord, TicketStore, utcnow


@dataclass(frozen=True)
class Refused:
    """No ticket was opened, and why (the limits)."""

    reason: Refusal


class TicketDesk:
    """The store, its outbox and the configured helpdesk (if any), over one database."""

    def __init__(
        self,
        db: Database,
        helpdesk: HelpdeskSettings,
        clock: Callable[[], datetime] = utcnow,
        limits: TicketLimits | None = None,
    ) -> None:
        self.db = db
        self.helpdesk = helpdesk
        self.limits = limits or TicketLimits.from_env()
        self.store = TicketStore(db, clock)
        self.outbox = Outbox(db)
        self.forwarder = forwarder_for(helpdesk)
        self._clock = clock
        self.on_opened: Callable[[], None] = lambda: None  # the forwarding loop's wake-up

    @classmethod
    def from_env(cls) -> TicketDesk:
        """The ticket desk on the ticket database and helpdesk of the environment."""
        return cls(Database(Settings.from_env().tickets_db_url), HelpdeskSettings.from_env())

    def now(self) -> datetime:
        """The desk's current time."""
        return self._clock()

    def open(self, request: TicketRequest) -> Opened | Refused:
        """The ticket of `request`, committed locally and queued for the helpdesk (if any).

        A request seen before (a retry) gets its ticket back whatever the limits; a new one
        is refused when its conversation or client has opened too many.
        """
        existing = self.store.existing(request)
        if existing is not None:
            return Opened(existing, created=False)
        refusal = self.limits.refusal(request)
        if refusal is not None:
            return Refused(refusal)
        opened = self.store.open(request, self.helpdesk.kind or None)
        if opened.created and self.forwarder is not None:
            self.on_opened()
        return opened

    def opened_by(self, public_id: str, sender_id: str) -> bool:
        """True when the conversation `sender_id` opened ticket `public_id`."""
        return self.store.opened_by(public_id, sender_id)

    def visible_to(self, public_id: str, sender_id: str, email: str | None) -> Ticket | None:
        """The ticket, only for the conversation that opened it or for its contact address."""
        return self.store.visible_to(public_id, sender_id, email)

    def records(
        self, status: str | None = None, delivery_state: str | None = None, limit: int | None = None
    ) -> list[TicketRecord]:
        """Tickets for staff, newest first, optionally by status and by forwarding state."""
        return self.store.records(status, delivery_state, limit)

    def record(self, public_id: str) -> TicketRecord:
        """One ticket with its forwarding history; TicketNotFound if there is none."""
        return self.store.record(public_id)

    def close(self, public_id: str) -> TicketRecord:
        """Closes the ticket; one not forwarded yet will not be forwarded any more."""
        return self.store.close(public_id)

    def refused(self) -> list[str]:
        """Tickets the helpdesk refused (waiting for staff)."""
        return self.outbox.rejected()

    def requeue(self, public_ids: Sequence[str]) -> None:
        """Queues these tickets for the configured helpdesk again, due now."""
        self.outbox.requeue(list(public_ids), self.helpdesk.kind, self.now())

    def schema_revision(self) -> str | None:
        """The migration the ticket database is at; None when it is empty."""
        return migrate.current_revision(self.db.engine)

    def of_person(self, email: str | None = None, sender_ids: Sequence[str] = ()) -> list[TicketRecord]:
        """A person's tickets, by contact address or by the conversations that opened them."""
        return self.store.of_person(email, sender_ids)

    def finished_before(self, cutoff: datetime) -> list[str]:
        """The tickets retention removes: closed or forwarded, and opened before `cutoff`."""
        return self.store.finished_before(cutoff)

    def delete(self, public_ids: Sequence[str]) -> int:
        """Deletes tickets for good (retention, a person's request); how many were deleted."""
        return self.store.delete(public_ids)

    def forwarding(self) -> Forwarding | None:
        """The forwarding to the configured helpdesk; None when there is none."""
        if self.forwarder is None:
            return None
        return Forwarding(self.outbox, self.forwarder, RetryPolicy.from_settings(self.helpdesk), self._clock)

    def upgrade(self) -> None:
        """Brings the schema to the newest migration (nothing to do when it is current)."""
        try:
            migrate.upgrade(self.db.engine)
        except SQLAlchemyError as error:
            raise self.unreachable(error) from error

    def check_schema(self) -> None:
        """DatabaseError unless the database answers and has the newest schema."""
        try:
            current = migrate.current_revision(self.db.engine)
        except SQLAlchemyError as error:
            raise self.unreachable(error) from error
        if current != migrate.head_revision(self.db.engine):
            raise DatabaseError(
                f"the ticket database {display_url(self.db.url)} is at schema {current or 'none'}, "
                f"not {migrate.head_revision(self.db.engine)}: run `python -m bot db upgrade`"
            )

    def unreachable(self, error: SQLAlchemyError) -> DatabaseError:
        """A DatabaseError naming the ticket database (password hidden) and the cause."""
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return DatabaseError(f"cannot use the ticket database {display_url(self.db.url)}: {reason}")
