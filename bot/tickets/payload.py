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
    """The stored ticket, with what every helpdesk needs from it."""

    ticket: Ticket

    @property
    def public_id(self) -> str:
        """The ticket's public id, as the person was told it."""
        return self.ticket.public_id

    @property
    def secrets_masked(self) -> tuple[str, ...]:
        """The kinds of secret masked in what the person wrote."""
        return tuple(kind for kind in self.ticket.secrets_masked.split(",") if kind)

    @property
    def subject(self) -> str:
        """The helpdesk ticket's subject line."""
        ticket = self.ticket
        account = ACCOUNT_TYPES.get(ticket.account_type or "", "account type unknown")
        state = LOCKOUT_STATES.get(ticket.lockout_state or "", "lockout state unknown")
        admin = ", only admin" if ticket.is_admin else ""
        return f"[{self.public_id}] Sign-in help: {account}, {state}{admin}"

    @property
    def requester(self) -> dict[str, str]:
        """Who the ticket is for, with a name even when the person gave none."""
        email = self.ticket.contact_email
        return {"email": email, "name": self.ticket.contact_name or email.split("@")[0]}

    @property
    def body(self) -> str:
        """The helpdesk ticket's description."""
        ticket = self.ticket
        contact = (
            f"{ticket.contact_name} <{ticket.contact_email}>" if ticket.contact_name else ticket.contact_email
        )
        opened = ticket.created_at.isoformat(timespec="seconds")
        lines = [
            f"Ticket {ticket.public_id}, opened {opened} by the bot ({ticket.channel} channel).",
            f"Contact: {contact}",
            f"Account: {ACCOUNT_TYPES.get(ticket.account_type or '', 'unknown')}",
            f"Lockout: {LOCKOUT_STATES.get(ticket.lockout_state or '', 'unknown')}",
            f"Only admin of the organisation: {_yes_no(ticket.is_admin)}",
            f"Recovery path tried: {ticket.recovery_path or 'none'}",
        ]
        if self.secrets_masked:
            shared = ", ".join(SECRET_WARNINGS.get(kind, kind) for kind in self.secrets_masked)
            lines.append(
                f"Warning: the person pasted {shared} into the chat. It was removed and is not in "
                "this ticket; advise them to change or renew it."
            )
        lines += ["", "What they wrote:", ticket.description or "(nothing added)"]
        lines += ["", "Conversation excerpt (secrets removed):", ticket.transcript or "(none)"]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """The ticket as the webhook's JSON body."""
        ticket = self.ticket
        return {
            "id": ticket.public_id,
            "created_at": ticket.created_at.isoformat(timespec="seconds"),
            "channel": ticket.channel,
            "contact": {"email": ticket.contact_email, "name": ticket.contact_name},
            "account_type": ticket.account_type,
            "lockout_state": ticket.lockout_state,
            "is_admin": ticket.is_admin,
            "recovery_path": ticket.recovery_path,
            "description": ticket.description,
            "transcript": ticket.transcript,
            "secrets_masked": list(self.secrets_masked),
            "subject": self.subject,
        }
