"""The handoff's SQL side on SQLite and PostgreSQL: once each, in order, nothing lost."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.__main__ import main
from bot.handoff import Handoffs
from bot.handoff.models import (
    CLOSED,
    DELIVERED,
    HANDBACK,
    PENDING,
    REJECTED,
    REPLY,
    agent_messages,
    feedback,
    reminders,
)
from bot.handoff.reminders import WAITS
from bot.handoff.store import DUPLICATE, KEPT, NEW, HandoffStore
from bot.handoff.webhooks import AgentEvent
from bot.retrying import through_database_restart
from bot.settings import PROJECT_ROOT, HandoffSettings, HelpdeskSettings
from bot.tickets.db import Database
from bot.tickets.forwarders import forwarder_for
from bot.tickets.forwarding import RetryPolicy
from bot.tickets.migrate import upgrade
from bot.tickets.models import tickets
from bot.tickets.request import TicketRequest
from bot.tickets.store import TicketStore
from tools.databases import ADMIN_URL, throwaway_postgres
from tools.services import private_postgres

START = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
SETTINGS = HandoffSettings(
    hours="Mon-Fri 09:00-17:00",
    timezone="Europe/London",
    live_wait_minutes=5,
    ticket_wait_hours=24,
    quiet_minutes=10,
    resume_command="#bot",
    settle_seconds=2,
    poll_seconds=1,
    webhook_secrets={},
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(database: Database, clock: Clock) -> Iterator[Handoffs]:
    yield Handoffs(database, SETTINGS, clock)
    with database.session() as session:  # rows no ticket cascades away
        for table in (agent_messages, feedback, reminders):
            session.execute(table.delete())


@pytest.fixture
def ticket(database: Database, make_request: Callable[..., TicketRequest], clock: Clock) -> str:
    opened = TicketStore(database, clock).open(make_request(), "zendesk")
    with database.session() as session:  # as the forwarding loop leaves it once Zendesk took it
        session.execute(
            tickets.update()
            .where(tickets.c.id == opened.ticket.id)
            .values(helpdesk="zendesk", helpdesk_reference="4242")
        )
    return opened.ticket.public_id


@pytest.fixture
def ticket_row_id(ticket: str, database: Database) -> int:
    """The database id of `ticket`, which ticket comments are keyed by."""
    row = TicketStore(database).find(ticket)
    assert row is not None and row.id is not None
    return row.id


def reply(external_id: str, text: str, written: datetime, kind: str = REPLY) -> AgentEvent:
    return AgentEvent("zendesk", "4242", external_id, kind, "Sam", text, written)


def test_a_live_handoff_is_found_by_conversation_and_ends_once(desk: Handoffs, ticket: str) -> None:
    handoff = desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})
    assert desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"}).id == handoff.id
    assert desk.store.live_for("conversation-1") is not None
    assert desk.store.end(handoff.id, "agent") is True  # type: ignore[arg-type]
    assert desk.store.end(handoff.id, "agent") is False  # type: ignore[arg-type]
    assert desk.store.live_for("conversation-1") is None
    again = desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})  # asked for a person again
    assert again.id == handoff.id and desk.store.live_for("conversation-1") is not None


def test_a_webhook_twice_adds_one_message_and_late_ones_go_in_written_order(
    desk: Handoffs, ticket: str, clock: Clock
) -> None:
    desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})
    second = reply("2:reply", "Second, written later", START + timedelta(seconds=30))
    first = reply("1:reply", "First, delivered late", START + timedelta(seconds=10))
    assert desk.store.receive(second).outcome == NEW
    assert desk.store.receive(second).outcome == DUPLICATE
    clock.advance(seconds=1)
    assert desk.store.due_batches(timedelta(seconds=2)) == []  # not settled yet
    assert desk.store.receive(first).outcome == NEW
    clock.advance(seconds=3)
    (batch,) = desk.store.due_batches(timedelta(seconds=2))
    assert [m.body for m in batch.messages] == ["First, delivered late", "Second, written later"]
    assert desk.store.due_batches(timedelta(seconds=2)) == []  # claimed: another server gets nothing
    for message in batch.messages:
        desk.store.delivered(message)
    assert desk.store.receive(first).outcome == DUPLICATE


def test_a_reply_to_an_ended_or_unknown_conversation_is_kept(desk: Handoffs, ticket: str) -> None:
    handoff = desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})
    desk.store.end(handoff.id, "agent")  # type: ignore[arg-type]
    late = desk.store.receive(reply("7:reply", "Are you still there?", START))
    assert late.outcome == KEPT and late.ticket_id is not None
    unknown = desk.store.receive(AgentEvent("zendesk", "999", "8:reply", REPLY, "Sam", "Hello?", START))
    assert unknown.outcome == KEPT and unknown.ticket_id is None
    assert [m.body for m in desk.store.kept_messages()] == ["Are you still there?", "Hello?"]


def test_the_quiet_notice_comes_once_per_silence(desk: Handoffs, ticket: str, clock: Clock) -> None:
    desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})
    quiet = timedelta(minutes=10)
    clock.advance(minutes=9)
    assert desk.store.claim_quiet(quiet) == []
    clock.advance(minutes=2)
    assert len(desk.store.claim_quiet(quiet)) == 1
    assert desk.store.claim_quiet(quiet) == []
    desk.store.receive(reply("3:reply", "Looking into it", clock.now))
    clock.advance(seconds=3)
    (batch,) = desk.store.due_batches(timedelta(seconds=2))
    desk.store.delivered(batch.messages[0])
    clock.advance(minutes=11)
    assert len(desk.store.claim_quiet(quiet)) == 1


def test_handback_and_close_follow_the_text_in_order(desk: Handoffs, ticket: str, clock: Clock) -> None:
    desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})
    desk.store.receive(reply("5:handback", "", START, HANDBACK))
    desk.store.receive(reply("5:reply", "All set, back to the bot", START))
    desk.store.receive(reply("closed:4242:solved", "", START + timedelta(seconds=1), CLOSED))
    clock.advance(seconds=5)
    (batch,) = desk.store.due_batches(timedelta(seconds=2))
    assert [m.kind for m in batch.messages] == [HANDBACK, REPLY, CLOSED]  # same time: arrival order


def test_person_comments_wait_for_the_ticket_then_reach_zendesk_in_order(
    desk: Handoffs,
    ticket_row_id: int,
    httpserver: HTTPServer,
    settings_for: Callable[..., HelpdeskSettings],
) -> None:
    for number in (1, 2, 3):
        assert desk.comments.add(ticket_row_id, f"person:{number}", f"message {number}")
    assert not desk.comments.add(ticket_row_id, "person:1", "message 1")  # queued once
    httpserver.expect_ordered_request("/api/v2/tickets/4242.json", method="PUT").respond_with_data(
        "", status=503
    )
    forwarder = forwarder_for(settings_for("zendesk", httpserver.url_for("")))
    assert forwarder is not None
    policy = RetryPolicy(15, 600)
    assert [s.outcome for s in desk.comments.send_due(forwarder, policy)] == [PENDING]  # stops at the first
    assert [c.state for c in desk.comments.comments(ticket_row_id)] == [PENDING] * 3
    desk.clock.advance(minutes=15)  # type: ignore[attr-defined]
    httpserver.clear()
    httpserver.expect_request("/api/v2/tickets/4242.json", method="PUT").respond_with_json({"ticket": {}})
    assert [s.outcome for s in desk.comments.send_due(forwarder, policy)] == [DELIVERED] * 3
    bodies = [r.get_json()["ticket"]["comment"] for r, _ in httpserver.log]
    assert [b["body"] for b in bodies] == [f"[mfa-recovery-bot] message {n}" for n in (1, 2, 3)]
    assert not any(b["public"] for b in bodies)


def test_a_refused_comment_is_kept_for_staff(
    desk: Handoffs,
    ticket_row_id: int,
    httpserver: HTTPServer,
    settings_for: Callable[..., HelpdeskSettings],
) -> None:
    desk.comments.add(ticket_row_id, "context:1", "the case")
    httpserver.expect_request("/api/v2/tickets/4242.json", method="PUT").respond_with_data("no", status=422)
    forwarder = forwarder_for(settings_for("zendesk", httpserver.url_for("")))
    assert forwarder is not None
    assert [s.outcome for s in desk.comments.send_due(forwarder, RetryPolicy(15, 600))] == [REJECTED]


def test_feedback_keeps_the_path_and_a_redacted_comment(desk: Handoffs, ticket: str) -> None:
    desk.feedback.record(
        sender_id="conversation-1",
        channel="slack",
        recovery_path="personal.locked_out",
        moment="agent",
        helped=True,
        comment="great, my password is Hunter2!x",
        ticket_public_id=ticket,
    )
    (answer,) = desk.feedback.answers()
    assert (answer.channel, answer.recovery_path, answer.moment, answer.helped) == (
        "slack",
        "personal.locked_out",
        "agent",
        True,
    )
    assert answer.ticket_id is not None and "Hunter2" not in (answer.comment or "")


def test_a_reminder_is_due_after_the_wait_and_sent_once(desk: Handoffs, clock: Clock) -> None:
    made = desk.reminders.schedule(
        sender_id="conversation-1", channel="slack", address={"channel": "D1"}, wait=WAITS["waiting_period"]
    )
    again = desk.reminders.schedule(
        sender_id="conversation-1", channel="slack", address={"channel": "D1"}, wait=WAITS["waiting_period"]
    )
    assert again.id == made.id and made.due_at == START + timedelta(days=30)
    clock.advance(days=29)
    assert desk.reminders.claim_due() == []
    clock.advance(days=1, seconds=1)
    (due,) = desk.reminders.claim_due()
    assert desk.reminders.claim_due() == []  # claimed
    desk.reminders.sent(due)
    clock.advance(days=1)
    assert desk.reminders.claim_due() == []


def test_staff_see_kept_replies_and_feedback(
    desk: Handoffs,
    ticket: str,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TICKETS_DB_URL", db_url)
    assert main(["handoff", "kept"]) == 0
    desk.store.receive(reply("9:reply", "Hello? Anyone there?", START))
    desk.feedback.record(
        sender_id="c", channel="slack", recovery_path="personal.locked_out", moment="steps", helped=False
    )
    assert main(["handoff", "kept"]) == 1
    assert main(["handoff", "feedback"]) == 0
    out = capsys.readouterr().out
    assert (
        "zendesk 4242  Sam: Hello? Anyone there?" in out
        and "not delivered: the conversation is not handed" in out
    )
    assert "steps   slack         personal.locked_out" in out


@pytest.mark.slow
def test_the_handoff_check_of_every_message_waits_out_a_postgresql_restart(
    make_request: Callable[..., TicketRequest],
) -> None:
    """Its connections are not pre-pinged (Database.read): a connection the restart killed
    fails once, and the retry every message makes gets a new one."""
    folder = PROJECT_ROOT / "var" / "tests" / f"postgres-{uuid.uuid4().hex[:8]}"  # postgres can read it
    try:
        with private_postgres(folder) as cluster:
            database = Database(cluster.url())
            upgrade(database.engine)
            desk = Handoffs(database, SETTINGS)
            ticket = TicketStore(database).open(make_request(), "zendesk").ticket.public_id
            desk.store.start(ticket, "conversation-1", "slack", {"channel": "D1"})
            assert desk.store.live_for("conversation-2") is None  # the read pool holds a connection now
            cluster.stop()
            back = threading.Timer(1.5, cluster.start)
            back.start()
            try:
                found = through_database_restart(lambda: desk.store.live_for("conversation-1"), "check")
            finally:
                back.join()
            assert found is not None and found.sender_id == "conversation-1"
            assert desk.store.live_for("conversation-2") is None
            database.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_disposing_the_database_closes_every_connection_the_check_used() -> None:
    """The staff commands and the servers' shutdown dispose the database: nothing stays open."""
    with throwaway_postgres("dispose") as url:
        database = Database(url)
        upgrade(database.engine)
        assert HandoffStore(database).live_for("conversation-1") is None  # both pools used
        database.dispose()
        admin = create_engine(ADMIN_URL, future=True)
        with admin.connect() as connection:
            open_ones = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": make_url(url).database},
            ).scalar()
        admin.dispose()
        assert open_ones == 0
