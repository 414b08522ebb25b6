"""Masks secrets a person pastes (passwords, codes, access passes) before text is stored or sent.

`redact(text)` is what every incoming message (rasa_addons/guards), ticket, helpdesk request
and log line goes through; it
returns the masked text and which kinds of secret it found, so the caller can warn the person
or tell support staff that, say, a password was shared. `mask_contact_details(text)` also hides
email addresses and phone numbers, for logs. The rules are data: bot/redaction.yml.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_FILE = Path(__file__).with_name("redaction.yml")
_TRAILING_PUNCTUATION = ".,;:)]}\"'"
_LEADING_PUNCTUATION = "([{\"'"
_QUOTES = "\"'“"
_WORDS_JOINED = re.compile(r"^[A-Za-z]+(?:[-'’.][A-Za-z]+)+$")
_DOMAIN_OR_PATH = re.compile(r"^/?[\w-]+(?:[./][\w-]+)+/?$")


@dataclass(frozen=True)
class Redaction:
    """Masked text, and the kinds of secret that were masked (in order of appearance)."""

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def masked(self) -> bool:
        """Whether anything was masked."""
        return bool(self.kinds)


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    announced: bool  # the secret follows a word such as "password is"


@dataclass(frozen=True)
class _Rules:
    labels: dict[str, str]
    keep: tuple[re.Pattern[str], ...]
    secrets: tuple[_Rule, ...]
    contact: tuple[_Rule, ...]
    ordinary_words: frozenset[str]
    token_lengths: tuple[int, int]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str | None  # None: a span to keep as it is


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _secret_rule(raw: dict[str, Any], connector: str) -> _Rule:
    if "pattern" in raw:
        return _Rule(raw["kind"], _compile(raw["pattern"]), announced=False)
    pattern = f"{raw['announced_by']}{connector}(?P<secret>{raw['secret']})"
    return _Rule(raw["kind"], _compile(pattern), announced=True)


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    spec = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    keep = {kind: tuple(_compile(p) for p in patterns) for kind, patterns in spec["keep"].items()}
    labels = dict(spec["labels"])
    # Text that was redacted already stays as it is: redact(redact(text).text) changes nothing.
    placeholders = re.compile("|".join(re.escape(label) for label in labels.values()))
    return _Rules(
        labels=labels,
        keep=(placeholders, *(pattern for patterns in keep.values() for pattern in patterns)),
        secrets=tuple(_secret_rule(raw, spec["connector"]) for raw in spec["secrets"]),
        contact=tuple(
            _Rule(kind, pattern, announced=False)
            for kind in spec["contact_details"]
            for pattern in keep[kind]
        ),
        ordinary_words=frozenset(str(w).lower() for w in spec["ordinary_words"]),
        token_lengths=(spec["random_token"]["min_length"], spec["random_token"]["max_length"]),
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Leaves sentence punctuation that closes a secret outside the mask (quoted ones stay whole)."""
    while end > start + 1 and text[end - 1] in _TRAILING_PUNCTUATION and text[start] not in _QUOTES:
        end -= 1
    return start, end


def _rule_spans(text: str, rule: _Rule, ordinary: frozenset[str]) -> Iterator[_Span]:
    for match in rule.pattern.finditer(text):
        group = "secret" if "secret" in rule.pattern.groupindex else 0
        start, end = _trim(text, *match.span(group))
        secret = text[start:end].strip(_QUOTES + "”")
        if rule.announced and secret.lower().strip(_TRAILING_PUNCTUATION + "!?") in ordinary:
            continue
        yield _Span(start, end, rule.kind)


def looks_random(token: str) -> bool:
    """True for a run of characters shaped like an access pass or key, not like a word.

    It must mix lower and upper case with digits or symbols. Words joined by hyphens and
    domain names are not random; without symbols, the character classes must change
    often (`nc7GxwD2Kz` yes, `iPhone15Pro` no).
    """
    if _WORDS_JOINED.match(token) or _DOMAIN_OR_PATH.match(token):
        return False
    has_lower = any(c.islower() for c in token)
    has_upper = any(c.isupper() for c in token)
    digits = sum(c.isdigit() for c in token)
    has_symbol = any(not c.isalnum() for c in token)
    if not (has_lower and has_upper and (digits or has_symbol)):
        return False
    if has_symbol:
        return True

    def kind(c: str) -> int:
        return 0 if c.islower() else 1 if c.isupper() else 2

    changes = sum(kind(a) != kind(b) for a, b in itertools.pairwise(token))
    return digits >= 2 and changes / (len(token) - 1) > 0.5


def _random_token_spans(text: str, lengths: tuple[int, int]) -> Iterator[_Span]:
    shortest, longest = lengths
    for match in re.finditer(r"\S+", text):
        start, end = match.span()
        while start < end and text[start] in _LEADING_PUNCTUATION:
            start += 1
        start, end = _trim(text, start, end)
        if shortest <= end - start <= longest and looks_random(text[start:end]):
            yield _Span(start, end, "secret")


def _chosen(spans: list[_Span]) -> list[_Span]:
    """Spans that do not overlap an earlier (higher-priority) one, sorted by position."""
    chosen: list[_Span] = []
    for span in spans:
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _apply(text: str, spans: list[_Span], labels: dict[str, str]) -> Redaction:
    parts: list[str] = []
    kinds: list[str] = []
    position = 0
    for span in _chosen(spans):
        if span.kind is None:
            continue
        parts += [text[position : span.start], labels[span.kind]]
        position = span.end
        if span.kind not in kinds:
            kinds.append(span.kind)
    parts.append(text[position:])
    return Redaction("".join(parts), tuple(kinds))


def redact(text: str) -> Redaction:
    """Masks passwords, one-time codes, recovery codes, access passes and similar secrets.

    Addresses, links, phone numbers, ticket ids and years are kept: support needs them.
    """
    rules = _rules()
    spans = [_Span(*m.span(), None) for pattern in rules.keep for m in pattern.finditer(text)]
    for rule in rules.secrets:
        spans.extend(_rule_spans(text, rule, rules.ordinary_words))
    spans.extend(_random_token_spans(text, rules.token_lengths))
    return _apply(text, spans, rules.labels)


def masked_kinds(text: str) -> tuple[str, ...]:
    """The kinds of secret whose masks `text` holds, in order of appearance.

    Text masked once (by the Rasa-side message guard) is what the ticket form later
    reads; this is how the ticket still records that, say, a password was shared.
    """
    by_label = {label: kind for kind, label in _rules().labels.items() if kind not in ("email", "phone")}
    found = re.findall("|".join(re.escape(label) for label in by_label), text)
    return tuple(dict.fromkeys(by_label[label] for label in found))


def redact_data(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_data(item) for item in value]
    return value


SECRET_NAMES = {
    "password": "a password",
    "one_time_code": "a code",
    "recovery_code": "a recovery code",
    "temporary_access_pass": "an access pass",
    "authenticator_secret": "an Authenticator key",
    "secret": "something that looked like a secret",
}


def secrets_named(kinds: Sequence[str]) -> str:
    """ "a password and a code" for the kinds `redact` masked."""
    names = [SECRET_NAMES.get(kind, "a secret") for kind in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def mask_contact_details(text: str) -> str:
    """`redact`, then email addresses and phone numbers masked too (for logs)."""
    rules = _rules()
    masked = redact(text).text
    spans = [span for rule in rules.contact for span in _rule_spans(masked, rule, frozenset())]
    return _apply(masked, spans, rules.labels).text
