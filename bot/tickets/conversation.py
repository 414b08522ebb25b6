"""Reading the ticket form's answers: contact addresses, names, "skip".

Plain Python used by actions/tickets.py; nothing here knows about Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

_ADDRESS_LIKE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_NAME_WORD = re.compile(r"^[A-Z][a-zA-Z'’-]*$")
# Words around an address that are not part of a name ("my email is ...", "you can reach me at ...").
NOT_A_NAME = frozenset(
    "my email e-mail mail address is it's its use please you can reach me at contact send to write "  # noqa: SIM905
    "the and name i'm im this here thanks thank sure ok okay yes hi hello".split()
)
SKIP_ANSWERS = frozenset(
    {"skip", "no", "nope", "nothing", "none", "n/a", "na", "-", "no thanks", "nothing to add", "that's all"}
)


@dataclass(frozen=True)
class CheckedAddress:
    """An address as typed, checked: `email` normalised, or `problem` saying what is wrong."""

    email: str | None
    problem: str | None = None


def check_address(text: str) -> CheckedAddress:
    """Validates an address's form (no network look-ups)."""
    try:
        return CheckedAddress(validate_email(text.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as error:
        return CheckedAddress(None, str(error))


def address_in(text: str) -> str | None:
    """The first thing in `text` shaped like an email address (not validated yet)."""
    match = _ADDRESS_LIKE.search(text)
    return match.group(0).rstrip(".") if match else None


def name_beside(text: str, address: str) -> str | None:
    """A name written with the address ("Jane Doe <jane@example.com>"), or None."""
    words = [w.strip('.,;:!?<>()"') for w in text.replace(address, " ").split()]
    words = [w for w in words if w and w.lower() not in NOT_A_NAME]
    if 1 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return " ".join(words)
    return None


def remembered_address(texts: Iterable[str]) -> str | None:
    """The most recent valid address among what the person wrote (newest text first)."""
    for text in texts:
        found = address_in(text)
        if found:
            checked = check_address(found)
            if checked.email:
                return checked.email
    return None


def is_skip(text: str) -> bool:
    """Whether the person declined to answer ('skip', 'no', 'nothing to add' ...)."""
    return " ".join(text.lower().strip(" .!").split()) in SKIP_ANSWERS


def masked_address(email: str) -> str:
    """ "j***@example.com": enough to recognise, not enough to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
