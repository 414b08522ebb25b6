"""What the widget shows again after a reload, read from the conversation's events."""

from __future__ import annotations

from bot.rendering.transcript import came_through, transcript

QUESTION = {
    "event": "bot",
    "text": "Can you still sign in another way?",
    "data": {"buttons": [{"title": "Yes, I have another way", "payload": '/inform{"lockout_state":"x"}'}]},
}


def user(text: str, channel: str = "socketio") -> dict[str, str]:
    return {"event": "user", "text": text, "input_channel": channel}


def test_a_clicked_button_shows_as_its_title_and_bot_texts_split_into_bubbles() -> None:
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {**user("I lost my phone"), "timestamp": 1764750000.5},
        QUESTION,
        user('/inform{"lockout_state":"x"}'),
        {"event": "bot", "text": "**Steps**\n1. one\n2. two\n\nOfficial help: [a](https://a.example)"},
    ]
    assert transcript(events) == [
        {"sender": "user", "text": "I lost my phone", "buttons": [], "time": 1764750000.5},
        {
            "sender": "bot",
            "text": "Can you still sign in another way?",
            "buttons": QUESTION["data"]["buttons"],
            "time": None,
        },
        {"sender": "user", "text": "Yes, I have another way", "buttons": [], "time": None},
        {"sender": "bot", "text": "**Steps**\n1. one\n2. two", "buttons": [], "time": None},
        {"sender": "bot", "text": "Official help: [a](https://a.example)", "buttons": [], "time": None},
    ]


def test_only_the_latest_session_is_shown() -> None:
    events = [user("old message"), {"event": "session_started"}, user("new message")]
    assert [line["text"] for line in transcript(events)] == ["new message"]


def test_a_restart_begins_a_new_transcript() -> None:
    events = [user("old message"), {"event": "restart"}, user("new message")]
    assert [line["text"] for line in transcript(events)] == ["new message"]


def test_a_typed_text_equal_to_an_old_payload_stays_as_typed() -> None:
    events = [QUESTION, user("hello"), user('/inform{"lockout_state":"x"}')]
    assert transcript(events)[-1]["text"] == '/inform{"lockout_state":"x"}'


def test_conversations_are_told_apart_by_channel() -> None:
    assert came_through([user("hi")], "socketio")
    assert not came_through([user("hi", channel="slack")], "socketio")
