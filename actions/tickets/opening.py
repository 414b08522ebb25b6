"""The ticket form (contact address, description), opening a ticket, and cancelling.

The form's validation does all of a turn in one action call: it reads the answer, asks the
next question, and once both are in, opens the ticket and offers a person (the rules then
only wait for the answer to that offer, data/handoff/rules.yml).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

import actions.tickets as tickets
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
from actions.forms import AskingFormValidation
from actions.handoff import offer_handoff
from actions.tickets import FORM_SLOTS, LOOKUP_SLOTS, checked_address, cleared
from bot.metrics import TICKETS_OPENED, channel_label
from bot.redaction import redact, secrets_named
from bot.retrying import through_database_restart
from bot.tickets import Refused, TicketRequest
from bot.tickets.conversation import (
    address_in,
    is_skip,
    name_beside,
    remembered_address,
)

logger = logging.getLogger(__name__)


def context_says_enough(tracker: Tracker) -> bool:
    """A path was tried and the case is known: a description is welcome but optional."""
    return all(
        tracker.get_slot(slot) is not None for slot in ("account_type", "lockout_state", "recovery_path")
    )


class ValidateTicketForm(AskingFormValidation):
    """Reads the contact address (reusing one given earlier) and the description, asks for what
    is missing, and opens the ticket when nothing is."""

    def name(self) -> str:
        return "validate_ticket_form"

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        return await open_ticket(dispatcher, tracker)

    def ask(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Offers an address the person already gave, or asks for one; asks what happened, as
        optional (with a Skip button) when the case is already clear."""
        if slot == "contact_email":
            remembered = remembered_address(person_texts(tracker))
            if remembered and intent(tracker) != "deny":
                dispatcher.utter_message(response="utter_confirm_contact_email", email=remembered)
            else:
                dispatcher.utter_message(response="utter_ask_contact_email")
        elif context_says_enough(tracker):
            dispatcher.utter_message(response="utter_ask_ticket_details")
        else:
            dispatcher.utter_message(response="utter_ask_ticket_description")

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
        checked = checked_address("contact_email", value, dispatcher)
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


def ticket_request(tracker: Tracker) -> TicketRequest:
    """The ticket request the form's slots and the conversation make."""
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


async def open_ticket(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Commits the ticket (the same request twice gives the same ticket), says what happens next
    and offers a person; the form's slots are cleared for a next ticket."""
    request = ticket_request(tracker)
    try:
        desk = tickets.ticket_desk()
        # open() is idempotent: a retry after a commit whose answer was cut gets the same ticket
        outcome = await asyncio.to_thread(through_database_restart, lambda: desk.open(request), "ticket")
    except SQLAlchemyError:
        logger.exception("could not store a ticket")
        dispatcher.utter_message(response="utter_ticket_not_saved")
        return cleared(FORM_SLOTS)
    if isinstance(outcome, Refused):
        dispatcher.utter_message(response="utter_too_many_tickets")
        return cleared(FORM_SLOTS)
    if outcome.created:
        TICKETS_OPENED.labels(channel_label(request.channel)).inc()
    response = "utter_ticket_opened" if outcome.created else "utter_ticket_exists"
    ticket_id = outcome.ticket.public_id
    dispatcher.utter_message(response=response, ticket_id=ticket_id, contact_email=request.contact_email)
    await offer_handoff(dispatcher, tracker, ticket_id)
    return [SlotSet("ticket_id", ticket_id), *cleared(FORM_SLOTS)]


class ActionCancelTicket(Action):
    """Leaves the ticket form (nothing is opened) or the status look-up."""

    def name(self) -> str:
        return "action_cancel_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop_name == "ticket_status_form":
            dispatcher.utter_message(response="utter_lookup_cancelled")
            return cleared(LOOKUP_SLOTS)
        dispatcher.utter_message(response="utter_ticket_cancelled")
        return cleared(FORM_SLOTS)
