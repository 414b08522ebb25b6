"""Opening tickets exactly once, keeping secrets out, and who may see a ticket (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest

from bot.tickets.db import Database
from bot.tickets.models import CANCELLED, CLOSED, OPEN, PENDING
from bot.tickets.request import Message, TicketRequest
from bot.tickets.store import TicketNotFound, TicketStore

MakeRequest = Callable[..., TicketRequest]


def test_a_ticket_records_the_case_and_the_contact(database: Database, make_request: MakeRequest) -> None:
    opened = TicketStore(database).open(make_request(contact_name="Jane Doe"), helpdesk=None)
    assert opened.created
    ticket = TicketStore(database).record(opened.ticket.public_id).ticket
    assert ticket.status == OPEN
    assert (ticket.channel, ticket.sender_id) == ("rest", "conversation-1")
    assert (ticket.contact_email, ticket.contact_name) == ("jane@example.com", "Jane Doe")
    assert (ticket.account_type, ticket.lockout_state, ticket.is_admin) == (
        "work_school",
        "locked_out",
        False,
    )
    assert ticket.recovery_path == "work_school.locked_out"
    assert ticket.description == "New phone, the Authenticator app is gone."
    assert ticket.transcript.splitlines() == [
        "Person: I got a new phone and my work account wants the Authenticator code",
        "Bot: Can you still sign in or verify another way?",
        "Person: no",
    ]
    assert ticket.created_at.tzinfo is not None
    assert ticket.helpdesk_reference is None


def test_pasted_secrets_never_reach_the_store(database: Database, make_request: MakeRequest) -> None:
    request = make_request(
        description="my password is Hunter2!x and the code was 481 516",
        transcript=(Message("person", "the TAP is nc+&G=xwDKCz"),),
    )
    ticket = TicketStore(database).open(request, helpdesk=None).ticket
    stored = TicketStore(database).record(ticket.public_id).ticket
    assert "Hunter2" not in stored.description and "481 516" not in stored.description
    assert "nc+&G=xwDKCz" not in stored.transcript
    assert stored.description == "my password is [password removed] and the code was [code removed]"
    assert stored.secrets_masked.split(",") == ["password", "one_time_code", "temporary_access_pass"]


def test_the_same_request_twice_gives_the_same_ticket(database: Database, make_request: MakeRequest) -> None:
    store = TicketStore(database)
    first = store.open(make_request(), helpdesk="webhook")
    again = store.open(make_request(contact_email="JANE@example.com", description="typed again"), "webhook")
    assert not again.created
    assert again.ticket.public_id == first.ticket.public_id
    assert len(store.records()) == 1


def test_a_new_session_or_another_path_is_a_new_request(
    database: Database, make_request: MakeRequest
) -> None:
    store = TicketStore(database)
    ids = {
        store.open(make_request(), None).ticket.public_id,
        store.open(make_request(session="1700009999.0"), None).ticket.public_id,
        store.open(make_request(recovery_path="work_school.admin_locked_out"), None).ticket.public_id,
        store.open(make_request(sender_id="someone-else"), None).ticket.public_id,
    }
    assert len(ids) == 4


def test_racing_double_submissions_open_one_ticket(database: Database, make_request: MakeRequest) -> None:
    store = TicketStore(database)
    start = threading.Barrier(8)
    opened: list[str] = []

    def submit() -> None:
        start.wait()
        opened.append(store.open(make_request(), helpdesk="webhook").ticket.public_id)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 8 and len(set(opened)) == 1
    records = store.records()
    assert len(records) == 1
    assert records[0].delivery is not None and records[0].delivery.state == PENDING


def test_a_taken_random_id_is_replaced(database: Database, make_request: MakeRequest) -> None:
    ids = itertools.chain(["RB-AAAAAA", "RB-AAAAAA", "RB-BBBBBB"])
    store = TicketStore(database, new_id=lambda: next(ids))
    assert store.open(make_request(), None).ticket.public_id == "RB-AAAAAA"
    assert store.open(make_request(sender_id="other"), None).ticket.public_id == "RB-BBBBBB"


def test_only_the_opening_conversation_or_the_contact_address_sees_a_ticket(
    database: Database, make_request: MakeRequest
) -> None:
    store = TicketStore(database)
    public_id = store.open(make_request(), None).ticket.public_id
    assert store.visible_to(public_id, "conversation-1", None) is not None
    assert store.visible_to(public_id, "intruder", " Jane@Example.com ") is not None
    assert store.visible_to(public_id, "intruder", "someone@example.com") is None
    assert store.visible_to(public_id, "intruder", None) is None
    assert store.visible_to("RB-ZZZZZZ", "conversation-1", "jane@example.com") is None
    assert store.opened_by(public_id, "conversation-1")
    assert not store.opened_by(public_id, "intruder")


def test_closing_stops_forwarding_a_ticket_not_sent_yet(
    database: Database, make_request: MakeRequest
) -> None:
    store = TicketStore(database)
    public_id = store.open(make_request(), helpdesk="zendesk").ticket.public_id
    record = store.close(public_id)
    assert record.ticket.status == CLOSED and record.ticket.closed_at is not None
    assert record.delivery is not None and record.delivery.state == CANCELLED
    with pytest.raises(TicketNotFound):
        store.close("RB-ZZZZZZ")


def test_listing_filters_by_status_and_forwarding_state(
    database: Database, make_request: MakeRequest
) -> None:
    store = TicketStore(database)
    kept = store.open(make_request(sender_id="a"), None).ticket.public_id
    queued = store.open(make_request(sender_id="b"), "webhook").ticket.public_id
    closed = store.open(make_request(sender_id="c"), None).ticket.public_id
    store.close(closed)
    assert [r.ticket.public_id for r in store.records()] == [closed, queued, kept]
    assert [r.ticket.public_id for r in store.records(status=OPEN)] == [queued, kept]
    assert [r.ticket.public_id for r in store.records(delivery_state=PENDING)] == [queued]
    assert len(store.records(limit=1)) == 1
