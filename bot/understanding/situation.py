"""situation: one value of bot/playbook/facts.yml, or None. Everything that decides it is here.

The situation selects a finer playbook entry, or answers a how-to question at once
(passkeys, number matching, codes not arriving, a new phone, someone else's account). It is
learnt by the classifier (model.py) from the labelled messages of data/; every value of
facts.yml has training examples (tests/bot/test_understanding.py checks the two lists match).
"""

from __future__ import annotations

from bot.understanding.model import NONE, Probabilities

FILL_AT = 0.4


def decide(probabilities: Probabilities) -> str | None:
    """The situation to fill, when the classifier is sure enough; else None."""
    best = max(probabilities, key=probabilities.__getitem__)
    return best if best != NONE and probabilities[best] >= FILL_AT else None
