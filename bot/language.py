"""Which language a message the bot did not understand is written in, and what to answer then.

The bot reads English only. When it does not understand a message, `other_language_reply(text)`
tells whether the message is confidently in one of a few other languages and, if so, gives
the reply in that language (bot/language.yml): the bot answers in English for now, and a
person from the support team can take over. Detection is lingua's, restricted to English and
the languages that have a reply, which keeps its memory small (about 190 MB instead of 1 GB
for all 75; the low-accuracy mode needs 30 MB but read short English messages such as "my
authenticator app is gone" as Italian). Loading the models takes seconds: `warm_up()` does it
in the background when the action server starts, so the first answer does not wait.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

REPLIES_FILE = Path(__file__).with_name("language.yml")
LANGUAGES = {
    "fr": Language.FRENCH,
    "es": Language.SPANISH,
    "de": Language.GERMAN,
    "pt": Language.PORTUGUESE,
    "it": Language.ITALIAN,
    "nl": Language.DUTCH,
}
MIN_LETTERS = 10  # "ok", "merci", a name: too short to tell a language from, and too short to matter
MIN_CONFIDENCE = 0.6  # lingua's confidence for the language, against English and the others
MIN_DISTANCE = 0.25  # how far ahead of the runner-up the language must be (lingua's relative distance)


@dataclass(frozen=True)
class LanguageReply:
    language: str  # ISO 639-1
    text: str
    person: str  # the title of the button that asks for a person from the support team


_loading = threading.Lock()


@lru_cache(maxsize=1)
def _build_detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, *LANGUAGES.values())
        .with_minimum_relative_distance(MIN_DISTANCE)
        .build()
    )


def _detector() -> LanguageDetector:
    with _loading:  # one copy of the models, even when the warm-up is still loading them
        return _build_detector()


def warm_up() -> None:
    """Loads the language models in a background thread."""
    threading.Thread(target=lambda: _detector().detect_language_of("warm up"), daemon=True).start()


@lru_cache(maxsize=1)
def replies() -> dict[str, LanguageReply]:
    data = yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
    return {code: LanguageReply(code, entry["text"], entry["person"]) for code, entry in data.items()}


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of `text`'s language when lingua is confident; English is "en"."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    found = _detector().detect_language_of(text)
    if found is None or _detector().compute_language_confidence(text, found) < MIN_CONFIDENCE:
        return None
    return "en" if found == Language.ENGLISH else next(c for c, lang in LANGUAGES.items() if lang == found)


def other_language_reply(text: str) -> LanguageReply | None:
    """The reply for a message in a supported language other than English, else None."""
    language = detect_language(text)
    return replies().get(language) if language else None
