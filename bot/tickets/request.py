"""What the conversation hands over to open a ticket, and how it becomes a stored ticket."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.redaction import masked_kinds, redact
from bot.tickets.models import OPEN, Ticket

TRANSCRIPT_MESSAGES = 12  # the last messages of the conversation kept with the ticket
TRANSCRIPT_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class Message:
    """One line of the conversation: `speaker` is "person" or "bot"."""

    speaker: str
    text: str


@dataclass(frozen=True)
class TicketRequest:
    """A request for a person, as the conversation knows it (nothing is masked yet)."""

    channel: str
    sender_id: str
    session: str  # marks one conversation session of this sender (e.g. its start time)
    contact_email: str
    contact_name: str | None = None
    account_type: str | None = None
    lockout_state: str | None = None
    is_admin: bool | None = None
    recovery_path: str | None = None
    description: str = ""
    transcript: Sequence[Message] = ()
    client: str | None = None  # the pseudonymous key of the client's address, for the limits

    @property
    def request_key(self) -> str:
        """The same for every retry of this request: who, in which session, about what.

        A retried action call, a double click or a channel's redelivery of the same
        request therefore finds the ticket already opened instead of opening another.
        """
        parts = (self.sender_id, self.session, self.contact_email.casefold(), self.recovery_path or "")
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def transcript_excerpt(messages: Sequence[Message]) -> tuple[str, tuple[str, ...]]:
    """The last messages, one per line and shortened, with secrets masked; and what was masked."""
    lines: list[str] = []
    kinds: list[str] = []
    for message in messages[-TRANSCRIPT_MESSAGES:]:
        text = " ".join(message.text.split())
        if len(text) > TRANSCRIPT_MESSAGE_CHARS:
            text = text[: TRANSCRIPT_MESSAGE_CHARS - 1] + "…"
        redaction = redact(text)
        kinds += [kind for kind in masked_kinds(redaction.text) if kind not in kinds]
        lines.append(f"{message.speaker.capitalize()}: {redaction.text}")
    return "\n".join(lines), tuple(kinds)


def new_ticket(request: TicketRequest, public_id: str, now: datetime) -> Ticket:
    """The ticket to store for `request`: free text is redacted before it is kept."""
    description = redact(request.description.strip())
    transcript, transcript_kinds = transcript_excerpt(request.transcript)
    described = masked_kinds(description.text)  # masked here, or already by the message guard
    masked = list(described) + [k for k in transcript_kinds if k not in described]
    return Ticket(
        public_id=public_id,
        request_key=request.request_key,
        created_at=now,
        updated_at=now,
        channel=request.channel,
        sender_id=request.sender_id,
        contact_email=request.contact_email,
        contact_name=request.contact_name,
        account_type=request.account_type,
        lockout_state=request.lockout_state,
        is_admin=request.is_admin,
        recovery_path=request.recovery_path,
        description=description.text,
        transcript=transcript,
        secrets_masked=",".join(masked),
        status=OPEN,
    )
