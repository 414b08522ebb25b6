"""Loads and validates the playbook data (facts.yml, sources.yml, paths/*.yml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.playbook.model import Playbook, PlaybookEntry, PlaybookError, Source

PLAYBOOK_DIR = Path(__file__).parent
_ID = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
_REQUIRED = ("id", "title", "when", "steps", "sources", "offer_ticket")
_OPTIONAL = ("warnings", "if_this_fails")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PlaybookError(f"{path.name}: not valid YAML: {error}") from error


def _load_sources(path: Path) -> dict[str, Source]:
    sources = {}
    for key, raw in (_read_yaml(path) or {}).items():
        url = str(raw.get("url", ""))
        if not url.startswith(("https://", "http://")) or not raw.get("title"):
            raise PlaybookError(f"source {key!r} needs a title and an http(s) url")
        sources[key] = Source(key=key, title=str(raw["title"]), url=url)
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
    if not raw["steps"] or not all(isinstance(s, str) and s.strip() for s in raw["steps"]):
        raise PlaybookError(f"{where}: needs at least one non-empty step")
    if not raw["sources"]:
        raise PlaybookError(f"{where}: needs at least one source")
    unknown_sources = [key for key in raw["sources"] if key not in sources]
    if unknown_sources:
        raise PlaybookError(f"{where}: unknown sources {unknown_sources} (see sources.yml)")
    return PlaybookEntry(
        id=str(raw["id"]),
        title=str(raw["title"]),
        when=_conditions(raw, fact_values),
        steps=tuple(raw["steps"]),
        warnings=tuple(raw.get("warnings") or ()),
        sources=tuple(sources[key] for key in raw["sources"]),
        offer_ticket=bool(raw["offer_ticket"]),
        if_this_fails=raw.get("if_this_fails"),
    )


def load_playbook(directory: Path = PLAYBOOK_DIR) -> Playbook:
    """Reads the playbook from `directory`; raises PlaybookError naming any bad entry."""
    facts = _read_yaml(directory / "facts.yml")
    fact_values = {name: frozenset(spec.get("values") or []) for name, spec in facts.items()}
    askable = tuple(name for name, spec in facts.items() if spec.get("askable"))
    sources = _load_sources(directory / "sources.yml")
    entries: list[PlaybookEntry] = []
    for path in sorted((directory / "paths").glob("*.yml")):
        for raw in _read_yaml(path) or []:
            entries.append(_entry(raw, fact_values, sources))
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PlaybookError(f"playbook entries {duplicates} are defined more than once")
    for entry in entries:
        if entry.if_this_fails and entry.if_this_fails not in ids:
            raise PlaybookError(
                f"playbook entry {entry.id!r}: if_this_fails names unknown entry {entry.if_this_fails!r}"
            )
    return Playbook(entries=tuple(entries), fact_values=fact_values, askable=askable)


@lru_cache(maxsize=1)
def default_playbook() -> Playbook:
    """The project's playbook, loaded once per process."""
    return load_playbook()
