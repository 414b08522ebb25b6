"""Loads and validates the playbook data (facts.yml, sources.yml, paths/*.yml)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.playbook.consistency import check_consistent
from bot.playbook.model import Playbook, PlaybookEntry, PlaybookError, Source
from bot.rendering.inline import foreign_markdown

logger = logging.getLogger(__name__)

PLAYBOOK_DIR = Path(__file__).parent
MAX_CHECK_AGE = timedelta(days=365)
"""An entry not read against its sources for longer than this is stale (tests fail on it)."""

OFFICIAL_HOSTS = frozenset(
    {
        "support.microsoft.com",
        "learn.microsoft.com",
        "account.microsoft.com",
        "account.live.com",
        "mysignins.microsoft.com",
        "myaccount.microsoft.com",
        "entra.microsoft.com",
        "admin.microsoft.com",
        "support.xbox.com",
        "aka.ms",  # Microsoft's own short links; each one used is checked to open one of the above
    }
)
"""Microsoft's own sites: the only places a step may come from."""

_QA_PATH = re.compile(r"^/(?:[a-z]{2}-[a-z]{2}/)?answers/")
_ID = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
_URL = re.compile(r"^https://[^\s()<>\[\]]+$")
_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_REQUIRED = ("id", "title", "when", "checked", "steps", "offer_ticket")
_OPTIONAL = ("warnings", "if_this_fails")
_CITED_TEXT = ("text", "source")


def _read_yaml(path: Path) -> Any:
    try:
        # libyaml's safe loader when PyYAML has it (the wheels do): the same, ten times faster
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
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
    """Source key -> Source; only Microsoft's own pages, Q&A answers only when marked `qa`."""
    sources = {}
    for key, raw in (_read_yaml(path) or {}).items():
        url, title = str(raw.get("url", "")), str(raw.get("title", ""))
        if not _URL.match(url) or not title or set(title) & set("[]"):
            raise PlaybookError(
                f"source {key!r} needs a title without brackets and an https url without spaces"
            )
        parts = urlsplit(url)
        if parts.hostname not in OFFICIAL_HOSTS or "acsr" in parts.path:
            raise PlaybookError(
                f"source {key!r}: {parts.hostname} is not one of Microsoft's own sites "
                f"({', '.join(sorted(OFFICIAL_HOSTS))})"
            )
        is_qa = parts.hostname == "learn.microsoft.com" and bool(_QA_PATH.match(parts.path))
        if is_qa != bool(raw.get("qa", False)):
            raise PlaybookError(
                f"source {key!r}: a Microsoft Q&A answer is marked `qa: true`, and only a Q&A answer is"
            )
        if is_qa and not title.startswith("Microsoft Q&A"):
            raise PlaybookError(f"source {key!r}: a Q&A answer's title starts with 'Microsoft Q&A'")
        sources[key] = Source(key=key, title=title, url=url, qa=is_qa)
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


def _cited_texts(
    raw: Mapping[str, Any], field: str, sources: Mapping[str, Source], *, required: bool
) -> tuple[tuple[str, ...], tuple[tuple[Source, ...], ...]]:
    """The texts of `field` (steps or warnings) and, for each, the sources it cites.

    Each item is `{text: ..., source: key or [keys]}`: every sentence the bot says can be
    traced to the page it comes from.
    """
    where = Playbook.describe(raw)
    items = raw.get(field) or []
    if required and not items:
        raise PlaybookError(f"{where}: needs at least one item in {field!r}")
    if not isinstance(items, list):
        raise PlaybookError(f"{where}: {field!r} must be a list of {{text, source}} items")
    texts, cited = [], []
    for number, item in enumerate(items, 1):
        name = f"{field[:-1]} {number}"
        if not isinstance(item, dict) or set(item) != set(_CITED_TEXT):
            hint = ""
            if isinstance(item, dict) and "text" not in item:
                hint = " (an unquoted text containing ': ' reads as a mapping; put the text in quotes)"
            raise PlaybookError(f"{where}: {name} needs exactly 'text' and 'source'{hint}")
        text, keys = item["text"], item["source"]
        keys = keys if isinstance(keys, list) else [keys]
        if not isinstance(text, str) or not text.strip():
            raise PlaybookError(f"{where}: {name} needs a non-empty text")
        if not keys or not all(isinstance(k, str) for k in keys):
            raise PlaybookError(f"{where}: {name} has no source")
        unknown = [key for key in keys if key not in sources]
        if unknown:
            raise PlaybookError(f"{where}: {name} cites unknown sources {unknown} (see sources.yml)")
        pages = tuple(sources[key] for key in keys)
        if all(page.qa for page in pages) and "Q&A" not in text:
            raise PlaybookError(
                f"{where}: {name} rests on Microsoft Q&A answers only, so its text must say 'Q&A'"
            )
        texts.append(text)
        cited.append(pages)
    return tuple(texts), tuple(cited)


def _checked(raw: Mapping[str, Any], today: date | None) -> date:
    """The day the entry was last read against its sources; stale when older than a year."""
    where = Playbook.describe(raw)
    checked = raw["checked"]
    if not isinstance(checked, date):
        raise PlaybookError(f"{where}: 'checked' must be a date like 2026-12-03")
    if today is not None:
        if checked > today:
            raise PlaybookError(f"{where}: checked on {checked}, which is after today ({today})")
        if today - checked > MAX_CHECK_AGE:
            raise PlaybookError(
                f"{where}: last checked against its sources on {checked}, more than 12 months "
                "ago; read each source again, fix what changed, and update 'checked'"
            )
    return checked


def _entry(
    raw: Any,
    fact_values: Mapping[str, frozenset[Any]],
    sources: Mapping[str, Source],
    today: date | None,
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
    steps, step_sources = _cited_texts(raw, "steps", sources, required=True)
    warnings, warning_sources = _cited_texts(raw, "warnings", sources, required=False)
    if any(_RAW_HTML.search(text) for text in (str(raw["title"]), *steps, *warnings)):
        raise PlaybookError(f"{where}: texts are markdown; raw HTML is not allowed")
    foreign = [mark for text in (str(raw["title"]), *steps, *warnings) for mark in foreign_markdown(text)]
    if foreign:  # the widget would render it, Slack and Teams would show the marks
        raise PlaybookError(
            f"{where}: markdown is only **bold**, links and bare URLs, not {foreign[0]!r}"
        )
    used = {page.key: page for pages in (*step_sources, *warning_sources) for page in pages}
    return PlaybookEntry(
        id=str(raw["id"]),
        title=str(raw["title"]),
        when=_conditions(raw, fact_values),
        steps=steps,
        warnings=warnings,
        sources=tuple(used.values()),
        offer_ticket=bool(raw["offer_ticket"]),
        checked=_checked(raw, today),
        step_sources=step_sources,
        warning_sources=warning_sources,
        if_this_fails=raw.get("if_this_fails"),
    )


def load_playbook(directory: Path = PLAYBOOK_DIR, *, today: date | None = None) -> Playbook:
    """Reads the playbook from `directory`; raises PlaybookError naming any bad entry.

    `today` (default: the real date) is what check dates are measured against: an entry
    checked more than 12 months before it, or after it, is refused.
    """
    return _load(directory, today or date.today())


def _load(directory: Path, today: date | None) -> Playbook:
    fact_values, askable = _load_facts(directory / "facts.yml")
    sources = _load_sources(directory / "sources.yml")
    entries: dict[str, PlaybookEntry] = {}
    for path in sorted((directory / "paths").glob("*.yml")):
        for raw in _read_yaml(path) or []:
            entry = _entry(raw, fact_values, sources, today)
            if entry.id in entries:
                raise PlaybookError(f"playbook entry {entry.id!r} is defined more than once")
            entries[entry.id] = entry
    check_consistent(entries, frozenset(askable))
    return Playbook(entries=tuple(entries.values()), fact_values=fact_values, askable=askable)


def stale_entries(playbook: Playbook, today: date | None = None) -> list[str]:
    """Ids of the entries last checked more than 12 months before `today`."""
    today = today or date.today()
    return [entry.id for entry in playbook.entries if today - entry.checked > MAX_CHECK_AGE]


@lru_cache(maxsize=1)
def default_playbook() -> Playbook:
    """The project's playbook, loaded once per process.

    A stale check date is logged, not fatal, here: a running bot keeps answering while the
    test suite (which loads with load_playbook) fails until someone re-checks the entries.
    """
    playbook = _load(PLAYBOOK_DIR, today=None)
    stale = stale_entries(playbook)
    if stale:
        logger.warning("Playbook entries not checked against their sources for a year: %s", stale)
    return playbook
