"""A ticket as helpdesks receive it: plain values, a subject and a readable body.

Everything here comes from the stored ticket, whose free text was redacted when it was
opened; nothing else is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.tickets.models import Ticket

ACCOUNT_TYPES = {"personal": "personal Microsoft account", "work_school": "work or school account"}
LOCKOUT_STATES = {
    "has_other_method": "can still verify another way",
    "locked_out": "no working way to verify",
}
SECRET_WARNINGS = {
    "password": "a password",
    "one_time_code": "a one-time code",
    "recovery_code": "a recovery code",
    "temporary_access_pass": "a Temporary Access Pass",
    "authenticator_secret": "an Authenticator secret key",
    "secret": "what looked like a secret string",
}


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


@dataclass(frozen=True)
class TicketPayload:
    public_id: str
    created_at: str  # ISO 8601, UTC
    channel: str
    contact_email: str
    contact_name: str | None
    account_type: str | None
    lockout_state: str | None
    is_admin: bool | None
    recovery_path: str | None
    description: str
    transcript: str
    secrets_masked: tuple[str, ...]

    @classmethod
    def of(cls, ticket: Ticket) -> TicketPayload:
        return cls(
            public_id=ticket.public_id,
            created_at=ticket.created_at.isoformat(timespec="seconds"),
            channel=ticket.channel,
            contact_email=ticket.contact_email,
            contact_name=ticket.contact_name,
            account_type=ticket.account_type,
            lockout_state=ticket.lockout_state,
            is_admin=ticket.is_admin,
            recovery_path=ticket.recovery_path,
            description=ticket.description,
            transcript=ticket.transcript,
            secrets_masked=tuple(k for k in ticket.secrets_masked.split(",") if k),
        )

    @property
    def subject(self) -> str:
        account = ACCOUNT_TYPES.get(self.account_type or "", "account type unknown")
        state = LOCKOUT_STATES.get(self.lockout_state or "", "lockout state unknown")
        admin = ", only admin" if self.is_admin else ""
        return f"[{self.public_id}] Sign-in help: {account}, {state}{admin}"

    @property
    def requester_name(self) -> str:
        return self.contact_name or self.contact_email.split("@")[0]

    @property
    def body(self) -> str:
        contact = f"{self.contact_name} <{self.contact_email}>" if self.contact_name else self.contact_email
        lines = [
            f"Ticket {self.public_id}, opened {self.created_at} by the bot ({self.channel} channel).",
            f"Contact: {contact}",
            f"Account: {ACCOUNT_TYPES.get(self.account_type or '', 'unknown')}",
            f"Lockout: {LOCKOUT_STATES.get(self.lockout_state or '', 'unknown')}",
            f"Only admin of the organisation: {_yes_no(self.is_admin)}",
            f"Recovery path tried: {self.recovery_path or 'none'}",
        ]
        if self.secrets_masked:
            shared = ", ".join(SECRET_WARNINGS.get(kind, kind) for kind in self.secrets_masked)
            lines.append(
                f"Warning: the person pasted {shared} into the chat. It was removed and is not in "
                "this ticket; advise them to change or renew it."
            )
        lines += ["", "What they wrote:", self.description or "(nothing added)"]
        lines += ["", "Conversation excerpt (secrets removed):", self.transcript or "(none)"]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "created_at": self.created_at,
            "channel": self.channel,
            "contact": {"email": self.contact_email, "name": self.contact_name},
            "account_type": self.account_type,
            "lockout_state": self.lockout_state,
            "is_admin": self.is_admin,
            "recovery_path": self.recovery_path,
            "description": self.description,
            "transcript": self.transcript,
            "secrets_masked": list(self.secrets_masked),
            "subject": self.subject,
        }
