"""How many new tickets a conversation and a client may open per hour (README, "Support tickets").

The counts are bot.ratelimit's: in Redis when LOCK_STORE_URL is set, so every action server
counts the same tickets and a restart forgets none; otherwise in this process's memory.
"""

from __future__ import annotations

from enum import Enum

from bot.ratelimit import RateLimit, limit_storage
from bot.settings import GuardSettings, Settings
from bot.tickets.request import TicketRequest

HOUR = 3600.0


class Refusal(str, Enum):
    """Why a new ticket was not opened."""

    TOO_MANY_FOR_CONVERSATION = "too_many_for_conversation"
    TOO_MANY_FOR_CLIENT = "too_many_for_client"


class TicketLimits:
    """TICKETS_PER_SENDER per conversation and TICKETS_PER_CLIENT per client key, per hour."""

    def __init__(self, settings: GuardSettings, redis_url: str = "") -> None:
        storage = limit_storage(redis_url)
        self.per_sender = RateLimit(settings.tickets_per_sender_per_hour, HOUR, storage, "tickets-sender")
        self.per_client = RateLimit(settings.tickets_per_client_per_hour, HOUR, storage, "tickets-client")

    @classmethod
    def from_env(cls) -> TicketLimits:
        """The limits of the environment, counted in Redis when LOCK_STORE_URL is set."""
        return cls(GuardSettings.from_env(), Settings.from_env().lock_store_url)

    def refusal(self, request: TicketRequest) -> Refusal | None:
        """Counts one new ticket for `request`, or says why it is one too many (then counts nothing)."""
        if self.per_sender.hit(request.sender_id) is not None:
            return Refusal.TOO_MANY_FOR_CONVERSATION
        if request.client and self.per_client.hit(request.client) is not None:
            return Refusal.TOO_MANY_FOR_CLIENT
        return None
