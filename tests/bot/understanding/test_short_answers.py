"""Short typed replies to the bot's open question (bot/understanding/answers.py)."""

from __future__ import annotations

import pytest

from bot.understanding.answers import read_short_answer


@pytest.mark.parametrize(
    ("slot", "reply", "expected"),
    [
        ("account_type", "work", "work_school"),
        ("account_type", "the school one", "work_school"),
        ("account_type", "personal", "personal"),
        ("account_type", "my own", "personal"),
        ("account_type", "not work, personal", "personal"),
        ("account_type", "no that didn't work", None),  # the steps failing is no account type
        ("account_type", "hmm not sure", None),
        ("lockout_state", "I have another phone", "has_other_method"),
        ("lockout_state", "no other way", None),  # a negation never means "other"
        ("lockout_state", "nothing at all", "locked_out"),
        ("is_admin", "only me", True),
        ("is_admin", "not the only admin", None),
        ("is_admin", "our IT department", False),
        ("account_type", "this is a much longer message that tells a whole story about work", None),
    ],
)
def test_short_answers_to_an_open_question(slot: str, reply: str, expected: object) -> None:
    assert read_short_answer(slot, reply) == expected
