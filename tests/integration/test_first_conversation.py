"""The foundation conversation, over the REST channel of a real running bot."""

from __future__ import annotations

import uuid

import pytest
import requests

from tools.stack import Stack

pytestmark = pytest.mark.servers


def test_new_phone_outlook_then_yes_serves_the_personal_steps(bot_stack: Stack) -> None:
    sender = uuid.uuid4().hex
    first = bot_stack.say(sender, "I got a new phone and my hotmail asks for the authenticator code")
    assert "another way" in first[-1]["text"]
    assert [b["title"] for b in first[-1]["buttons"]] == [
        "Yes, I have another way",
        "No, I'm completely locked out",
    ]
    assert bot_stack.tracker(sender)["slots"]["account_type"] == "personal"

    steps = bot_stack.say(sender, "yes")
    text = "\n".join(m.get("text", "") for m in steps)
    assert "**iPhone:**" in text and "Begin recovery" in text  # the new-phone steps, per platform
    assert "Did that get you back in?" in text
    state = bot_stack.tracker(sender)["slots"]
    assert state["lockout_state"] == "has_other_method"
    assert state["recovery_path"] == "personal.has_other_method.new_phone"  # "changed my phone"
    assert state["is_admin"] is None


def test_the_api_refuses_a_wrong_token(bot_stack: Stack) -> None:
    reply = requests.get(
        f"{bot_stack.url()}/conversations/anyone/tracker", params={"token": "wrong"}, timeout=30
    )
    assert reply.status_code == 401
