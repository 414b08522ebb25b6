"""Reads account type, lockout state and admin role from one message.

Inputs are the message text, the mentions the spaCy pipeline found (bot/nlp) and the
intent the classifier chose. Rules and vocabulary live in signals.yml. A slot gets a
value only on a clear signal; anything ambiguous stays None so the bot asks instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_FILE = Path(__file__).with_name("signals.yml")

PERSONAL = "personal"
WORK_SCHOOL = "work_school"

# Strongest evidence first: what the person says outright, then their address, then hints.
_ACCOUNT_TIERS: tuple[dict[str, str], ...] = (
    {"PERSONAL_ACCOUNT": PERSONAL, "WORK_ACCOUNT": WORK_SCHOOL},
    {"EMAIL": ""},  # judged by domain
    {"PERSONAL_SERVICE": PERSONAL, "WORK_SERVICE": WORK_SCHOOL},
)


@dataclass(frozen=True)
class Mention:
    """A span the spaCy pipeline labelled, with character offsets into the message."""

    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Signals:
    """Slot values read from one message; None means the message did not say."""

    account_type: str | None = None
    lockout_state: str | None = None
    is_admin: bool | None = None


@dataclass(frozen=True)
class _Rules:
    personal_domains: frozenset[str]
    neutral_domains: frozenset[str]
    negation: re.Pattern[str]
    lockout: dict[str, tuple[re.Pattern[str], ...]]
    admin: dict[bool, tuple[re.Pattern[str], ...]]
    lockout_intents: dict[str, str]
    lockout_min_confidence: float


def _compile(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@lru_cache(maxsize=1)
def _rules(path: Path = RULES_FILE) -> _Rules:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    domains = spec["email_domains"]
    intents = spec["lockout_intents"]
    return _Rules(
        personal_domains=frozenset(domains["personal"]),
        neutral_domains=frozenset(domains["neutral"]),
        negation=re.compile(spec["negation_before_mention"], re.IGNORECASE),
        lockout={state: _compile(p) for state, p in spec["lockout_state"].items()},
        admin={value == "true": _compile(p) for value, p in spec["is_admin"].items()},
        lockout_intents=dict(intents["intents"]),
        lockout_min_confidence=float(intents["min_confidence"]),
    )


def normalise(text: str) -> str:
    """Straightens curly quotes so one apostrophe spelling fits every rule."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def account_type_of_email(address: str) -> str | None:
    """personal for Microsoft's consumer domains, work_school for an organisation's."""
    domain = address.rsplit("@", 1)[-1].strip(".").lower()
    rules = _rules()
    if domain in rules.personal_domains:
        return PERSONAL
    if domain in rules.neutral_domains or "." not in domain:
        return None
    return WORK_SCHOOL


def _mention_value(mention: Mention, tier: dict[str, str]) -> str | None:
    if mention.label == "EMAIL":
        return account_type_of_email(mention.text)
    return tier.get(mention.label)


def _read_account_type(text: str, mentions: Sequence[Mention]) -> str | None:
    negation = _rules().negation
    live = [m for m in mentions if not negation.search(text[: m.start])]
    for tier in _ACCOUNT_TIERS:
        values = {_mention_value(m, tier) for m in live if m.label in tier}
        values.discard(None)
        if len(values) == 1:
            return values.pop()
        if len(values) > 1:
            return None  # contradictory at the strongest level that spoke: ask
    return None


def _only_match(text: str, patterns: dict[Any, tuple[re.Pattern[str], ...]]) -> Any:
    matched = {value for value, ps in patterns.items() if any(p.search(text) for p in ps)}
    return matched.pop() if len(matched) == 1 else None


def _read_lockout_state(text: str, intent: str | None, confidence: float) -> str | None:
    rules = _rules()
    by_phrase = _only_match(text, rules.lockout)
    if by_phrase:
        return str(by_phrase)
    if intent in rules.lockout_intents and confidence >= rules.lockout_min_confidence:
        return rules.lockout_intents[intent]
    return None


def read_signals(
    text: str,
    mentions: Sequence[Mention] = (),
    intent: str | None = None,
    intent_confidence: float = 0.0,
) -> Signals:
    """Returns the slot values `text` states or clearly implies."""
    text = normalise(text)
    is_admin = _only_match(text, _rules().admin)
    account_type = _read_account_type(text, mentions)
    if account_type is None and is_admin:
        account_type = WORK_SCHOOL  # only an organisation has admins
    return Signals(
        account_type=account_type,
        lockout_state=_read_lockout_state(text, intent, intent_confidence),
        is_admin=is_admin,
    )
