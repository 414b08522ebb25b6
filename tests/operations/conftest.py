"""Conversations stored the way Rasa stores them (its own SQLTrackerStore), for the figures."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

NOW = datetime.now(timezone.utc).replace(microsecond=0)  # the report command reads up to now
YESTERDAY = NOW - timedelta(days=1)


class Script:
    """Events of one conversation, each a given number of seconds after the start."""

    def __init__(self, start: datetime, channel: str) -> None:
        self.start = start
        self.clock = start.timestamp()
        self.channel = channel
        self.events: list[Event] = []

    def _at(self, seconds: float) -> float:
        self.clock += seconds
        return self.clock

    def user(self, text: str, intent: str, after: float = 5.0) -> Script:
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
        self.events.append(
            UserUttered(
                text, parse["intent"], [], parse, timestamp=self._at(after), input_channel=self.channel
            )
        )
        return self

    def bot(self, response: str, after: float = 0.05) -> Script:
        self.events.append(
            BotUttered(f"({response})", metadata={"utter_action": response}, timestamp=self._at(after))
        )
        return self

    def action(self, name: str) -> Script:
        self.events.append(ActionExecuted(name, timestamp=self._at(0.01)))
        return self

    def slot(self, name: str, value: Any) -> Script:
        self.events.append(SlotSet(name, value, timestamp=self._at(0.01)))
        return self

    def new_session(self, after: float) -> Script:
        self.events.append(SessionStarted(timestamp=self._at(after)))
        return self


def served(script: Script, path: str) -> Script:
    return (
        script.action("action_serve_recovery_path")
        .slot("recovery_path", path)
        .bot("utter_steps")
        .action("utter_ask_steps_worked")
        .bot("utter_ask_steps_worked", after=0.01)
    )


def scripted_conversations() -> dict[str, Script]:
    """Six conversations over two days and three channels (what each shows is its name)."""
    worked = served(
        Script(YESTERDAY, "rest")
        .user("lost my phone", "report_problem")
        .bot("utter_ask_account_type", 0.1)
        .user("outlook", "inform", 20)
        .bot("utter_ask_lockout_state", 0.3)
        .user("fully locked out", "state_locked_out", 20),
        "personal.locked_out",
    )
    worked.user("yes it worked", "affirm", 60).action("utter_glad_it_worked").bot("utter_glad_it_worked", 0.2)

    ticket = served(
        Script(NOW - timedelta(hours=3), "slack").user("admin locked out", "report_problem"),
        "work_school.admin_locked_out",
    )
    ticket.user("no", "deny", 30).action("action_steps_did_not_work").bot("utter_offer_ticket", 0.4)
    ticket.user("a.person@example.com", "give_email").bot("utter_ticket_opened", 1.0).slot(
        "ticket_id", "RB-7K3M9Q"
    )

    left = (
        Script(NOW - timedelta(hours=2), "socketio")
        .user("my password is Hunter2!x and call me on +44 7700 900123", "nlu_fallback")
        .bot("utter_fallback", 0.2)
        .user("xyzzy plugh", "cancel", 5)
        .action("action_default_fallback")
        .bot("utter_default", 0.1)
        .user("lost phone", "report_problem", 10)
        .bot("utter_ask_account_type", 0.2)
    )

    asked_person = (  # a ticket, then a live agent took over (the handoff row: test_analytics.py)
        Script(NOW - timedelta(hours=1), "socketio")
        .user("i want a human", "request_human")
        .bot("utter_ask_contact_email", 0.1)
        .user("sam@example.com", "give_email")
        .slot("ticket_id", "RB-4H2N8P")
        .bot("utter_handoff_offer_live", 0.1)
        .user("Chat with a person now", "handoff_live")
        .action("action_start_handoff")
        .bot("utter_handoff_started", 0.1)
    )
    twice = served(
        Script(NOW - timedelta(hours=5), "rest").user("blah blah", "nlu_fallback").bot("utter_fallback"),
        "work_school.has_other_method",
    )
    twice.user("worked", "affirm").action("utter_glad_it_worked").bot("utter_glad_it_worked")
    twice.new_session(3600).user("BLAH   blah", "nlu_fallback").bot("utter_fallback")
    old = Script(NOW - timedelta(days=30), "rest").user("hello", "greet").bot("utter_greet")
    return {
        "worked": worked,
        "ticket": ticket,
        "left": left,
        "asked_person": asked_person,
        "twice": twice,
        "old": old,
    }


def store_conversations(url: str) -> None:
    """Saves the scripted conversations through Rasa's own SQL tracker store at `url`."""
    store = SQLTrackerStore(Domain.empty(), host=url)

    async def save_all() -> None:
        for sender, script in scripted_conversations().items():
            await store.save(DialogueStateTracker.from_events(sender, script.events))

    asyncio.run(save_all())
    store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A tracker database holding the scripted conversations, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")("tracker_test")
    store_conversations(url)
    yield url
