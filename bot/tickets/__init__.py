"""Support tickets: stored once, forwarded to a helpdesk until it accepts them (README, "Support tickets")."""

from bot.tickets.db import Database, DatabaseError
from bot.tickets.desk import Refused, TicketDesk
from bot.tickets.ids import find_ticket_id, new_ticket_id
from bot.tickets.limits import Refusal
from bot.tickets.models import CLOSED, FORWARDED, OPEN, DeliveryState, Ticket, TicketStatus
from bot.tickets.request import Message, TicketRequest
from bot.tickets.store import Opened, TicketNotFound, TicketRecord, TicketStore

__all__ = [
    "CLOSED",
    "FORWARDED",
    "OPEN",
    "Database",
    "DatabaseError",
    "DeliveryState",
    "Message",
    "Opened",
    "Refusal",
    "Refused",
    "Ticket",
    "TicketDesk",
    "TicketNotFound",
    "TicketRecord",
    "TicketRequest",
    "TicketStatus",
    "TicketStore",
    "find_ticket_id",
    "new_ticket_id",
]
