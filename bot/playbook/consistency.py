"""Checks across the whole playbook: entries that could both apply, finer paths, fallbacks.

Each entry is validated on its own in loader.py; these checks need every entry at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from bot.playbook.model import PlaybookEntry, PlaybookError


def check_consistent(entries: Mapping[str, PlaybookEntry], askable: frozenset[str]) -> None:
    """Raises PlaybookError naming the entries that make the playbook inconsistent."""
    _check_unambiguous(list(entries.values()), askable)
    _check_finer_paths(entries)
    _check_fallbacks(entries)


def _can_both_apply(first: PlaybookEntry, second: PlaybookEntry) -> bool:
    """True when some facts satisfy both entries' conditions."""
    shared = first.when.keys() & second.when.keys()
    return all(first.when[name] & second.when[name] for name in shared)


def _check_unambiguous(entries: Sequence[PlaybookEntry], askable: frozenset[str]) -> None:
    """No two entries may fit the same facts equally well: the bot would pick one at random."""
    for first, second in itertools.combinations(entries, 2):
        if first.rank(askable) == second.rank(askable) and _can_both_apply(first, second):
            raise PlaybookError(
                f"playbook entries {first.id!r} and {second.id!r} can apply to the same facts "
                "with equally specific conditions; make one of them more specific"
            )


def _check_finer_paths(entries: Mapping[str, PlaybookEntry]) -> None:
    """A finer path (`parent.suffix`) may not contradict the conditions of its parent."""
    for entry in entries.values():
        parent = entries.get(entry.id.rpartition(".")[0])
        if parent is None:
            continue
        for name in entry.when.keys() & parent.when.keys():
            if not entry.when[name] <= parent.when[name]:
                raise PlaybookError(
                    f"playbook entry {entry.id!r}: {name} contradicts its parent {parent.id!r}"
                )


def _check_fallbacks(entries: Mapping[str, PlaybookEntry]) -> None:
    """`if_this_fails` names an existing entry, and following the chain always ends."""
    for entry in entries.values():
        chain = [entry.id]
        fallback = entry.if_this_fails
        while fallback is not None:
            if fallback not in entries:
                raise PlaybookError(
                    f"playbook entry {chain[-1]!r}: if_this_fails names unknown entry {fallback!r}"
                )
            if fallback in chain:
                loop = " -> ".join([*chain[chain.index(fallback) :], fallback])
                raise PlaybookError(f"playbook entry {entry.id!r}: if_this_fails loops: {loop}")
            chain.append(fallback)
            fallback = entries[fallback].if_this_fails
