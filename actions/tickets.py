"""Ticket actions: the ticket form, opening a ticket, cancelling, and status look-ups.

Thin adapters over bot.tickets.TicketDesk, the one door to tickets: they read slots and the
conversation (actions/conversation.py), call the desk in a worker thread (actions/__init__.py),
and answer with the domain's responses. The desk decides: the limits on new tickets, and who
may see a ticket's status (the conversation that opened it, or its contact address).
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation import (
    case_read_from_address,
    clicked_button,
    client_key,
    intent,
    latest_text,
    person_texts,
    requested,
    session_marker,
    text_slot,
    transcript,
    wants_to_cancel,
)
from bot.redaction import redact, secrets_named
from bot.tickets import Refused, TicketDesk, TicketRequest, TicketStatus, find_ticket_id
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


@lru_cache(maxsize=1)
def ticket_desk() -> TicketDesk:
    """The process's desk (database, helpdesk and limits from the environment), made on first use."""
    return TicketDesk.from_env()


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


class ValidateTicketForm(FormValidationAction):
    """Reads the contact address (reusing one given earlier) and the description."""

    def name(self) -> str:
        return "validate_ticket_form"

    async def extract_contact_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("contact_email") is not None:
            return {}
        found = address_in(latest_text(tracker))
        if found:
            return {"contact_email": found}
        if not requested(tracker, "contact_email") or wants_to_cancel(tracker):
            return {}
        remembered = remembered_address(person_texts(tracker))
        if intent(tracker) == "affirm" and remembered:
            return {"contact_email": remembered}
        if intent(tracker) == "deny" or clicked_button(tracker):
            return {"contact_email": None}  # ask again (plainly, after a "no")
        return {"contact_email": latest_text(tracker)}  # not an address: validation says what is wrong

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        checked = _checked_address("contact_email", value, dispatcher)
        text = latest_text(tracker)
        typed = address_in(text)
        name = name_beside(text, typed) if checked["contact_email"] and typed else None
        return {**checked, "contact_name": name, **case_read_from_address(tracker)}

    async def extract_ticket_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not requested(tracker, "ticket_description"):
            return {}
        text = latest_text(tracker)
        if is_skip(text) or intent(tracker) == "deny":  # "skip" before "cancel": it answers the question
            if context_says_enough(tracker):
                return {"ticket_description": ""}
            dispatcher.utter_message(response="utter_description_needed")
            return {"ticket_description": None}
        if wants_to_cancel(tracker):
            return {}
        return {"ticket_description": None if clicked_button(tracker) else text}

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
        remembered = remembered_address(person_texts(tracker))
        if remembered and intent(tracker) != "deny":
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


def ticket_request(tracker: Tracker) -> TicketRequest:
    is_admin = tracker.get_slot("is_admin")
    return TicketRequest(
        channel=tracker.get_latest_input_channel() or "unknown",
        sender_id=tracker.sender_id,
        session=session_marker(tracker),
        contact_email=str(tracker.get_slot("contact_email")),
        contact_name=text_slot(tracker, "contact_name"),
        account_type=text_slot(tracker, "account_type"),
        lockout_state=text_slot(tracker, "lockout_state"),
        is_admin=is_admin if isinstance(is_admin, bool) else None,
        recovery_path=text_slot(tracker, "recovery_path"),
        description=text_slot(tracker, "ticket_description") or "",
        transcript=transcript(tracker),
        client=client_key(tracker),
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
            outcome = await asyncio.to_thread(ticket_desk().open, request)
        except SQLAlchemyError:
            logger.exception("could not store a ticket")
            dispatcher.utter_message(response="utter_ticket_not_saved")
            return _cleared(FORM_SLOTS)
        if isinstance(outcome, Refused):
            dispatcher.utter_message(response="utter_too_many_tickets")
            return _cleared(FORM_SLOTS)
        response = "utter_ticket_opened" if outcome.created else "utter_ticket_exists"
        ticket_id = outcome.ticket.public_id
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


async def _opened_here(ticket_id: str, sender_id: str) -> bool:
    try:
        return await asyncio.to_thread(ticket_desk().opened_by, ticket_id, sender_id)
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
        if ticket_id and await _opened_here(ticket_id, tracker.sender_id):
            return ["lookup_ticket_id"]
        return domain_slots

    async def extract_lookup_ticket_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("lookup_ticket_id") is not None:
            return {}
        found = find_ticket_id(latest_text(tracker))
        if found:
            return {"lookup_ticket_id": found}
        if not requested(tracker, "lookup_ticket_id"):  # "what's the status of my ticket?"
            opened_here = tracker.get_slot("ticket_id")
            return {"lookup_ticket_id": opened_here} if opened_here else {}
        if wants_to_cancel(tracker):
            return {}
        return {"lookup_ticket_id": None if clicked_button(tracker) else latest_text(tracker)}

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
        text = latest_text(tracker)
        found = address_in(text)
        if found:
            return {"lookup_email": found}
        if not requested(tracker, "lookup_email") or wants_to_cancel(tracker):
            return {}
        return {"lookup_email": None if clicked_button(tracker) else text}

    def validate_lookup_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _checked_address("lookup_email", value, dispatcher)


STATUS_RESPONSES = {
    TicketStatus.OPEN: "utter_ticket_status_open",
    TicketStatus.FORWARDED: "utter_ticket_status_forwarded",
    TicketStatus.CLOSED: "utter_ticket_status_closed",
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
            ticket = await asyncio.to_thread(
                ticket_desk().visible_to, ticket_id, tracker.sender_id, tracker.get_slot("lookup_email")
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
