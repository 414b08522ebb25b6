"""Marks the names of vocabulary.yml in a message, so the classifiers learn a kind once.

"my skype" and "my xbox" become "my skype accountkindpersonal", "my xbox accountkindpersonal": one example
with Skype teaches the classifier about Xbox too. Matching is on word boundaries and
case-insensitive; the longest name wins where names overlap.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yml")


Table = tuple[re.Pattern[str], dict[str, str]]


NEAR = 4  # words allowed between the two words of a `near` pair
# "IT" in capitals is the organisation's IT people, never the pronoun: someone else can reset MFA.
_IT_PEOPLE = re.compile(r"\bIT\b")


def _either(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _tables() -> tuple[tuple[Table, ...], tuple[tuple[re.Pattern[str], str], ...]]:
    spec: dict[str, Any] = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    near = spec.pop("near")
    tables = []
    for table, kinds in spec.items():
        marks = {
            name.lower(): f"{table}{kind}".replace("_", "") for kind, names in kinds.items() for name in names
        }
        tables.append((re.compile(rf"(?<![\w.])(?:{_either(list(marks))})(?![\w])"), marks))
    pairs = tuple(
        (
            re.compile(rf"\b(?:{_either(first)})(?:\s+[\w']+){{0,{NEAR}}}?\s+(?:{_either(second)})\b"),
            f"near{kind}".replace("_", ""),
        )
        for kind, entries in near.items()
        for first, second in entries
    )
    return tuple(tables), pairs


# Words that, just before a name, deny it: "it's not a work account", "used to be my school
# one", "our former IT guy" (gone, so he cannot reset anything). Not "can't" or "don't": "I
# can't get my outlook.com code" names the account. Such a name gets its mark with "not" in
# front, and the classifier learns what that means.
_DENIAL_BEFORE = re.compile(
    r"(?:\bnot|\bisn't|\bisnt|\bwasn't|\baren't|\bnever|\bno longer|\bused to be|\bwas once|\bformerly"
    r"|\bformer|\bprevious|\bnothing to do with)"
    r"(?:\s+[\w']+){0,2}\s*$",
    re.IGNORECASE,
)


def marked(text: str) -> str:
    """Lower-case `text` with a mark such as "accountkindpersonal" after every name of vocabulary.yml."""
    text = _IT_PEOPLE.sub(lambda match: _mark(match, {"IT": "adminroleotheradmin"}), text).lower()
    tables, pairs = _tables()
    for pattern, marks in tables:
        text = pattern.sub(lambda match: _mark(match, marks), text)  # noqa: B023
    for pattern, mark in pairs:
        text = pattern.sub(lambda match: _mark(match, {match.group(0): mark}), text)  # noqa: B023
    return text


def _mark(match: re.Match[str], marks: dict[str, str]) -> str:
    name = match.group(0)
    denied = _DENIAL_BEFORE.search(match.string[max(0, match.start() - 40) : match.start()])
    return f"{name} {'not' if denied else ''}{marks[name]}"
