"""The ticket status form (which ticket, and the address unless this conversation opened it)
and the answer, told only to whom the ticket belongs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

import actions.tickets as tickets
from actions.conversation import (
    clicked_button,
    latest_text,
    requested,
    wants_to_cancel,
)
from actions.forms import AskingFormValidation
from actions.tickets import LOOKUP_SLOTS, checked_address, cleared
from bot.tickets import TicketStatus, find_ticket_id
from bot.tickets.conversation import (
    address_in,
    masked_address,
)

logger = logging.getLogger(__name__)


async def _opened_here(ticket_id: str, sender_id: str) -> bool:
    try:
        return await asyncio.to_thread(tickets.ticket_desk().opened_by, ticket_id, sender_id)
    except SQLAlchemyError:
        logger.exception("could not look up a ticket")
        return False


class ValidateTicketStatusForm(AskingFormValidation):
    """Which ticket; and the contact address unless this conversation opened it (asking for
    each, data/tickets/replies.yml)."""

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
        return checked_address("lookup_email", value, dispatcher)


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
            desk, email = tickets.ticket_desk(), tracker.get_slot("lookup_email")
            ticket = await asyncio.to_thread(desk.visible_to, ticket_id, tracker.sender_id, email)
        except SQLAlchemyError:
            logger.exception("could not look up a ticket")
            dispatcher.utter_message(response="utter_tickets_unavailable")
            return cleared(LOOKUP_SLOTS)
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
        return cleared(LOOKUP_SLOTS)
