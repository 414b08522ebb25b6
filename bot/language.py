"""Which language a message is written in when it is not English, and what to answer then.

The bot reads English only. `detect_language(text)` tells whether a message is confidently in
one of a few other languages (the NLU component rasa_addons/nlu/other_language.py then marks it
not understood), and `replies()` holds the reply in each (bot/language.yml): the bot answers
in English for now, and a person from the support team can take over.

Detection is lingua's, restricted to English and the languages that have a reply, which keeps
its memory small (about 190 MB instead of 1 GB for all 75; the low-accuracy mode needs 30 MB
but read short English messages such as "my authenticator app is gone" as Italian). Loading
the models takes seconds: `warm_up()` does it when the Rasa server loads its model, so that
no person's message waits for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

REPLIES_FILE = Path(__file__).with_name("language.yml")
LANGUAGE_KEY = "language"  # where the NLU puts a message's language in its parse data
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
    """The answer to a message in another language: said in that language, with a person offered."""

    language: str  # ISO 639-1
    text: str
    person: str  # the title of the button that asks for a person from the support team


_loading = threading.Lock()  # Rasa may parse messages in threads: one copy of the models


@lru_cache(maxsize=1)
def _build_detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, *LANGUAGES.values())
        .with_preloaded_language_models()
        .build()
    )


def _detector() -> LanguageDetector:
    with _loading:
        return _build_detector()


def warm_up() -> None:
    """Loads the language models now (a few seconds) rather than on the first message."""
    _detector()


@lru_cache(maxsize=1)
def replies() -> dict[str, LanguageReply]:
    """The reply for each language the bot recognises, by ISO 639-1 code."""
    data = yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
    return {code: LanguageReply(code, entry["text"], entry["person"]) for code, entry in data.items()}


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of `text`'s language when lingua is confident; English is "en"."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    # One pass over the text: what detect_language_of decides (the leader, unless the runner-up
    # is within MIN_DISTANCE) read from the confidences it computes, which the second call of
    # compute_language_confidence would compute again.
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return None
    leader = values[0]
    if len(values) > 1 and leader.value - values[1].value < MIN_DISTANCE:
        return None
    if leader.value < MIN_CONFIDENCE:
        return None
    found = leader.language
    return "en" if found == Language.ENGLISH else next(c for c, lang in LANGUAGES.items() if lang == found)


def reply_in(language: object) -> LanguageReply | None:
    """The reply for a message in `language` (an ISO 639-1 code), None for English or unknown."""
    return replies().get(language) if isinstance(language, str) else None
