"""The note a handoff puts on the ticket: the case, the path tried and how it went, the channel,
and the conversation as the person saw it (button clicks as their titles), secrets removed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from bot.redaction import redact
from bot.rendering.transcript import transcript
from bot.tickets.payload import ACCOUNT_TYPES, LOCKOUT_STATES

LINE_MAX_CHARS = 500
MAX_LINES = 60


@lru_cache(maxsize=1024)
def _redacted_bot_line(text: str) -> str:
    """A bot line, redacted too (it may repeat what the person typed), and remembered: most are
    the same steps and questions in every conversation, and redacting a long step text took
    about 3 ms of each ticket opened."""
    return redact(text).text


def _yes_no(value: Any) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def outcome(events: Iterable[Mapping[str, Any]], slots: Mapping[str, Any]) -> str:
    """How self-service went, from the slots and the actions the conversation ran."""
    actions = {e.get("name") for e in events if e.get("event") == "action"}
    sole_admin = slots.get("account_type") == "work_school" and slots.get("is_admin")
    if sole_admin and slots.get("lockout_state") == "locked_out":
        return "self-service cannot work: the only admin of the organisation is locked out"
    if "action_steps_did_not_work" in actions:
        return "the person said the steps did not work"
    if "utter_glad_it_worked" in actions:
        return "the steps worked, then the person asked for a person"
    if slots.get("recovery_path"):  # steps were served (by an action or the form's validation)
        return "steps shown; the person asked for a person before saying whether they worked"
    return "no steps shown yet: the person asked for a person"


def context_note(
    events: list[Mapping[str, Any]], slots: Mapping[str, Any], channel: str, live: bool, hours: str
) -> str:
    """The ticket note, plain text every helpdesk shows as written."""
    path = slots.get("recovery_path") or "none"
    wants = (
        "a live chat with an agent, here in the chat"
        if live
        else f"an answer by email (live chat hours: {hours})"
    )
    lines = [
        f"Handoff from the MFA recovery bot, {channel} channel. The person wants {wants}.",
        f"Account: {ACCOUNT_TYPES.get(slots.get('account_type') or '', 'unknown')}",
        f"Lockout: {LOCKOUT_STATES.get(slots.get('lockout_state') or '', 'unknown')}",
        f"Only admin of the organisation: {_yes_no(slots.get('is_admin'))}",
        f"Situation: {slots.get('situation') or 'none recognised'}",
        f"Path tried: {path}; outcome: {outcome(events, slots)}",
        "",
        "Conversation (secrets removed):",
    ]
    said = transcript(events)[-MAX_LINES:]
    for line in said:
        text = " ".join(str(line["text"]).split())[:LINE_MAX_CHARS]
        if line["sender"] == "user":
            lines.append(f"Person: {redact(text).text}")
        else:
            lines.append(f"Bot: {_redacted_bot_line(text)}")
    if not said:
        lines.append("(nothing yet)")
    return "\n".join(lines)
