"""Ticket ids a person can read out and type back: "RB-7K3P9Q".

Six characters of Crockford's base32 (no I, L, O or U), so nothing looks like something
else; letters typed in lower case, and O, I, L typed for 0, 1, 1, are read correctly.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "RB-"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6
_TYPED = re.compile(r"\bRB[\s_-]?([0-9A-Z]{6})\b", re.IGNORECASE)
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_ticket_id() -> str:
    """A new random public ticket id, easy to read out and type."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _normalise(code: str) -> str | None:
    code = code.upper().translate(_CONFUSABLE)
    return PREFIX + code if all(c in ALPHABET for c in code) else None


def find_ticket_id(text: str) -> str | None:
    """The first ticket id in `text` ("status of rb 7k3p9q?" -> "RB-7K3P9Q"), or None."""
    for match in _TYPED.finditer(text):
        ticket_id = _normalise(match.group(1))
        if ticket_id:
            return ticket_id
    return None
