"""The figures staff read, computed from conversations Rasa stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine

from bot.__main__ import main as bot_main
from bot.analytics import build_report
from bot.analytics.report import parse_since
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
    assert (slack["contained"], slack["tickets"], slack["handoffs"]) == (0, 1, 0)
    assert report["totals"]["handoffs"] == 1


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
    # "left" stopped at the account type question; "asked_person" asked for a person (handoff);
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


def test_latency_and_feedback(events: Engine) -> None:
    totals = week(events)["totals"]
    assert totals["latency_p50_ms"] is not None and 0 < totals["latency_p50_ms"] < 1500
    assert totals["latency_p95_ms"] >= totals["latency_p50_ms"]
    assert totals["feedback_count"] == 1 and totals["feedback_mean"] == 5.0


def test_no_conversations_yet(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)
    report = week(engine)
    assert report["totals"]["conversations"] == 0
    assert report["feedback"] == {"count": 0, "mean": None, "distribution": {}}
    assert report["outbox"]["pending"] == 0


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
