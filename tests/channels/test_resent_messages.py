"""A message sent again with its id (after a cut-off) gets its first answer and is handled once."""

from __future__ import annotations

import secrets
import threading
import uuid
from typing import Any

import pytest
import requests
import socketio
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from rasa_addons.channels.resent import replies_after
from rasa_addons.guards.messages import MessageGuard
from tools.stack import Stack

FIRST = "I lost my phone and can't sign in"


def rest(stack: Stack, sender: str, message: str, metadata: dict[str, Any] | None) -> requests.Response:
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata is not None:
        body["metadata"] = metadata
    return requests.post(f"{stack.url()}/webhooks/rest/webhook", json=body, timeout=60)


def user_turns(stack: Stack, sender: str) -> list[dict[str, Any]]:
    return [event for event in stack.tracker(sender)["events"] if event["event"] == "user"]


@pytest.mark.servers
def test_a_rest_message_sent_twice_with_one_id_is_answered_the_same_and_stored_once(bot_stack: Stack) -> None:
    sender, message_id = f"resend-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    first = rest(bot_stack, sender, FIRST, {"message_id": message_id})
    again = rest(bot_stack, sender, FIRST, {"message_id": message_id})
    assert first.status_code == again.status_code == 200
    assert first.json() and [m.get("text") for m in again.json()] == [m.get("text") for m in first.json()]
    turns = user_turns(bot_stack, sender)
    assert [turn["text"] for turn in turns] == [FIRST]
    assert turns[0]["metadata"]["message_id"] == message_id  # kept as sent, not masked


@pytest.mark.servers
def test_another_id_or_no_id_is_a_new_message(bot_stack: Stack) -> None:
    for second in ({"message_id": uuid.uuid4().hex}, None):
        sender = f"resend-{uuid.uuid4().hex[:8]}"
        rest(bot_stack, sender, FIRST, {"message_id": uuid.uuid4().hex}).raise_for_status()
        rest(bot_stack, sender, FIRST, second).raise_for_status()
        assert [turn["text"] for turn in user_turns(bot_stack, sender)] == [FIRST, FIRST]


@pytest.mark.servers
@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space in it", 12345678, None, ["a-uuid-in-a-list"]])
def test_a_message_id_that_is_not_an_id_is_refused_and_nothing_is_stored(bot_stack: Stack, bad: Any) -> None:
    sender = f"resend-{uuid.uuid4().hex[:8]}"
    reply = rest(bot_stack, sender, FIRST, {"message_id": bad})
    assert reply.status_code == 400
    assert "message_id" in reply.json()["error"]
    assert user_turns(bot_stack, sender) == []


@pytest.mark.servers
def test_a_widget_message_sent_again_after_a_drop_gets_the_answers_it_missed(bot_stack: Stack) -> None:
    session, message_id = secrets.token_hex(16), secrets.token_hex(16)
    received: list[str] = []
    lock = threading.Lock()
    client = socketio.Client()

    def uttered(data: dict[str, Any]) -> None:
        with lock:
            received.append(str(data.get("text", "")))

    client.on("bot_uttered", uttered)
    client.connect(bot_stack.url(), transports=["polling"], socketio_path="socket.io")
    try:
        client.call("session_request", {"session_id": session}, timeout=30)  # acknowledged once joined
        body = {"message": FIRST, "session_id": session, "metadata": {"message_id": message_id}}
        client.call("user_uttered", body, timeout=60)  # acknowledged once handled
        with lock:
            first = list(received)
            received.clear()
        client.call("user_uttered", body, timeout=60)
        with lock:
            again = list(received)
    finally:
        client.disconnect()
    assert first and again == first
    assert [turn["text"] for turn in user_turns(bot_stack, session)] == [FIRST]


def test_the_replies_are_those_between_the_message_and_the_next_one() -> None:
    def said(message_id: str | None, text: str) -> UserUttered:
        return UserUttered(text, metadata={"message_id": message_id} if message_id else {})

    events = [
        said("first-message", "hi"),
        BotUttered("Hello."),
        ActionExecuted("action_listen"),
        said(None, "my phone is gone"),
        said("second-message", "work account"),
        BotUttered("Which one?", {"buttons": [{"title": "A", "payload": "/a"}]}),
        BotUttered("Or tell me."),
        said("third-message", "A"),
        BotUttered("Done."),
    ]
    assert [r["text"] for r in replies_after(events, "first-message") or []] == ["Hello."]
    second = replies_after(events, "second-message")
    assert second is not None and [r["text"] for r in second] == ["Which one?", "Or tell me."]
    assert second[0]["buttons"] == [{"title": "A", "payload": "/a"}]
    assert replies_after(events, "never-sent") is None
    assert replies_after([said("no-answer-yet", "hello")], "no-answer-yet") == []


def test_the_guard_keeps_a_valid_id_unmasked_and_drops_an_invalid_one() -> None:
    guard = MessageGuard.from_env()
    looks_like_a_code = "48909363-a574-4f67-9ebc-1efac44266ce"  # its first part alone would be masked
    for sent, kept in ((looks_like_a_code, looks_like_a_code), ("bad id!", None)):
        metadata = {"message_id": sent, "note": "x"}
        message = UserMessage("hi", CollectingOutputChannel(), "someone", metadata=metadata)
        guard.mask(message)
        assert message.metadata is not None and message.metadata.get("message_id") == kept
        assert message.metadata["note"] == "x"
