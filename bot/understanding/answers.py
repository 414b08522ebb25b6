"""Short typed replies to the bot's own questions ("work", "the personal one", "nope").

A reply only counts here while its question is open; the same word elsewhere says
nothing (for example "work" in "it doesn't work").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ANSWERS_FILE = Path(__file__).with_name("answers.yml")
MAX_WORDS = 8  # a longer message is a statement, read by read_signals instead


@dataclass(frozen=True)
class _AnswerRules:
    words: dict[str, dict[Any, frozenset[str]]]
    negations: frozenset[str]
    blocked_by_negation: dict[str, Any]


@lru_cache(maxsize=1)
def _answer_rules() -> _AnswerRules:
    spec = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    return _AnswerRules(
        words={
            slot: {value: frozenset(words) for value, words in values.items()}
            for slot, values in spec["short_answers"].items()
        },
        negations=frozenset(spec["negations"]),
        blocked_by_negation=dict(spec["blocked_by_negation"]),
    )


def read_short_answer(slot: str, text: str) -> Any:
    """The value a short reply gives `slot`, or None when it does not clearly give one."""
    words = set(re.findall(r"[a-z0-9']+", text.replace("\u2019", "'").lower()))
    if not words or len(words) > MAX_WORDS:
        return None
    rules = _answer_rules()
    negated = any(w in rules.negations or w.endswith("n't") for w in words)
    matched = [
        value
        for value, vocabulary in rules.words.get(slot, {}).items()
        if words & vocabulary and not (negated and rules.blocked_by_negation.get(slot) == value)
    ]
    return matched[0] if len(matched) == 1 else None
