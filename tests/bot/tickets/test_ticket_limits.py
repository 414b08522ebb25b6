"""The limits on new tickets are inside TicketDesk.open, and with Redis every action server
counts the same tickets (two desks here stand for two action servers)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
import redis

from bot.settings import GuardSettings, HelpdeskSettings, replace
from bot.tickets import Database, Opened, Refusal, Refused, TicketDesk, TicketRequest
from bot.tickets.limits import TicketLimits
from tools.databases import REDIS_URL

MakeRequest = Callable[..., TicketRequest]
NO_HELPDESK = HelpdeskSettings.defaults()


@pytest.fixture
def two_action_servers(database: Database) -> Iterator[tuple[TicketDesk, TicketDesk]]:
    settings = replace(GuardSettings.from_env(), tickets_per_sender_per_hour=3, tickets_per_client_per_hour=3)
    yield tuple(  # type: ignore[misc]
        TicketDesk(database, NO_HELPDESK, limits=TicketLimits(settings, REDIS_URL)) for _ in range(2)
    )
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("*tickets-*"):
        client.delete(key)


def test_two_action_servers_enforce_one_limit_per_conversation_and_client(
    two_action_servers: tuple[TicketDesk, TicketDesk], make_request: MakeRequest
) -> None:
    sender, client = f"s-{secrets.token_hex(4)}", f"k-{secrets.token_hex(4)}"
    outcomes = [
        two_action_servers[n % 2].open(
            make_request(sender_id=sender, client=client, contact_email=f"p{n}@x.org")
        )
        for n in range(4)
    ]
    assert [type(o) for o in outcomes] == [Opened, Opened, Opened, Refused]
    assert outcomes[3] == Refused(Refusal.TOO_MANY_FOR_CONVERSATION)
    again = two_action_servers[1].open(
        make_request(sender_id=sender, client=client, contact_email="p0@x.org")
    )
    assert isinstance(again, Opened) and not again.created  # a retry still gets its ticket

    other = two_action_servers[0].open(make_request(sender_id=f"o-{secrets.token_hex(4)}", client=client))
    assert other == Refused(Refusal.TOO_MANY_FOR_CLIENT)  # a fourth from the same client address
