"""lockout_state (bot/understanding/lockout_state.py), decided like a support agent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.understanding import Signals

Read = Callable[[str], Signals]  # the `read` fixture of conftest.py


@pytest.mark.parametrize(
    "text",
    [
        "I'm locked out",
        "can't log in, the code goes to my old phone",
        "cant sign in, the codes go to the phone i lost",
        "no way to get in at all",
        "the code goes to my old number and that's all I set up",
        "I don't have any other method",
        "there's no backup email on it and the phone is gone",
        "the sms code never shows up so I can't log in",
    ],
)
def test_cannot_sign_in_now_is_locked_out(read: Read, text: str) -> None:
    assert read(text).lockout_state == "locked_out"


@pytest.mark.parametrize(
    "text",
    [
        "I still have the app on my tablet",
        "I'm still signed in on my laptop",
        "the phone is gone, but my backup email works",
        "I have my recovery code, the phone is lost",
        "I can sign in with my security key",
        "IT gave me a temporary access pass and I got in",
        "I saved a recovery code when I set it up",  # a saved code is a way in
        # the working method after what no longer works, in the middle of a story
        "texts stopped after I changed provider, but the code to my backup email still arrives",
        "long story short: new phone, app empty, but I'm still logged in on my old laptop",
    ],
)
def test_a_working_method_is_another_way(read: Read, text: str) -> None:
    assert read(text).lockout_state == "has_other_method"


@pytest.mark.parametrize(
    "text",
    [
        "how do I move the authenticator to a new phone?",  # asked in advance
        "I'm getting a new number next month, what do I change?",
        "the code I type says it's wrong",
        "hello",
        "does a recovery code help? my hotmail phone is lost",  # asks, does not say they have one
    ],
)
def test_a_question_or_a_story_without_the_lockout_says_nothing(read: Read, text: str) -> None:
    assert read(text).lockout_state is None
