"""Handoff actions: offer a person (live in support hours, else by email), start and end the
handoff, record "did this help?", set follow-up reminders. Thin adapters over bot.handoff."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot.handoff import Handoffs, replies
from bot.handoff.context import context_note
from bot.handoff.models import Reminder
from bot.handoff.reminders import WAITS, Wait
from bot.tickets.payload import ACCOUNT_TYPES, LOCKOUT_STATES

logger = logging.getLogger(__name__)

CASE_SLOTS = ("account_type", "lockout_state", "is_admin", "situation", "recovery_path")
PROACTIVE_CHANNELS = ("slack", "botframework")  # where a reminder can arrive days later


@lru_cache(maxsize=1)
def handoffs() -> Handoffs:
    """The live-handoff services configured from the environment."""
    return Handoffs.from_env()


def _reply_to(tracker: Tracker) -> dict[str, Any] | None:
    """How the Rasa server can write to this person later (rasa_addons/handoff_relay.py), if at all."""
    metadata = tracker.latest_message.get("metadata")
    address = metadata.get("reply_to") if isinstance(metadata, dict) else None
    return address if isinstance(address, dict) else None


def _slot(tracker: Tracker, slot: str) -> str | None:
    """A text slot; anything else (a list or number a typed payload put there) as unknown."""
    value = tracker.get_slot(slot)
    return value if isinstance(value, str) else None


def _slots(tracker: Tracker) -> dict[str, Any]:
    """The case as plain values: texts, and is_admin only as a boolean."""
    is_admin = tracker.get_slot("is_admin")
    return {
        **{slot: _slot(tracker, slot) for slot in CASE_SLOTS if slot != "is_admin"},
        "is_admin": is_admin if isinstance(is_admin, bool) else None,
    }


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


async def offer_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, ticket_id: str) -> None:
    """After a ticket is opened (in the ticket form's last call, actions/tickets/opening.py): puts
    the case on it, then offers a live agent or says when email comes."""
    desk = handoffs()
    live = desk.live_now() and _reply_to(tracker) is not None
    hours = desk.hours.describe()
    note = context_note(list(tracker.events), _slots(tracker), _channel(tracker), live, hours)
    try:
        await asyncio.to_thread(_put_case_on_ticket, ticket_id, note, tracker.sender_id)
    except (SQLAlchemyError, ValueError):
        logger.exception("could not queue the handoff note of %s", ticket_id)
    wait = {"minutes": desk.settings.live_wait_minutes, "hours": desk.settings.ticket_wait_hours}
    if live:
        dispatcher.utter_message(response="utter_handoff_offer_live", **wait)
    elif _reply_to(tracker) is None:
        dispatcher.utter_message(response="utter_handoff_by_email", **wait)
    else:
        opening = desk.hours.next_opening(desk.clock())
        when = opening.strftime("%A %H:%M") if opening else "not scheduled"
        dispatcher.utter_message(
            response="utter_handoff_out_of_hours", support_hours=hours, next_opening=when, **wait
        )


class ActionStartHandoff(Action):
    """Hands the conversation to the support team: from now on the bot stays quiet."""

    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        ticket_id = _slot(tracker, "ticket_id")
        address = _reply_to(tracker)
        desk = handoffs()
        if not ticket_id or address is None:
            dispatcher.utter_message(response="utter_handoff_by_email", hours=desk.settings.ticket_wait_hours)
            return []
        try:
            await asyncio.to_thread(
                _start_live_handoff, ticket_id, tracker.sender_id, _channel(tracker), address
            )
        except (SQLAlchemyError, ValueError):
            logger.exception("could not start a handoff for %s", ticket_id)
            dispatcher.utter_message(response="utter_handoff_by_email", hours=desk.settings.ticket_wait_hours)
            return []
        dispatcher.utter_message(response="utter_handoff_started", minutes=desk.settings.live_wait_minutes)
        return []


def _facts(tracker: Tracker) -> str:
    case = _slots(tracker)
    known = [
        ACCOUNT_TYPES.get(case["account_type"] or "", ""),
        LOCKOUT_STATES.get(case["lockout_state"] or "", ""),
    ]
    if case["is_admin"]:
        known.append("you're the only admin")
    return ", ".join(k for k in known if k) or "nothing about your account yet"


class ActionResumeAfterHandoff(Action):
    """The agent handed back: the bot says so, what it still knows, and asks whether it helped."""

    def name(self) -> str:
        return "action_resume_after_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff_ended", facts=_facts(tracker))
        dispatcher.utter_message(response="utter_ask_feedback")
        return []


def _moment(tracker: Tracker) -> str:
    """ "agent" when the question came after a hand-back, else "steps"."""
    for event in reversed(tracker.events[:-1]):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return "agent" if event["name"] == "action_resume_after_handoff" else "steps"
    return "steps"


def _note_reminder(ticket_id: str, date: str, kind: str, channel: str) -> None:
    """The ticket says when the person will be reminded (once per kind)."""
    note = replies()["reminder_note"].format(date=date, kind=kind, channel=channel)
    handoffs().comments.add_for(ticket_id, f"reminder:{ticket_id}:{kind}", note)


# The database work of the actions below, each run in a worker thread (actions/__init__.py).


def _put_case_on_ticket(ticket_id: str, note: str, sender_id: str) -> None:
    """The case note on the ticket, and when any pending reminder will come."""
    desk = handoffs()
    desk.comments.add_for(ticket_id, f"context:{ticket_id}", note)
    for reminder in desk.reminders.pending_for(sender_id):
        _note_reminder(ticket_id, reminder.due_at.date().isoformat(), reminder.kind, reminder.channel)


def _start_live_handoff(ticket_id: str, sender_id: str, channel: str, address: dict[str, Any]) -> None:
    """The agent holds the conversation from now on; the ticket tells them how to hand it back."""
    desk = handoffs()
    desk.store.start(ticket_id, sender_id, channel, address)
    desk.comments.add_for(
        ticket_id,
        f"live:{ticket_id}",
        "The person is waiting in the chat now. Reply publicly on this ticket to write to "
        f"them; write {desk.settings.resume_command} in a reply, or solve the ticket, to hand "
        "them back to the bot.",
    )


def _schedule_reminder(
    sender_id: str, channel: str, address: dict[str, Any], wait: Wait, ticket_id: str | None
) -> Reminder:
    """The follow-up reminder, noted on the ticket when there is one."""
    reminder = handoffs().reminders.schedule(
        sender_id=sender_id, channel=channel, address=address, wait=wait, ticket_public_id=ticket_id
    )
    if ticket_id:
        _note_reminder(ticket_id, reminder.due_at.date().isoformat(), wait.kind, channel)
    return reminder


class ActionRecordFeedback(Action):
    """Stores the one-tap answer; after steps on a long wait, also sets the follow-up reminder.

    A "no" to the steps is recorded by action_steps_did_not_work (actions/recovery.py), which
    answers it in the same call."""

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await self.record(dispatcher, tracker)
        return []

    async def record(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Stores the answer of the latest message; thanks, or sets a reminder, as it fits."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        helped = intent in ("feedback_helped", "affirm")
        moment = _moment(tracker)
        desk = handoffs()
        try:
            await asyncio.to_thread(
                desk.feedback.record,
                sender_id=tracker.sender_id,
                channel=_channel(tracker),
                recovery_path=_slot(tracker, "recovery_path"),
                moment=moment,
                helped=helped,
                ticket_public_id=_slot(tracker, "ticket_id"),
            )
        except (SQLAlchemyError, ValueError):
            logger.exception("could not store feedback")
        if moment == "agent":
            dispatcher.utter_message(response="utter_feedback_thanks")
        else:
            await self._remind_if_waiting(dispatcher, tracker)

    async def _remind_if_waiting(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        path = _slot(tracker, "recovery_path") or ""
        situation = _slot(tracker, "situation")
        wait = WAITS.get(situation or "") or WAITS.get(path.rsplit(".", 1)[-1])
        address = _reply_to(tracker)
        if wait is None or address is None or _channel(tracker) not in PROACTIVE_CHANNELS:
            return
        ticket_id = _slot(tracker, "ticket_id")
        try:
            reminder = await asyncio.to_thread(
                _schedule_reminder, tracker.sender_id, _channel(tracker), address, wait, ticket_id
            )
        except (SQLAlchemyError, ValueError):
            logger.exception("could not set a reminder")
            return
        dispatcher.utter_message(response="utter_reminder_set", date=reminder.due_at.strftime("%d %B %Y"))
