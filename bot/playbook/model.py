"""The recovery playbook's shape: entries, their conditions, and how facts select one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Facts = Mapping[str, Any]
"""What is known about the person's case: fact name -> value (None when unknown)."""


@dataclass(frozen=True)
class Source:
    """An official page an entry cites."""

    key: str
    title: str
    url: str


@dataclass(frozen=True)
class PlaybookEntry:
    """One recovery path.

    `when` maps fact names to the values the entry applies to. An entry applies when every
    condition holds; among those that apply, the one with the most conditions wins.
    `if_this_fails` names the entry to offer when the person says the steps did not work.
    """

    id: str
    title: str
    when: Mapping[str, frozenset[Any]]
    steps: tuple[str, ...]
    warnings: tuple[str, ...]
    sources: tuple[Source, ...]
    offer_ticket: bool
    if_this_fails: str | None = None

    @property
    def specificity(self) -> int:
        return len(self.when)

    def applies_to(self, facts: Facts) -> bool:
        return all(facts.get(name) in values for name, values in self.when.items())

    def could_apply_to(self, facts: Facts, askable: frozenset[str]) -> bool:
        """True when the entry applies, or could once an unknown askable fact is known."""
        return all(
            facts.get(name) in values or (name in askable and facts.get(name) is None)
            for name, values in self.when.items()
        )


class PlaybookError(ValueError):
    """The playbook data is invalid; the message names the entry and the problem."""


@dataclass(frozen=True)
class Playbook:
    """All entries, with the facts they may test."""

    entries: tuple[PlaybookEntry, ...]
    fact_values: Mapping[str, frozenset[Any]]
    askable: tuple[str, ...]

    def find(self, entry_id: str) -> PlaybookEntry | None:
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    def get(self, entry_id: str) -> PlaybookEntry:
        entry = self.find(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        return entry

    def match(self, facts: Facts) -> PlaybookEntry | None:
        """The most specific entry that applies to `facts`, or None."""
        applicable = [e for e in self.entries if e.applies_to(facts)]
        if not applicable:
            return None
        return max(applicable, key=lambda e: e.specificity)

    def next_question(self, facts: Facts) -> str | None:
        """The askable fact to ask next, or None when the answer is already decided.

        A fact is worth asking while it is unknown and some entry that could still apply
        depends on it; askable facts are asked in the order facts.yml lists them.
        """
        askable = frozenset(self.askable)
        candidates = [e for e in self.entries if e.could_apply_to(facts, askable)]
        for name in self.askable:
            if facts.get(name) is None and any(name in e.when for e in candidates):
                return name
        return None

    @staticmethod
    def describe(raw: Mapping[str, Any]) -> str:
        """Names an entry in an error message, even when its id is missing."""
        return f"playbook entry {raw.get('id', '<without id>')!r}"
