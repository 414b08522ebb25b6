"""Reads account type, lockout state, admin role and situation from one message.

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
HAS_OTHER_METHOD = "has_other_method"

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
    situation: str | None = None


@dataclass(frozen=True)
class _Situation:
    value: str
    patterns: tuple[re.Pattern[str], ...]
    unless_negated: bool
    unless_lost: bool


@dataclass(frozen=True)
class _Rules:
    personal_domains: frozenset[str]
    organisation_domain: re.Pattern[str]
    negation: re.Pattern[str]
    clause_negation: re.Pattern[str]
    clause_loss: re.Pattern[str]
    not_the_account_after: dict[str, re.Pattern[str]]
    account_phrases: dict[str, tuple[re.Pattern[str], ...]]
    account_hints: dict[str, tuple[re.Pattern[str], ...]]
    situations: tuple[_Situation, ...]
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
        organisation_domain=re.compile(domains["organisation"], re.IGNORECASE),
        negation=re.compile(spec["negation_before_mention"], re.IGNORECASE),
        clause_negation=re.compile(spec["negation_in_clause"], re.IGNORECASE),
        clause_loss=re.compile(spec["loss_in_clause"], re.IGNORECASE),
        not_the_account_after={
            label: re.compile(p, re.IGNORECASE) for label, p in spec["not_the_account_after"].items()
        },
        account_phrases={value: _compile(p) for value, p in spec["account_type"].items()},
        account_hints={value: _compile(p or []) for value, p in spec["account_type_hints"].items()},
        situations=tuple(
            _Situation(
                value=raw["value"],
                patterns=_compile(raw["patterns"]),
                unless_negated=bool(raw.get("unless_negated", False)),
                unless_lost=bool(raw.get("unless_lost", False)),
            )
            for raw in spec["situations"]
        ),
        lockout={state: _compile(p) for state, p in spec["lockout_state"].items()},
        admin={value == "true": _compile(p) for value, p in spec["is_admin"].items()},
        lockout_intents=dict(intents["intents"]),
        lockout_min_confidence=float(intents["min_confidence"]),
    )


def normalise(text: str) -> str:
    """Straightens curly quotes so one apostrophe spelling fits every rule."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def account_type_of_email(address: str) -> str | None:
    """personal for Microsoft's consumer domains, work_school for a school's or public body's.

    Any other organisation's domain only usually means a work account: anyone can sign up
    for a personal Microsoft account with any address, so that guess becomes a question.
    """
    domain = address.rsplit("@", 1)[-1].strip(".").lower()
    rules = _rules()
    if domain in rules.personal_domains:
        return PERSONAL
    if rules.organisation_domain.search(domain):
        return WORK_SCHOOL
    return None


def _mention_value(mention: Mention, tier: dict[str, str]) -> str | None:
    if mention.label == "EMAIL":
        return account_type_of_email(mention.text)
    return tier.get(mention.label)


def _phrase_mentions(text: str) -> list[Mention]:
    """Account phrases of signals.yml that outgrow a word list, as outright or hint mentions."""
    rules = _rules()
    kinds = (
        (rules.account_phrases, {PERSONAL: "PERSONAL_ACCOUNT", WORK_SCHOOL: "WORK_ACCOUNT"}),
        (rules.account_hints, {PERSONAL: "PERSONAL_SERVICE", WORK_SCHOOL: "WORK_SERVICE"}),
    )
    return [
        Mention(labels[value], match.group(0), match.start(), match.end())
        for phrases, labels in kinds
        for value, patterns in phrases.items()
        for pattern in patterns
        for match in pattern.finditer(text)
    ]


def _describes_something_else(mention: Mention, text: str) -> bool:
    """"my personal phone", "my work around": the words after the mention say it is not the account."""
    after = _rules().not_the_account_after.get(mention.label)
    return bool(after and after.search(text[mention.end :]))


def _read_account_type(text: str, mentions: Sequence[Mention]) -> str | None:
    rules = _rules()
    candidates = [*mentions, *_phrase_mentions(text)]
    live = [
        m
        for m in candidates
        if not rules.negation.search(text[: m.start])
        and not _describes_something_else(m, text)
    ]
    for tier in _ACCOUNT_TIERS:
        values = {_mention_value(m, tier) for m in live if m.label in tier}
        values.discard(None)
        if len(values) == 1:
            return values.pop()
        if len(values) > 1:
            return None  # contradictory at the strongest level that spoke: ask
    return None


def _only_value_said(text: str, patterns: dict[Any, tuple[re.Pattern[str], ...]], negatable: Any) -> Any:
    """The one value whose phrases the text has, or None when none or several.

    A phrase for `negatable` after a negation in its clause does not count: "I'm not the
    only admin", "no other way to verify".
    """
    said = {
        value
        for value, value_patterns in patterns.items()
        for pattern in value_patterns
        for match in pattern.finditer(text)
        if not (value == negatable and _negated_in_clause(text, match.start()))
    }
    return said.pop() if len(said) == 1 else None


def _read_lockout_state(text: str, intent: str | None, confidence: float) -> str | None:
    rules = _rules()
    by_phrase = _only_value_said(text, rules.lockout, negatable=HAS_OTHER_METHOD)
    if by_phrase:
        return str(by_phrase)
    if intent in rules.lockout_intents and confidence >= rules.lockout_min_confidence:
        return rules.lockout_intents[intent]
    return None


def _clause_before(text: str, start: int) -> str:
    return re.split(r"[.;!?,]|\bbut\b|\band\b", text[:start])[-1]


def _negated_in_clause(text: str, start: int) -> bool:
    """True when a negation comes earlier in the same clause ("I don't have another way")."""
    return bool(_rules().clause_negation.search(_clause_before(text, start)))


def _lost_in_clause(text: str, start: int) -> bool:
    """True when the clause says the thing is gone ("I lost the recovery code")."""
    return bool(_rules().clause_loss.search(_clause_before(text, start)))


def _cancelled(situation: _Situation, text: str, start: int) -> bool:
    return (situation.unless_negated and _negated_in_clause(text, start)) or (
        situation.unless_lost and _lost_in_clause(text, start)
    )


def _read_situation(text: str) -> str | None:
    """The first situation of signals.yml (most telling first) whose phrase the text has."""
    for situation in _rules().situations:
        for pattern in situation.patterns:
            for match in pattern.finditer(text):
                if not _cancelled(situation, text, match.start()):
                    return situation.value
    return None


def situation_values() -> frozenset[str]:
    """The situations signals.yml can recognise."""
    return frozenset(situation.value for situation in _rules().situations)


def read_signals(
    text: str,
    mentions: Sequence[Mention] = (),
    intent: str | None = None,
    intent_confidence: float = 0.0,
) -> Signals:
    """Returns the slot values `text` states or clearly implies."""
    text = normalise(text)
    is_admin = _only_value_said(text, _rules().admin, negatable=True)
    account_type = _read_account_type(text, mentions)
    if account_type is None and is_admin is not None:
        account_type = WORK_SCHOOL  # only an organisation has admins
    return Signals(
        account_type=account_type,
        lockout_state=_read_lockout_state(text, intent, intent_confidence),
        is_admin=is_admin,
        situation=_read_situation(text),
    )
