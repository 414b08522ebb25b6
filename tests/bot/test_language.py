"""A message the bot did not understand, in another language: detected, and answered in it."""

from __future__ import annotations

import pytest
import yaml

from bot.language import LANGUAGES, detect_language, replies, reply_in
from bot.settings import PROJECT_ROOT

# Written for this test (not taken from any data set): what a locked-out person might type.
WRITTEN = {
    "fr": "Bonjour, j'ai changé de téléphone et je ne reçois plus les codes pour mon compte",
    "es": "Hola, perdí el móvil y ya no puedo entrar en mi correo de Hotmail",
    "de": "Hallo, mein altes Handy ist kaputt und ich komme nicht mehr in mein Konto",
    "pt": "Olá, troquei de telemóvel e já não recebo o código para entrar na conta",
    "it": "Salve, ho cambiato telefono e non ricevo più il codice per accedere",
    "nl": "Hallo, ik heb een nieuwe telefoon en krijg de code niet meer binnen",
}


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_each_language_is_detected_and_answered_in_it_with_a_person_offered(language: str) -> None:
    assert detect_language(WRITTEN[language]) == language
    reply = reply_in(detect_language(WRITTEN[language]))
    assert reply is not None and reply.language == language
    assert reply.text and reply.person


def test_every_language_has_a_reply_and_every_reply_a_language() -> None:
    assert set(replies()) == set(LANGUAGES)


def test_english_messages_never_get_another_languages_reply() -> None:
    """The held-out evaluation messages (all English, many short and terse) and a few more."""
    held_out = yaml.safe_load((PROJECT_ROOT / "tests" / "evaluation" / "messages.yml").read_text())
    messages = [entry["text"] for entry in held_out["messages"]]
    assert len(messages) > 100
    messages += ["my authenticator app is gone", "Authenticator app reset", "ok thanks", "yes", "blorp fizz"]
    misread = {text: detect_language(text) for text in messages if detect_language(text) not in (None, "en")}
    assert misread == {}
    assert reply_in("en") is None and reply_in(None) is None


def test_a_word_or_two_is_too_short_to_tell() -> None:
    assert detect_language("merci") is None
    assert detect_language("Xbox") is None
