"""Ticket actions: the ticket form, opening a ticket, cancelling, and status look-ups.

Thin adapters over bot.tickets.TicketDesk, the one door to tickets: they read slots and the
conversation (actions/conversation.py), call the desk in a worker thread (actions/__init__.py),
and answer with the domain's responses. The desk decides: the limits on new tickets, and who
may see a ticket's status (the conversation that opened it, or its contact address).

opening.py: the ticket form (whose validation also opens the ticket) and cancelling;
status.py: the status form and answer.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import HelpdeskSettings
from bot.tickets import TicketDesk
from bot.tickets.conversation import check_address
from bot.tickets.forwarding import ForwardingLoop

logger = logging.getLogger(__name__)

FORM_SLOTS = ("contact_email", "contact_name", "ticket_description")
LOOKUP_SLOTS = ("lookup_ticket_id", "lookup_email")


@lru_cache(maxsize=1)
def ticket_desk() -> TicketDesk:
    """The process's desk (database, helpdesk and limits from the environment), made on first use."""
    return TicketDesk.from_env()


def start_forwarding() -> ForwardingLoop | None:
    """Starts forwarding the desk's queued tickets in a background thread (None: no helpdesk)."""
    desk = ticket_desk()
    forwarding = desk.forwarding()
    if forwarding is None:
        logger.info("no helpdesk configured (HELPDESK unset): tickets stay in the local store")
        return None
    loop = ForwardingLoop(forwarding, HelpdeskSettings.from_env().forward_interval_seconds)
    desk.on_opened = loop.wake
    loop.start()
    logger.info("forwarding tickets to %s", desk.helpdesk.kind)
    return loop


def checked_address(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The slot set to the normalised address, or to None with the reason said."""
    if value is None:
        return {slot: None}
    checked = check_address(str(value))
    if checked.email is None:
        dispatcher.utter_message(response="utter_email_invalid", reason=checked.problem)
    return {slot: checked.email}


def cleared(slots: tuple[str, ...]) -> list[EventType]:
    return [SlotSet(slot, None) for slot in slots]


# The actions, after the helpers they use (rasa_sdk and the tests import them from here).
from actions.tickets.opening import (  # noqa: E402
    ActionCancelTicket,
    ValidateTicketForm,
    context_says_enough,
    ticket_request,
)
from actions.tickets.status import ActionTicketStatus, ValidateTicketStatusForm  # noqa: E402

__all__ = [
    "ActionCancelTicket",
    "ActionTicketStatus",
    "ValidateTicketForm",
    "ValidateTicketStatusForm",
    "context_says_enough",
    "start_forwarding",
    "ticket_desk",
    "ticket_request",
]
