"""Pins the vocabulary of the project's spaCy pipeline (bot/nlp/patterns.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from bot.nlp.builder import build_pipeline


def labels(nlp: Language, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can't get my Outlook verification code", [("Outlook", "PERSONAL_SERVICE")]),
        ("my HOTMAIL account", [("HOTMAIL", "PERSONAL_SERVICE")]),
        ("xbox live wants a code", [("xbox live", "PERSONAL_SERVICE")]),
        ("it's my Skype", [("Skype", "PERSONAL_SERVICE")]),
        ("signed up at live.com years ago", [("live.com", "PERSONAL_SERVICE")]),
        ("we use Microsoft 365", [("Microsoft 365", "WORK_SERVICE")]),
        ("Office 365 keeps asking", [("Office 365", "WORK_SERVICE")]),
        ("the Entra ID portal", [("Entra ID", "WORK_SERVICE")]),
        ("our tenant", [("tenant", "WORK_SERVICE")]),
        ("azure ad mfa", [("azure ad", "WORK_SERVICE")]),
        ("can't get into Teams", [("Teams", "WORK_SERVICE")]),
        ("it's my work account", [("work", "WORK_ACCOUNT")]),
        ("my school email", [("my school", "WORK_ACCOUNT")]),
        ("the company account", [("company account", "WORK_ACCOUNT")]),
        ("our organisation uses it", [("our organisation", "WORK_ACCOUNT")]),
        ("my personal account", [("personal", "PERSONAL_ACCOUNT")]),
        ("it's not for work", [("not for work", "PERSONAL_ACCOUNT")]),
        ("codes by SMS", [("SMS", "METHOD_SMS")]),
        ("a phone call never comes", [("phone call", "METHOD_CALL")]),
        ("the Microsoft Authenticator app", [("Microsoft Authenticator", "METHOD_APP")]),
        ("my authenticater is gone", [("authenticater", "METHOD_APP")]),
        ("I saved the recovery code", [("recovery code", "METHOD_RECOVERY_CODE")]),
        ("my YubiKey", [("YubiKey", "METHOD_SECURITY_KEY")]),
        ("my backup email works", [("backup email", "METHOD_EMAIL")]),
        ("write to jane.doe@contoso.com please", [("jane.doe@contoso.com", "EMAIL")]),
    ],
)
def test_labels_what_people_write(nlp: Language, text: str, expected: list[tuple[str, str]]) -> None:
    """Each expected (words, label): one entity covering those words, with that label."""
    found = labels(nlp, text)
    assert len(found) == len(expected), found
    for (words, label), (span, found_label) in zip(expected, found, strict=True):
        assert words in span and found_label == label, found


@pytest.mark.parametrize(
    "text",
    [
        "the code doesn't work",  # "work" the verb is not a work account
        "I live in Spain now",  # "live" the verb is not Windows Live
        "it works again, thanks",
        "my phone died",
    ],
)
def test_ordinary_words_are_not_mistaken_for_accounts(nlp: Language, text: str) -> None:
    assert labels(nlp, text) == []


def test_built_pipeline_loads_from_disk_with_the_same_vocabulary(nlp: Language, tmp_path: Path) -> None:
    import spacy

    loaded = spacy.load(build_pipeline(tmp_path / "en_recovery"))
    text = "my work account and my Xbox, mail me at bob@hotmail.com"
    assert labels(loaded, text) == labels(nlp, text)
    assert loaded.pipe_names == ["entity_ruler"]
