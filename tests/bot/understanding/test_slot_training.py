"""Which examples of data/ teach the classifiers (bot/understanding/training.py), and the marks they see."""

from __future__ import annotations

import pytest

from bot.understanding.model import NONE, SLOTS
from bot.understanding.training import labels_of
from bot.understanding.vocabulary import marked


def test_block_labels_with_an_example_override() -> None:
    labels = labels_of(
        "report_problem",
        {"slots": {"account_type": "personal", "lockout_state": "locked_out"}},
        {"slots": {"situation": "new_number", "is_admin": False}},
    )
    assert labels == {
        "account_type": "personal",
        "lockout_state": "locked_out",
        "is_admin": "false",
        "situation": "new_number",
    }


def test_a_greeting_teaches_that_it_says_nothing() -> None:
    assert labels_of("greet", None, None) == dict.fromkeys(SLOTS, NONE)


def test_an_unlabelled_recovery_example_teaches_no_slot() -> None:
    assert labels_of("inform", None, None) is None


def test_a_misspelt_slot_label_is_an_error() -> None:
    with pytest.raises(ValueError, match="acount_type"):
        labels_of("report_problem", {"slots": {"acount_type": "personal"}}, None)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("my Skype", "accountkindpersonal"),
        ("our tenant", "accountkindworkschool"),
        ("it's not a work account", "notaccountkindworkschool"),
        ("I'm the only admin", "adminroleonlyadmin"),
        ("our school's only Microsoft 365 admin", "nearonlyadmin"),
        ("IT set it up for me", "adminroleotheradmin"),  # IT in capitals: the IT people
        ("our previous IT manager left", "notadminroleotheradmin"),  # gone: cannot reset it
        ("I'm the only one who manages our 365", "nearonlyadmin"),
        ("nobody else can reset it", "nearonlyadmin"),
        ("my windows live login", "accountkindpersonal"),
        ("the mail is on live.co.uk", "accountkindpersonal"),
        ("Your organization needs more information", "accountkindworkschool"),
    ],
)
def test_vocabulary_marks(text: str, mark: str) -> None:
    assert mark in marked(text).split()


def test_outlook_alone_is_not_marked() -> None:
    assert marked("Outlook keeps asking") == "outlook keeps asking"
