"""Ticket actions: the ticket form, opening a ticket, cancelling, and status look-ups.

Thin adapters over bot.tickets: they read slots and the conversation, call the desk, and
answer with the domain's responses. Entitlement to a ticket's status is decided by
bot.tickets.TicketStore.visible_to: the conversation that opened it, or its contact address.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot.metrics import TICKETS_OPENED, channel_label
from bot.ratelimit import RateLimit
from bot.redaction import redact, secrets_named
from bot.settings import GuardSettings
from bot.tickets import Message, TicketDesk, TicketRequest, find_ticket_id
from bot.tickets.conversation import (
    address_in,
    check_address,
    is_skip,
    masked_address,
    name_beside,
    remembered_address,
)

logger = logging.getLogger(__name__)

FORM_SLOTS = ("contact_email", "contact_name", "ticket_description")
LOOKUP_SLOTS = ("lookup_ticket_id", "lookup_email")
CANCEL_MAX_WORDS = 12  # "cancel", "never mind, I don't want a ticket": longer is an answer
CANCEL_MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def ticket_desk() -> TicketDesk:
    """The process's desk (database and helpdesk from the environment), made on first use."""
    return TicketDesk.from_env()


class TicketLimits:
    """How many new tickets a conversation and a client (its address's key) may open per hour."""

    def __init__(self, settings: GuardSettings) -> None:
        self.per_sender = RateLimit(settings.tickets_per_sender_per_hour, 3600.0)
        self.per_client = RateLimit(settings.tickets_per_client_per_hour, 3600.0)

    def allow(self, tracker: Tracker) -> bool:
        if self.per_sender.hit(tracker.sender_id) is not None:
            return False
        client = _client_key(tracker)
        return client is None or self.per_client.hit(client) is None


@lru_cache(maxsize=1)
def ticket_limits() -> TicketLimits:
    return TicketLimits(GuardSettings.from_env())


def _client_key(tracker: Tracker) -> str | None:
    """The client key the Rasa server's message guard put on the latest message (rasa_addons/guards)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            client = (event.get("metadata") or {}).get("client")
            return str(client) if client else None
    return None


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "").strip()


def _intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def _clicked_button(tracker: Tracker) -> bool:
    return _text(tracker).startswith("/")


def wants_to_cancel(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    return (
        intent.get("name") == "cancel"
        and float(intent.get("confidence") or 0) >= CANCEL_MIN_CONFIDENCE
        and len(_text(tracker).split()) <= CANCEL_MAX_WORDS
    )


def _requested(tracker: Tracker, slot: str) -> bool:
    return bool(tracker.get_slot("requested_slot") == slot)


def _person_texts(tracker: Tracker) -> list[str]:
    """What the person typed in this conversation, newest first (button clicks left out)."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return [t for t in reversed(texts) if t and not t.startswith("/")]


def context_says_enough(tracker: Tracker) -> bool:
    """A path was tried and the case is known: a description is welcome but optional."""
    return all(
        tracker.get_slot(slot) is not None for slot in ("account_type", "lockout_state", "recovery_path")
    )


def _checked_address(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    if value is None:
        return {slot: None}
    checked = check_address(str(value))
    if checked.email is None:
        dispatcher.utter_message(response="utter_email_invalid", reason=checked.problem)
    return {slot: checked.email}


CASE_SLOTS = ("account_type", "lockout_state", "is_admin")


def _case_read_from_address(tracker: Tracker) -> dict[str, Any]:
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
        elif event.get("event") in ("restart", "session_started", "reset_slots"):
            before = dict.fromkeys(CASE_SLOTS)
    return {slot: value for slot, value in before.items() if tracker.get_slot(slot) != value}


class ValidateTicketForm(FormValidationAction):
    """Reads the contact address (reusing one given earlier) and the description."""

    def name(self) -> str:
        return "validate_ticket_form"

    async def extract_contact_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("contact_email") is not None:
            return {}
        found = address_in(_text(tracker))
        if found:
            return {"contact_email": found}
        if not _requested(tracker, "contact_email") or wants_to_cancel(tracker):
            return {}
        remembered = remembered_address(_person_texts(tracker))
        if _intent(tracker) == "affirm" and remembered:
            return {"contact_email": remembered}
        if _intent(tracker) == "deny" or _clicked_button(tracker):
            return {"contact_email": None}  # ask again (plainly, after a "no")
        return {"contact_email": _text(tracker)}  # not an address: validation says what is wrong

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        checked = _checked_address("contact_email", value, dispatcher)
        text = _text(tracker)
        typed = address_in(text)
        name = name_beside(text, typed) if checked["contact_email"] and typed else None
        return {**checked, "contact_name": name, **_case_read_from_address(tracker)}

    async def extract_ticket_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not _requested(tracker, "ticket_description"):
            return {}
        text = _text(tracker)
        if is_skip(text) or _intent(tracker) == "deny":  # "skip" before "cancel": it answers the question
            if context_says_enough(tracker):
                return {"ticket_description": ""}
            dispatcher.utter_message(response="utter_description_needed")
            return {"ticket_description": None}
        if wants_to_cancel(tracker):
            return {}
        return {"ticket_description": None if _clicked_button(tracker) else text}

    def validate_ticket_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Masks any secret before the description is kept (and tells the person)."""
        if not value:
            return {"ticket_description": value}
        redaction = redact(str(value))
        if redaction.masked:
            dispatcher.utter_message(response="utter_secret_removed", what=secrets_named(redaction.kinds))
        return {"ticket_description": redaction.text}


class ActionAskContactEmail(Action):
    """Offers an address the person already gave, or asks for one."""

    def name(self) -> str:
        return "action_ask_contact_email"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        remembered = remembered_address(_person_texts(tracker))
        if remembered and _intent(tracker) != "deny":
            dispatcher.utter_message(response="utter_confirm_contact_email", email=remembered)
        else:
            dispatcher.utter_message(response="utter_ask_contact_email")
        return []


class ActionAskTicketDescription(Action):
    """Asks what happened; optional (with a Skip button) when the case is already clear."""

    def name(self) -> str:
        return "action_ask_ticket_description"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        optional = context_says_enough(tracker)
        dispatcher.utter_message(
            response="utter_ask_ticket_details" if optional else "utter_ask_ticket_description"
        )
        return []


def _session_marker(tracker: Tracker) -> str:
    starts = [e.get("timestamp") for e in tracker.events if e.get("event") == "session_started"]
    return str(starts[-1]) if starts else ""


def _transcript(tracker: Tracker) -> list[Message]:
    lines = []
    for event in tracker.events:
        text = str(event.get("text") or "")
        if event.get("event") == "user" and text and not text.startswith("/"):
            lines.append(Message("person", text))
        elif event.get("event") == "bot" and text:
            lines.append(Message("bot", text))
    return lines


def _text_slot(tracker: Tracker, slot: str) -> str | None:
    """A slot as text; anything else (a list a typed payload put there) as unknown."""
    value = tracker.get_slot(slot)
    return value if isinstance(value, str) else None


def ticket_request(tracker: Tracker) -> TicketRequest:
    is_admin = tracker.get_slot("is_admin")
    return TicketRequest(
        channel=tracker.get_latest_input_channel() or "unknown",
        sender_id=tracker.sender_id,
        session=_session_marker(tracker),
        contact_email=str(tracker.get_slot("contact_email")),
        contact_name=_text_slot(tracker, "contact_name"),
        account_type=_text_slot(tracker, "account_type"),
        lockout_state=_text_slot(tracker, "lockout_state"),
        is_admin=is_admin if isinstance(is_admin, bool) else None,
        recovery_path=_text_slot(tracker, "recovery_path"),
        description=_text_slot(tracker, "ticket_description") or "",
        transcript=_transcript(tracker),
    )


def _cleared(slots: tuple[str, ...]) -> list[EventType]:
    return [SlotSet(slot, None) for slot in slots]


class ActionOpenTicket(Action):
    """Commits the ticket (the same request twice gives the same ticket) and says what happens next."""

    def name(self) -> str:
        return "action_open_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        request = ticket_request(tracker)
        try:
            if ticket_desk().store.existing(request) is None and not ticket_limits().allow(tracker):
                dispatcher.utter_message(response="utter_too_many_tickets")
                return _cleared(FORM_SLOTS)
            opened = ticket_desk().open(request)
        except SQLAlchemyError:
            logger.exception("could not store a ticket")
            dispatcher.utter_message(response="utter_ticket_not_saved")
            return _cleared(FORM_SLOTS)
        if opened.created:
            TICKETS_OPENED.labels(channel_label(request.channel)).inc()
        response = "utter_ticket_opened" if opened.created else "utter_ticket_exists"
        ticket_id = opened.ticket.public_id
        dispatcher.utter_message(response=response, ticket_id=ticket_id, contact_email=request.contact_email)
        return [SlotSet("ticket_id", ticket_id), *_cleared(FORM_SLOTS)]


class ActionCancelTicket(Action):
    """Leaves the ticket form (nothing is opened) or the status look-up."""

    def name(self) -> str:
        return "action_cancel_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop_name == "ticket_status_form":
            dispatcher.utter_message(response="utter_lookup_cancelled")
            return _cleared(LOOKUP_SLOTS)
        dispatcher.utter_message(response="utter_ticket_cancelled")
        return _cleared(FORM_SLOTS)


def _opened_here(ticket_id: str, sender_id: str) -> bool:
    try:
        return ticket_desk().store.opened_by(ticket_id, sender_id)
    except SQLAlchemyError:
        logger.exception("could not look up a ticket")
        return False


class ValidateTicketStatusForm(FormValidationAction):
    """Which ticket; and the contact address unless this conversation opened it."""

    def name(self) -> str:
        return "validate_ticket_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        ticket_id = tracker.get_slot("lookup_ticket_id")
        if ticket_id and _opened_here(ticket_id, tracker.sender_id):
            return ["lookup_ticket_id"]
        return domain_slots

    async def extract_lookup_ticket_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("lookup_ticket_id") is not None:
            return {}
        found = find_ticket_id(_text(tracker))
        if found:
            return {"lookup_ticket_id": found}
        if not _requested(tracker, "lookup_ticket_id"):  # "what's the status of my ticket?"
            opened_here = tracker.get_slot("ticket_id")
            return {"lookup_ticket_id": opened_here} if opened_here else {}
        if wants_to_cancel(tracker):
            return {}
        return {"lookup_ticket_id": None if _clicked_button(tracker) else _text(tracker)}

    def validate_lookup_ticket_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"lookup_ticket_id": None}
        ticket_id = find_ticket_id(str(value))
        if ticket_id is None:
            dispatcher.utter_message(response="utter_ticket_id_invalid")
        return {"lookup_ticket_id": ticket_id}

    async def extract_lookup_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("lookup_email") is not None:
            return {}
        text = _text(tracker)
        found = address_in(text)
        if found:
            return {"lookup_email": found}
        if not _requested(tracker, "lookup_email") or wants_to_cancel(tracker):
            return {}
        return {"lookup_email": None if _clicked_button(tracker) else text}

    def validate_lookup_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _checked_address("lookup_email", value, dispatcher)


STATUS_RESPONSES = {
    "open": "utter_ticket_status_open",
    "forwarded": "utter_ticket_status_forwarded",
    "closed": "utter_ticket_status_closed",
}


class ActionTicketStatus(Action):
    """Tells the status only to whom it belongs; anyone else hears the same "not found"."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        ticket_id = str(tracker.get_slot("lookup_ticket_id") or "")
        try:
            ticket = ticket_desk().store.visible_to(
                ticket_id, tracker.sender_id, tracker.get_slot("lookup_email")
            )
        except SQLAlchemyError:
            logger.exception("could not look up a ticket")
            dispatcher.utter_message(response="utter_tickets_unavailable")
            return _cleared(LOOKUP_SLOTS)
        if ticket is None:
            dispatcher.utter_message(response="utter_ticket_not_found")
        else:
            dispatcher.utter_message(
                response=STATUS_RESPONSES[ticket.status],
                ticket_id=ticket.public_id,
                opened=ticket.created_at.strftime("%d %b %Y"),
                contact=masked_address(ticket.contact_email),
                reference=ticket.helpdesk_reference or "",
            )
        return _cleared(LOOKUP_SLOTS)
