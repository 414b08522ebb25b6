"""Retention and a person's data requests (`python -m bot privacy ...`) on SQLite and PostgreSQL:
conversations in Rasa's own SQL tracker store, tickets in the ticket database, an audit line each."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.__main__ import main
from bot.privacy.conversations import Conversations
from bot.tickets import Database, TicketRequest, TicketStore

NOW = datetime.now(timezone.utc)
MakeRequest = Callable[..., TicketRequest]


@pytest.fixture(scope="session")
def postgres_tracker_url(new_postgres_database: Callable[[str], str]) -> str:
    return new_postgres_database("tracker_privacy")


@pytest.fixture
def stores(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[dict[str, Any]]:
    """The ticket database and a Rasa tracker store of the same kind beside it; the CLI on both."""
    tracker_url = (
        f"sqlite:///{tmp_path / 'tracker.db'}"
        if db_url.startswith("sqlite")
        else request.getfixturevalue("postgres_tracker_url")
    )
    monkeypatch.setenv("TICKETS_DB_URL", db_url)
    monkeypatch.setenv("TRACKER_DB_URL", tracker_url)
    monkeypatch.setenv("AUDIT_LOG", str(tmp_path / "audit.log"))
    tracker_store = SQLTrackerStore(Domain.empty(), host=tracker_url)
    conversations = Conversations(tracker_url)
    used: list[str] = []

    def converse(said: str, when: datetime) -> str:
        sender = f"c-{secrets.token_hex(4)}"
        used.append(sender)
        at = when.timestamp()
        events = [
            SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
            UserUttered(said, timestamp=at + 1),
        ]
        asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))
        return sender

    yield {"converse": converse, "conversations": conversations, "audit": tmp_path / "audit.log"}
    conversations.delete(used)
    conversations.dispose()
    tracker_store.engine.dispose()


def ticket(db_url: str, request: TicketRequest, opened: datetime, *, close: bool = False) -> str:
    database = Database(db_url)
    try:
        store = TicketStore(database, clock=lambda: opened)
        public_id = store.open(request, helpdesk=None).ticket.public_id
        if close:
            store.close(public_id)
        return public_id
    finally:
        database.dispose()


def privacy(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["privacy", *args]) == 0
    return capsys.readouterr().out


def audit_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_purge_removes_idle_conversations_and_old_finished_tickets_only(
    db_url: str, stores: dict[str, Any], make_request: MakeRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    old_talk = stores["converse"]("I lost my phone", NOW - timedelta(days=40))
    new_talk = stores["converse"]("I lost my phone", NOW - timedelta(days=2))
    long_ago = NOW - timedelta(days=100)
    closed_old = ticket(db_url, make_request(sender_id="a"), long_ago, close=True)
    open_old = ticket(db_url, make_request(sender_id="b"), long_ago)
    closed_new = ticket(db_url, make_request(sender_id="c"), NOW - timedelta(days=5), close=True)

    assert "would delete 1 conversation(s)" in privacy(capsys, "purge", "--dry-run")
    assert stores["conversations"].events_of(old_talk)
    said = privacy(capsys, "purge")
    assert "deleted 1 conversation(s) idle over 30 days" in said
    assert "deleted 1 closed or forwarded ticket(s) older than 90 days" in said

    assert not stores["conversations"].events_of(old_talk) and stores["conversations"].events_of(new_talk)
    database = Database(db_url)
    remaining = {r.ticket.public_id for r in TicketStore(database).records()}
    database.dispose()
    assert closed_old not in remaining and {open_old, closed_new} <= remaining  # open ones wait for staff
    [line] = audit_lines(stores["audit"])
    assert line["action"] == "purge" and line["conversations"] == 1 and line["tickets"] == 1


def test_a_person_gets_their_data_by_email_and_then_has_it_deleted(
    db_url: str, stores: dict[str, Any], make_request: MakeRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    talk = stores["converse"]("please contact me at Jane.Doe@Example.com", NOW)
    other = stores["converse"]("I lost my phone", NOW)
    theirs = ticket(db_url, make_request(sender_id=talk, contact_email="jane.doe@example.com"), NOW)
    ticket(db_url, make_request(sender_id=other, contact_email="someone@example.com"), NOW)

    exported = json.loads(privacy(capsys, "export", "--email", "jane.doe@example.com"))
    assert [row["public_id"] for row in exported["tickets"]] == [theirs]
    assert list(exported["conversations"]) == [talk]
    assert "Jane.Doe@Example.com" in json.dumps(exported["conversations"][talk])

    assert "would delete 1 ticket(s) and 1 conversation(s)" in privacy(
        capsys, "delete", "--email", "jane.doe@example.com"
    )
    assert stores["conversations"].events_of(talk)
    assert "deleted 1 ticket(s) and 1 conversation(s)" in privacy(
        capsys, "delete", "--email", "jane.doe@example.com", "--yes"
    )
    again = json.loads(privacy(capsys, "export", "--email", "jane.doe@example.com"))
    assert again["tickets"] == [] and again["conversations"] == {}
    assert stores["conversations"].events_of(other)  # nobody else's data went

    lines = audit_lines(stores["audit"])
    assert [line["action"] for line in lines] == ["export", "delete", "export"]
    assert lines[1]["tickets"] == [theirs] and lines[1]["subject"].startswith("email:")
    assert "jane" not in stores["audit"].read_text(encoding="utf-8").lower()  # the trail holds no address


def test_a_conversation_id_finds_that_conversation_and_its_tickets(
    db_url: str, stores: dict[str, Any], make_request: MakeRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    talk = stores["converse"]("I lost my phone", NOW)
    theirs = ticket(db_url, make_request(sender_id=talk), NOW)
    exported = json.loads(privacy(capsys, "export", "--conversation", talk))
    assert [row["public_id"] for row in exported["tickets"]] == [theirs] and list(
        exported["conversations"]
    ) == [talk]
    privacy(capsys, "delete", "--conversation", talk, "--yes")
    assert not stores["conversations"].events_of(talk)


def test_a_request_names_exactly_one_person(
    capsys: pytest.CaptureFixture[str], db_url: str, stores: dict[str, Any]
) -> None:
    assert main(["privacy", "export"]) != 0
    assert "exactly one of --email or --conversation" in capsys.readouterr().err
