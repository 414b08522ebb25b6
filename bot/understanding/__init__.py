"""From what a person wrote to the slot values of the evaluation contract.

One home per slot: account_type.py, lockout_state.py, is_admin.py, situation.py each hold
everything that decides their slot (the classifier's threshold, the few honest rules).
model.py is the trained part they share; training.py says which examples of data/ teach it;
email.py reads an address's domain; answers.py reads short replies to an open question.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.understanding import account_type, is_admin, lockout_state, situation
from bot.understanding.model import SlotModel


@dataclass(frozen=True)
class Signals:
    """Slot values read from one message; None means the message did not say."""

    account_type: str | None = None
    lockout_state: str | None = None
    is_admin: bool | None = None
    situation: str | None = None


def read_signals(model: SlotModel, text: str) -> Signals:
    """The slot values `text` states or clearly implies."""
    readings = model.read(text)
    admin = is_admin.decide(readings["is_admin"])
    return Signals(
        account_type=account_type.decide(readings["account_type"], text, admin),
        lockout_state=lockout_state.decide(readings["lockout_state"]),
        is_admin=admin,
        situation=situation.decide(readings["situation"]),
    )


__all__ = ["Signals", "SlotModel", "read_signals"]
