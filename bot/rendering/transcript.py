"""A conversation's events as the chat widget shows them, for a page that reloads.

Events are Rasa's event dictionaries (`Event.as_dict()`), read as plain data. Only the
latest session counts (a restart, "start over" in words, begins one too), bot texts are
split into bubbles on blank lines exactly as the socket.io channel sends them, and a
button's payload typed by a click shows as the button's title, as it did when the person
clicked it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.rendering.inline import paragraphs


def _buttons(event: Mapping[str, Any]) -> list[dict[str, str]]:
    data = event.get("data") or {}
    raw = data.get("buttons") or data.get("quick_replies") or []
    return [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in raw]


def _latest_session(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    latest: list[Mapping[str, Any]] = []
    for event in events:
        if event.get("event") in ("session_started", "restart"):
            latest = []
        latest.append(event)
    return latest


def transcript(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The messages of the latest session: `{"sender": "user"|"bot", "text", "buttons", "time"}`.

    `time` is the event's Unix timestamp (seconds), None when the event has none.
    """
    lines: list[dict[str, Any]] = []
    offered: dict[str, str] = {}  # payload -> title of the buttons last shown
    for event in _latest_session(events):
        kind = event.get("event")
        time = event.get("timestamp")
        if kind == "user" and event.get("text"):
            text = str(event["text"])
            lines.append({"sender": "user", "text": offered.get(text, text), "buttons": [], "time": time})
            offered = {}
        elif kind == "bot" and (event.get("text") or _buttons(event)):
            buttons = _buttons(event)
            bubbles = paragraphs(str(event.get("text") or "")) or [""]
            lines.extend({"sender": "bot", "text": bubble, "buttons": [], "time": time} for bubble in bubbles)
            lines[-1]["buttons"] = buttons
            offered = {b["payload"]: b["title"] for b in buttons} if buttons else offered
    return lines


def came_through(events: Iterable[Mapping[str, Any]], channel: str) -> bool:
    """True when the person wrote through `channel` (Rasa's `input_channel`)."""
    return any(e.get("event") == "user" and e.get("input_channel") == channel for e in events)
