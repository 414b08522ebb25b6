"""Loads and validates the playbook data (facts.yml, sources.yml, paths/*.yml)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.playbook.model import Playbook, PlaybookEntry, PlaybookError, Source

PLAYBOOK_DIR = Path(__file__).parent
_ID = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
_URL = re.compile(r"^https?://[^\s()<>\[\]]+$")
_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_REQUIRED = ("id", "title", "when", "steps", "sources", "offer_ticket")
_OPTIONAL = ("warnings", "if_this_fails")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PlaybookError(f"{path.name}: not valid YAML: {error}") from error


def _load_facts(path: Path) -> tuple[dict[str, frozenset[Any]], tuple[str, ...]]:
    """Fact name -> allowed values, and the askable facts in the order they are asked.

    `values` is a list, or a mapping from each value to what it means.
    """
    fact_values, askable = {}, []
    for name, spec in (_read_yaml(path) or {}).items():
        values = frozenset(spec.get("values") or ())
        if not values:
            raise PlaybookError(f"facts.yml: fact {name!r} needs values")
        fact_values[name] = values
        if spec.get("askable"):
            askable.append(name)
    return fact_values, tuple(askable)


def _load_sources(path: Path) -> dict[str, Source]:
    sources = {}
    for key, raw in (_read_yaml(path) or {}).items():
        url, title = str(raw.get("url", "")), str(raw.get("title", ""))
        if not _URL.match(url) or not title or set(title) & set("[]"):
            raise PlaybookError(
                f"source {key!r} needs a title without brackets and an http(s) url without spaces"
            )
        sources[key] = Source(key=key, title=title, url=url)
    return sources


def _conditions(
    raw: Mapping[str, Any], fact_values: Mapping[str, frozenset[Any]]
) -> dict[str, frozenset[Any]]:
    where = Playbook.describe(raw)
    when = raw["when"]
    if not isinstance(when, dict) or not when:
        raise PlaybookError(f"{where}: 'when' must map facts to values")
    conditions = {}
    for name, value in when.items():
        if name not in fact_values:
            raise PlaybookError(f"{where}: unknown fact {name!r} in 'when'")
        values = frozenset(value if isinstance(value, list) else [value])
        unknown = values - fact_values[name]
        if unknown:
            raise PlaybookError(f"{where}: {name} cannot be {sorted(map(str, unknown))}")
        conditions[name] = values
    return conditions


def _texts(raw: Mapping[str, Any], field: str, *, required: bool) -> tuple[str, ...]:
    where = Playbook.describe(raw)
    texts = raw.get(field) or []
    if required and not texts:
        raise PlaybookError(f"{where}: needs at least one item in {field!r}")
    if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
        hint = ""
        if isinstance(texts, list) and any(isinstance(t, dict) for t in texts):
            hint = " (an unquoted text containing ': ' reads as a mapping; put the text in quotes)"
        raise PlaybookError(f"{where}: {field!r} must be a list of non-empty texts{hint}")
    return tuple(texts)


def _entry(
    raw: Any, fact_values: Mapping[str, frozenset[Any]], sources: Mapping[str, Source]
) -> PlaybookEntry:
    if not isinstance(raw, dict):
        raise PlaybookError(f"every playbook entry must be a mapping, got {raw!r}")
    where = Playbook.describe(raw)
    missing = [f for f in _REQUIRED if f not in raw]
    extra = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or extra:
        raise PlaybookError(f"{where}: missing fields {missing}, unknown fields {extra}")
    if not _ID.match(str(raw["id"])):
        raise PlaybookError(f"{where}: ids are dotted lower_case words")
    steps = _texts(raw, "steps", required=True)
    warnings = _texts(raw, "warnings", required=False)
    if any(_RAW_HTML.search(text) for text in (str(raw["title"]), *steps, *warnings)):
        raise PlaybookError(f"{where}: texts are markdown; raw HTML is not allowed")
    cited = _texts(raw, "sources", required=True)
    unknown_sources = [key for key in cited if key not in sources]
    if unknown_sources:
        raise PlaybookError(f"{where}: unknown sources {unknown_sources} (see sources.yml)")
    return PlaybookEntry(
        id=str(raw["id"]),
        title=str(raw["title"]),
        when=_conditions(raw, fact_values),
        steps=steps,
        warnings=warnings,
        sources=tuple(sources[key] for key in cited),
        offer_ticket=bool(raw["offer_ticket"]),
        if_this_fails=raw.get("if_this_fails"),
    )


def _can_both_apply(first: PlaybookEntry, second: PlaybookEntry) -> bool:
    """True when some facts satisfy both entries' conditions."""
    shared = first.when.keys() & second.when.keys()
    return all(first.when[name] & second.when[name] for name in shared)


def _check_unambiguous(entries: Sequence[PlaybookEntry], askable: frozenset[str]) -> None:
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


def load_playbook(directory: Path = PLAYBOOK_DIR) -> Playbook:
    """Reads the playbook from `directory`; raises PlaybookError naming any bad entry."""
    fact_values, askable = _load_facts(directory / "facts.yml")
    sources = _load_sources(directory / "sources.yml")
    entries: dict[str, PlaybookEntry] = {}
    for path in sorted((directory / "paths").glob("*.yml")):
        for raw in _read_yaml(path) or []:
            entry = _entry(raw, fact_values, sources)
            if entry.id in entries:
                raise PlaybookError(f"playbook entry {entry.id!r} is defined more than once")
            entries[entry.id] = entry
    _check_unambiguous(list(entries.values()), frozenset(askable))
    _check_finer_paths(entries)
    _check_fallbacks(entries)
    return Playbook(entries=tuple(entries.values()), fact_values=fact_values, askable=askable)


@lru_cache(maxsize=1)
def default_playbook() -> Playbook:
    """The project's playbook, loaded once per process."""
    return load_playbook()
