"""is_admin: True | False | None. Everything that decides it is here.

True: the person is the only (global) admin of their organisation, said outright or
indirectly: "no other admin", "I own the business subscription", "the one admin account is
mine", "the other admin left". False: someone else can do it: an IT desk, a help desk, an
office manager or another admin exists, or "I'm not an admin". None: nobody says. Learnt by
the classifier (model.py) from data/; the slot holds a boolean, the classes are strings.
"""

from __future__ import annotations

from bot.understanding.model import NONE, Probabilities

FILL_AT = 0.5
_VALUES = {"true": True, "false": False}


def decide(probabilities: Probabilities) -> bool | None:
    """Whether the person is an admin, when the classifier is sure enough; else None."""
    best = max(probabilities, key=probabilities.__getitem__)
    return _VALUES[best] if best != NONE and probabilities[best] >= FILL_AT else None
