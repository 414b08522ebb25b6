"""The figures staff read, computed from conversations Rasa stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine

from bot.__main__ import main as bot_main
from bot.analytics import build_report
from bot.analytics.report import parse_since, to_csv
from bot.handoff import Handoffs
from bot.handoff.models import HANDBACK, REPLY, Handoff
from bot.handoff.store import NEW
from bot.handoff.webhooks import AgentEvent
from bot.settings import HandoffSettings
from bot.tickets import migrate
from bot.tickets.db import Database
from bot.tickets.models import REJECTED, Delivery, DeliveryAttempt, deliveries
from bot.tickets.request import TicketRequest
from bot.tickets.store import TicketStore
from tests.operations.conftest import NOW, YESTERDAY, scripted_conversations


@pytest.fixture
def events(tracker_db_url: str) -> Iterator[Engine]:
    engine = create_engine(tracker_db_url, future=True)
    yield engine
    engine.dispose()


def week(events: Engine, tickets: Engine | None = None, idle_seconds: float = 1800):
    return build_report(events, tickets, NOW - timedelta(days=7), NOW, idle_seconds=idle_seconds).as_dict()


def test_conversations_per_day_and_channel(events: Engine) -> None:
    report = week(events)
    rows = {(row["day"], row["channel"]): row for row in report["daily"]}
    scripts = scripted_conversations()
    day = {name: script.start.date().isoformat() for name, script in scripts.items()}
    assert set(rows) == {
        (day["worked"], "rest"),
        (day["twice"], "rest"),
        (day["ticket"], "slack"),
        (day["left"], "widget"),
        (day["asked_person"], "widget"),
    }
    assert day["worked"] == YESTERDAY.date().isoformat()
    if day["left"] == day["asked_person"]:
        assert rows[(day["left"], "widget")]["conversations"] == 2  # the socket.io channel is the widget
    assert (
        sum(row["conversations"] for row in report["daily"] if row["channel"] == "rest") == 3
    )  # two sessions
    assert report["totals"]["conversations"] == 6  # the month-old one is outside the window
    assert report["channels"] == ["rest", "slack", "widget"]


def test_containment_counts_it_worked_without_a_ticket_or_person(events: Engine) -> None:
    report = week(events)
    assert report["totals"]["contained"] == 2
    assert report["totals"]["containment_rate"] == round(2 / 6, 3)
    slack = next(row for row in report["daily"] if row["channel"] == "slack")
    assert (slack["contained"], slack["tickets"]) == (0, 1)
    assert report["totals"]["tickets"] == 2  # the widget's "asked_person" too, handed to an agent


def test_paths_with_their_success(events: Engine) -> None:
    paths = {row["path"]: row for row in week(events)["paths"]}
    assert paths["personal.locked_out"] == {
        "path": "personal.locked_out",
        "served": 1,
        "worked": 1,
        "did_not_work": 0,
        "success_rate": 1.0,
    }
    assert paths["work_school.admin_locked_out"]["did_not_work"] == 1
    assert paths["work_school.admin_locked_out"]["success_rate"] == 0.0


def test_drop_offs_are_the_last_question_of_quiet_unresolved_conversations(events: Engine) -> None:
    dropoffs = {row["question"]: row["conversations"] for row in week(events)["dropoffs"]}
    # "left" stopped at the account type question; "asked_person" has a ticket (and a handoff);
    # the second session of "twice" ended after the fallback.
    assert dropoffs == {"utter_ask_account_type": 1, "utter_fallback": 1}
    recent = week(events, idle_seconds=3 * 3600)  # still possibly typing: not dropped yet
    assert {row["question"] for row in recent["dropoffs"]} == {"utter_fallback"}


def test_not_understood_messages_are_masked_and_counted(events: Engine) -> None:
    not_understood = week(events)["not_understood"]
    texts = {row["text"]: row["count"] for row in not_understood}
    assert texts.pop("blah blah") == 2  # the same phrasing, whatever its case and spacing
    assert texts.pop("xyzzy plugh") == 1  # read as an intent, but the bot fell back
    (shown,) = texts
    assert "hunter2" not in shown.lower() and "7700" not in shown
    assert "[" in shown  # what was masked is marked


def test_latency(events: Engine) -> None:
    totals = week(events)["totals"]
    assert totals["latency_p50_ms"] is not None and 0 < totals["latency_p50_ms"] < 1500
    assert totals["latency_p95_ms"] >= totals["latency_p50_ms"]


NO_FEEDBACK = {"count": 0, "helped": 0, "not_helped": 0, "helped_rate": None, "rows": []}
NO_HANDOFFS = {"started": 0, "handed_back": 0, "agent_replies": 0, "ended_by": {}, "daily": []}


def test_no_conversations_yet(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)
    report = week(engine)
    assert report["totals"]["conversations"] == 0
    assert report["feedback"] == NO_FEEDBACK
    assert report["handoffs"] == NO_HANDOFFS
    assert report["outbox"]["pending"] == 0


def test_a_ticket_database_without_handoffs_yet(tmp_path: Path, events: Engine) -> None:
    unmigrated = create_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}", future=True)
    empty = Database(f"sqlite:///{tmp_path / 'tickets.db'}")
    migrate.upgrade(empty.engine)
    for tickets in (unmigrated, empty.engine):
        report = week(events, tickets)
        assert report["totals"]["conversations"] == 6
        assert (report["handoffs"], report["feedback"]) == (NO_HANDOFFS, NO_FEEDBACK)
        assert report["totals"]["handoffs"] == 0 and report["totals"]["feedback_helped_rate"] is None
    unmigrated.dispose()
    empty.dispose()


def test_outbox_pending_retried_failed(tmp_path: Path, events: Engine) -> None:
    database = Database(f"sqlite:///{tmp_path / 'tickets.db'}")
    migrate.upgrade(database.engine)
    store = TicketStore(database, clock=lambda: NOW)
    opened = [
        store.open(TicketRequest("rest", f"sender-{n}", "s1", "a@example.com"), "webhook").ticket
        for n in range(3)
    ]
    with database.session() as session:
        first, second = (session.query(Delivery).filter_by(ticket_id=t.id).one() for t in opened[:2])
        session.execute(update(deliveries).where(deliveries.c.id == first.id).values(attempts=2))
        session.execute(
            update(deliveries).where(deliveries.c.id == second.id).values(state=REJECTED, attempts=1)
        )
        session.add(DeliveryAttempt(first.id, NOW, NOW, "retry", 503, "helpdesk down"))
    outbox = week(events, database.engine)["outbox"]
    assert {k: outbox[k] for k in ("pending", "retrying", "failed", "failed_attempts")} == {
        "pending": 2,
        "retrying": 1,
        "failed": 1,
        "failed_attempts": 1,
    }
    database.dispose()


def test_since_accepts_durations_and_dates() -> None:
    assert parse_since("7d", NOW) == NOW - timedelta(days=7)
    assert parse_since("90m", NOW) == NOW - timedelta(minutes=90)
    assert parse_since("2026-12-01", NOW).isoformat() == "2026-12-01T00:00:00+00:00"
    with pytest.raises(ValueError, match=r"expected e\.g\. 7d"):
        parse_since("last week", NOW)


@pytest.mark.parametrize("tracker_db_url", ["sqlite"], indirect=True)
def test_report_command_prints_json_and_csv(
    tracker_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACKER_DB_URL", tracker_db_url)
    monkeypatch.setenv("TICKETS_DB_URL", f"sqlite:///{tmp_path / 'no-tickets-yet.db'}")
    assert bot_main(["report", "--since", "3650d"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["conversations"] == 7
    assert bot_main(["report", "--since", "3650d", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("day,channel,conversations,messages,contained,containment_rate,tickets")
    assert len(lines) == 1 + len(report["daily"])
    assert bot_main(["report", "--since", "3650d", "--format", "csv", "--table", "paths"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "path,served,worked,did_not_work,success_rate"
    assert bot_main(["report", "--since", "yesterday-ish"]) == 2
    assert "expected e.g. 7d" in capsys.readouterr().err


class Clock:
    """The handoff stores' clock: each row is written at the moment the test sets."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(tracker_db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Handoffs]:
    """bot/handoff over a migrated ticket database on the tracker's backend (SQLite or PostgreSQL)."""
    if tracker_db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")("analytics_tickets")
    database = Database(url)
    migrate.upgrade(database.engine)
    yield Handoffs(database, HandoffSettings.from_env(), Clock())
    database.dispose()


def at(desk: Handoffs, moment: datetime) -> Handoffs:
    desk.clock.now = moment  # type: ignore[attr-defined]
    return desk


def handed_over(desk: Handoffs, sender: str, channel: str, moment: datetime) -> Handoff:
    """A ticket opened and handed to an agent at `moment`, as actions/handoff.py does it."""
    ticket = TicketStore(desk.db, clock=lambda: moment).open(
        TicketRequest(channel, sender, uuid.uuid4().hex, "a@example.com"),
        "zendesk",  # a new session each
    )
    return at(desk, moment).store.start(ticket.ticket.public_id, sender, channel, {"room": sender})


def agent_writes(desk: Handoffs, handoff: Handoff, kind: str, moment: datetime) -> None:
    """The helpdesk webhook reports an agent's reply or hand-back; the relay delivers or ends it."""
    public_id = desk.store.ticket_of(handoff).public_id
    event = AgentEvent("zendesk", public_id, f"{public_id}:{moment.timestamp()}", kind, "Sam", "hi", moment)
    assert at(desk, moment).store.receive(event).outcome == NEW
    if kind == HANDBACK:
        assert desk.store.end(handoff.id, "agent")  # type: ignore[arg-type]
        return
    at(desk, moment + timedelta(seconds=5))
    for batch in desk.store.due_batches(timedelta(seconds=2)):
        for message in batch.messages:
            desk.store.delivered(message)


def answered(
    desk: Handoffs, channel: str, path: str | None, moment: str, helped: bool, when: datetime
) -> None:
    """One tap on the question of `moment`, stored as actions/handoff.py stores it."""
    sender = f"sender-{when.timestamp()}"
    at(desk, when).feedback.record(
        sender_id=sender, channel=channel, recovery_path=path, moment=moment, helped=helped
    )


def test_handoffs_per_day_and_channel_from_the_handoff_tables(events: Engine, desk: Handoffs) -> None:
    widget_at, slack_at, teams_at = NOW - timedelta(hours=1), NOW - timedelta(hours=3), YESTERDAY
    widget = handed_over(desk, "asked_person", "socketio", widget_at)
    agent_writes(desk, widget, REPLY, widget_at + timedelta(minutes=2))
    agent_writes(desk, widget, REPLY, widget_at + timedelta(minutes=4))
    agent_writes(desk, widget, HANDBACK, widget_at + timedelta(minutes=6))
    slack = handed_over(desk, "ticket", "slack", slack_at)  # an agent still holds it
    agent_writes(desk, slack, REPLY, slack_at + timedelta(minutes=1))
    handed_over(desk, "teams-person", "botframework", teams_at)  # replaced by a second ticket's handoff
    handed_over(desk, "teams-person", "botframework", teams_at)  # (same moment: the same day)
    person_left = handed_over(desk, "left-agent", "slack", slack_at)
    assert at(desk, slack_at + timedelta(minutes=20)).store.end(person_left.id, "person")  # type: ignore[arg-type]
    handed_over(desk, "long-ago", "slack", NOW - timedelta(days=30))  # outside the week

    report = week(events, desk.db.engine)
    rows = {(row["day"], row["channel"]): row for row in report["daily"]}
    figures = ("handoffs", "handed_back", "agent_replies")
    assert tuple(rows[(widget_at.date().isoformat(), "widget")][f] for f in figures) == (1, 1, 2)
    assert tuple(rows[(slack_at.date().isoformat(), "slack")][f] for f in figures) == (2, 1, 1)
    assert tuple(rows[(teams_at.date().isoformat(), "teams")][f] for f in figures) == (2, 0, 0)
    assert rows[(teams_at.date().isoformat(), "teams")]["conversations"] == 0  # no events, still a row
    assert (report["totals"]["handoffs"], report["totals"]["handed_back"]) == (5, 2)
    handoffs = report["handoffs"]
    assert handoffs["ended_by"] == {"agent": 1, "person": 1, "replaced": 1, "still with an agent": 2}
    assert handoffs["agent_replies"] == 3  # the hand-back command is not a reply
    assert sum(row["started"] for row in handoffs["daily"]) == 5
    assert report["totals"]["contained"] == 2  # the handed-over conversations were not the bot's alone
    table = to_csv(build_report(events, desk.db.engine, NOW - timedelta(days=7), NOW).table("handoffs"))
    assert table.splitlines()[0] == "day,channel,started,handed_back,agent_replies"
    assert f"{widget_at.date().isoformat()},widget,1,1,2" in table.splitlines()


def test_feedback_per_question_path_and_channel(events: Engine, desk: Handoffs) -> None:
    earlier = NOW - timedelta(hours=2)
    answered(desk, "rest", "personal.locked_out", "steps", True, YESTERDAY)
    answered(desk, "rest", "work_school.has_other_method", "steps", True, earlier)
    answered(desk, "rest", "work_school.has_other_method", "steps", False, earlier)
    answered(desk, "slack", "work_school.admin_locked_out", "steps", False, earlier)
    answered(desk, "socketio", "work_school.admin_locked_out", "agent", True, earlier)
    answered(desk, "socketio", None, "agent", False, earlier)
    answered(desk, "rest", "personal.locked_out", "steps", False, NOW - timedelta(days=30))  # outside

    report = week(events, desk.db.engine)
    feedback = report["feedback"]
    assert (feedback["count"], feedback["helped"], feedback["not_helped"]) == (6, 3, 3)
    assert feedback["helped_rate"] == 0.5
    rows = {(row["question"], row["path"], row["channel"]): row for row in feedback["rows"]}
    back_in, helped = "Did that get you back in?", "Did this help?"
    assert set(rows) == {
        (back_in, "personal.locked_out", "rest"),
        (back_in, "work_school.has_other_method", "rest"),
        (back_in, "work_school.admin_locked_out", "slack"),
        (helped, "work_school.admin_locked_out", "widget"),
        (helped, "(no path)", "widget"),
    }
    mixed = rows[(back_in, "work_school.has_other_method", "rest")]
    assert (mixed["helped"], mixed["not_helped"], mixed["helped_rate"]) == (1, 1, 0.5)
    assert rows[(helped, "work_school.admin_locked_out", "widget")]["moment"] == "agent"
    day_rows = {(row["day"], row["channel"]): row for row in report["daily"]}
    rest_earlier = day_rows[(earlier.date().isoformat(), "rest")]
    assert (rest_earlier["feedback_helped"], rest_earlier["feedback_not_helped"]) == (
        1 + (earlier.date() == YESTERDAY.date()),
        1,
    )
    lines = to_csv(build_report(events, desk.db.engine, NOW - timedelta(days=7), NOW).table("feedback"))
    assert lines.splitlines()[0] == "question,moment,path,channel,helped,not_helped,helped_rate"
    assert len(lines.splitlines()) == 1 + 5
