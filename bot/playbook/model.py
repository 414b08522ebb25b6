"""The recovery playbook's shape: entries, their conditions, and how facts select one."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Facts = Mapping[str, Any]
"""What is known about the person's case: fact name -> value (None when unknown)."""

Rank = tuple[int, int]


@dataclass(frozen=True)
class Source:
    """An official page an entry cites.

    `qa` marks a Microsoft Q&A answer: allowed, but it is not product documentation, so
    a step resting on Q&A answers alone must say so in its text.
    """

    key: str
    title: str
    url: str
    qa: bool = False


@dataclass(frozen=True)
class PlaybookEntry:
    """One recovery path.

    `when` maps fact names to the values the entry applies to; an entry applies when every
    condition holds. `if_this_fails` names the entry to offer when the person says the steps
    did not work. Every step and warning cites its own sources (`step_sources`,
    `warning_sources`, in the same order); `sources` is their union, in order of first use,
    which is what the bot links. `checked` is the day the entry was last read against them.
    """

    id: str
    title: str
    when: Mapping[str, frozenset[Any]]
    steps: tuple[str, ...]
    warnings: tuple[str, ...]
    sources: tuple[Source, ...]
    offer_ticket: bool
    checked: date
    step_sources: tuple[tuple[Source, ...], ...] = ()
    warning_sources: tuple[tuple[Source, ...], ...] = ()
    if_this_fails: str | None = None

    def applies_to(self, facts: Facts) -> bool:
        """Whether every condition of the entry holds for `facts`."""
        return all(facts.get(name) in values for name, values in self.when.items())

    def rank(self, askable: frozenset[str]) -> Rank:
        """How specific the entry is: volunteered-fact conditions first, then all conditions.

        What the person volunteered (their situation) outranks what the bot asks, so an entry
        written for "my account was hacked" wins over the general entry for the same slots.
        """
        volunteered = sum(1 for name in self.when if name not in askable)
        return volunteered, len(self.when)


def _valid(value: Any, values: frozenset[Any]) -> Any:
    """`value` when it is one of `values` (1 is not True here), else None."""
    return value if any(type(value) is type(v) and value == v for v in values) else None


class PlaybookError(ValueError):
    """The playbook data is invalid; the message names the entry and the problem."""


@dataclass(frozen=True)
class Playbook:
    """All entries, with the facts they may test.

    The loader guarantees that no two entries of equal rank can apply to the same facts, so
    the most specific applicable entry is always unique.
    """

    entries: tuple[PlaybookEntry, ...]
    fact_values: Mapping[str, frozenset[Any]]
    askable: tuple[str, ...]

    def find(self, entry_id: str) -> PlaybookEntry | None:
        """The entry with this id, or None."""
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    def get(self, entry_id: str) -> PlaybookEntry:
        """The entry with this id; KeyError when there is none."""
        entry = self.find(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        return entry

    def rank(self, entry: PlaybookEntry) -> Rank:
        """How specific `entry` is, given the facts this playbook can ask for."""
        return entry.rank(frozenset(self.askable))

    def known(self, facts: Facts) -> dict[str, Any]:
        """`facts` with every value the playbook does not know as None (unknown).

        Slots can hold anything a typed payload such as `/inform{"account_type": []}` puts
        there; such a value is no answer, and must neither break matching nor stop the question.
        """
        return {name: _valid(facts.get(name), values) for name, values in self.fact_values.items()}

    def match(self, facts: Facts) -> PlaybookEntry | None:
        """The most specific entry that applies to `facts`, or None."""
        facts = self.known(facts)
        applicable = [e for e in self.entries if e.applies_to(facts)]
        return max(applicable, key=self.rank, default=None)

    def next_question(self, facts: Facts) -> str | None:
        """The askable fact to ask next, or None when the answer is already decided.

        A fact is worth asking only while it is unknown and its answer could change which
        entry is served; askable facts are asked in the order facts.yml lists them.
        """
        facts = self.known(facts)
        unknown = [name for name in self.askable if facts.get(name) is None]
        return next((name for name in unknown if self._decides(name, facts, unknown)), None)

    def _decides(self, name: str, facts: Facts, unknown: list[str]) -> bool:
        """Whether some answer to `name` serves another entry than leaving it unknown.

        The other unknown facts are tried with every value, and unknown, so that when no
        fact decides anything the entry served for `facts` is the one every answer leads to.
        """
        others = [other for other in unknown if other != name]
        for filled in itertools.product(*(self._answers(other) for other in others)):
            known = {**facts, **dict(zip(others, filled, strict=True))}
            served = {self._id_of({**known, name: value}) for value in self._answers(name)}
            if len(served) > 1:
                return True
        return False

    def _answers(self, name: str) -> list[Any]:
        return [None, *sorted(self.fact_values[name], key=str)]

    def _id_of(self, facts: Facts) -> str | None:
        entry = self.match(facts)
        return entry.id if entry else None

    @staticmethod
    def describe(raw: Mapping[str, Any]) -> str:
        """Names an entry in an error message, even when its id is missing."""
        return f"playbook entry {raw.get('id', '<without id>')!r}"
