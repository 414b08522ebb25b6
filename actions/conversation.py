"""What the ticket actions read from a rasa_sdk tracker: the latest text and intent, the
person's earlier messages, the transcript, the client key, and the case before an address.

Rasa's event format stays here; the actions hand plain values to `bot`.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.tickets import Message

CANCEL_MAX_WORDS = 12  # "cancel", "never mind, I don't want a ticket": longer is an answer
CANCEL_MIN_CONFIDENCE = 0.5
CASE_SLOTS = ("account_type", "lockout_state", "is_admin")
SESSION_RESETS = ("restart", "session_started", "reset_slots")


def latest_text(tracker: Tracker) -> str:
    """The latest message's text, stripped (empty when there is none)."""
    return str(tracker.latest_message.get("text") or "").strip()


def intent(tracker: Tracker) -> str:
    """The latest message's intent as Rasa predicted it (nlu_fallback included)."""
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def is_button(message: str) -> bool:
    """A clicked button sends its payload ("/intent{...}"), not words."""
    return message.startswith("/")


def clicked_button(tracker: Tracker) -> bool:
    """Whether the latest message is a button the person clicked, not typed text."""
    return is_button(latest_text(tracker))


def wants_to_cancel(tracker: Tracker) -> bool:
    """Whether the latest message is a short, confident 'cancel' (not a sentence that mentions it)."""
    latest = tracker.latest_message.get("intent") or {}
    return (
        latest.get("name") == "cancel"
        and float(latest.get("confidence") or 0) >= CANCEL_MIN_CONFIDENCE
        and len(latest_text(tracker).split()) <= CANCEL_MAX_WORDS
    )


def requested(tracker: Tracker, slot: str) -> bool:
    """Whether the form is asking for `slot` right now."""
    return bool(tracker.get_slot("requested_slot") == slot)


def person_texts(tracker: Tracker) -> list[str]:
    """What the person typed in this conversation, newest first (button clicks left out)."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return [t for t in reversed(texts) if t and not is_button(t)]


def client_key(tracker: Tracker) -> str | None:
    """The client key the Rasa server's message guard put on the latest message (rasa_addons/guards)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            client = (event.get("metadata") or {}).get("client")
            return str(client) if client else None
    return None


def session_marker(tracker: Tracker) -> str:
    """When the current session started: tickets of one session share a request key."""
    starts = [e.get("timestamp") for e in tracker.events if e.get("event") == "session_started"]
    return str(starts[-1]) if starts else ""


def transcript(tracker: Tracker) -> list[Message]:
    """The conversation as the person and the bot wrote it (button clicks left out)."""
    lines = []
    for event in tracker.events:
        said = str(event.get("text") or "")
        if event.get("event") == "user" and said and not is_button(said):
            lines.append(Message("person", said))
        elif event.get("event") == "bot" and said:
            lines.append(Message("bot", said))
    return lines


def text_slot(tracker: Tracker, slot: str) -> str | None:
    """A slot as text; anything else (a list a typed payload put there) as unknown."""
    value = tracker.get_slot(slot)
    return value if isinstance(value, str) else None


def case_read_from_address(tracker: Tracker) -> dict[str, Any]:
    """Undoes case slots that the contact address alone changed.

    The NLU reads an account type from an address's domain ("...@outlook.com" is personal),
    which is right for the account the person is locked out of, but not for the address
    they want to be contacted at: the case stays what the conversation had found.
    """
    before: dict[str, Any] = dict.fromkeys(CASE_SLOTS)
    events = list(tracker.events)
    latest = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in events[:latest]:
        if event.get("event") == "slot" and event.get("name") in before:
            before[event["name"]] = event.get("value")
        elif event.get("event") in SESSION_RESETS:
            before = dict.fromkeys(CASE_SLOTS)
    return {slot: value for slot, value in before.items() if tracker.get_slot(slot) != value}
