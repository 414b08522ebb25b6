"""The tracker store endpoints.yml names, on real PostgreSQL and Redis: Redis serves the live
session, SQL keeps the record, and neither a lost Redis nor a second server loses a turn."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from collections.abc import Iterator

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.live_sessions import key as live_key
from bot.privacy.conversations import Conversations
from bot.settings import PROJECT_ROOT
from rasa_addons.importer import project_domain
from rasa_addons.tracker_store import LiveTrackerStore
from tools.databases import REDIS_URL, throwaway_postgres
from tools.services import private_postgres

DOMAIN = project_domain()


@pytest.fixture
def database() -> Iterator[str]:
    with throwaway_postgres("live_tracker") as url:
        yield url


def store(url: str) -> LiveTrackerStore:
    return LiveTrackerStore(DOMAIN, redis_url=REDIS_URL, host=url)


def turn(text: str) -> list[Event]:
    return [
        UserUttered(text, {"name": "inform", "confidence": 0.9}),
        SlotSet("account_type", "personal"),
        ActionExecuted("recovery_form"),
        BotUttered(f"answer to {text}"),
        ActionExecuted("action_listen"),
    ]


def say(live: LiveTrackerStore, sender: str, text: str, new_session: bool = False) -> None:
    """One message as Rasa's processor handles it: read, add the turn's events, save."""

    async def handle() -> None:
        tracker = await live.retrieve(sender) or await live.create_tracker(sender)
        if new_session or not any(isinstance(e, SessionStarted) for e in tracker.events):
            for event in (ActionExecuted("action_session_start"), SessionStarted()):
                tracker.update(event)
        for event in turn(text):
            tracker.update(event)
        await live.save(tracker)

    asyncio.run(handle())


def texts(tracker: DialogueStateTracker | None) -> list[str]:
    assert tracker is not None
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def sql_view(url: str, sender: str) -> DialogueStateTracker | None:
    sql = SQLTrackerStore(DOMAIN, host=url)
    try:
        return asyncio.run(sql.retrieve(sender))
    finally:
        sql.engine.dispose()


def test_the_live_session_comes_from_redis_and_sql_holds_the_same(database: str) -> None:
    live, sender = store(database), uuid.uuid4().hex
    for text in ("one", "two", "three"):
        say(live, sender, text)
    assert live.red is not None and live.red.llen(live_key(sender)) > 0
    from_redis = asyncio.run(live.retrieve(sender))
    assert texts(from_redis) == ["one", "two", "three"]
    from_sql = sql_view(database, sender)
    assert from_sql is not None
    assert [e.as_dict() for e in from_redis.events] == [e.as_dict() for e in from_sql.events]


def test_a_conversation_survives_losing_redis(database: str) -> None:
    live, sender = store(database), uuid.uuid4().hex
    say(live, sender, "one")
    live.red.delete(live_key(sender))  # Redis restarted (it keeps nothing on disk here)
    say(live, sender, "two")
    assert texts(asyncio.run(live.retrieve(sender))) == ["one", "two"]
    assert texts(sql_view(database, sender)) == ["one", "two"]


def test_two_servers_alternating_lose_no_turn(database: str) -> None:
    first, second, sender = store(database), store(database), uuid.uuid4().hex
    for number in range(6):
        say((first, second)[number % 2], sender, f"message {number}")
    expected = [f"message {n}" for n in range(6)]
    assert texts(asyncio.run(first.retrieve(sender))) == expected
    assert texts(sql_view(database, sender)) == expected


def test_redis_never_serves_a_session_with_a_hole(database: str) -> None:
    live, sender = store(database), uuid.uuid4().hex
    say(live, sender, "one")
    tracker = asyncio.run(live.retrieve(sender))
    live.red.rpop(live_key(sender))  # the list no longer holds what this save started from
    for event in turn("two"):
        tracker.update(event)
    asyncio.run(live.save(tracker))
    assert not live.red.exists(live_key(sender))
    assert texts(asyncio.run(live.retrieve(sender))) == ["one", "two"]  # read from SQL, refilled


def test_a_new_session_starts_a_short_live_tracker(database: str) -> None:
    live, sender = store(database), uuid.uuid4().hex
    say(live, sender, "yesterday")
    say(live, sender, "today", new_session=True)
    assert texts(asyncio.run(live.retrieve(sender))) == ["today"]
    full = asyncio.run(live.retrieve_full_tracker(sender))
    assert texts(full) == ["yesterday", "today"]


def test_a_conversation_found_empty_then_created_elsewhere_is_not_stored_twice(database: str) -> None:
    first, second, sender = store(database), store(database), uuid.uuid4().hex
    assert asyncio.run(first.retrieve(sender)) is None  # a look-up that creates nothing
    say(second, sender, "one")  # the other server starts the conversation
    stored = sql_view(database, sender)
    assert stored is not None
    copy = DialogueStateTracker.from_events(sender, [*stored.events, *turn("two")], DOMAIN.slots)
    asyncio.run(first.save(copy))  # a copy that does not know what is stored: counted, not assumed new
    assert texts(sql_view(database, sender)) == ["one", "two"]


def test_a_conversation_created_empty_as_rasas_processor_does_is_stored_once(database: str) -> None:
    live, sender = store(database), uuid.uuid4().hex

    async def first_message() -> None:
        tracker = await live.get_or_create_tracker(sender, append_action_listen=False)  # saved empty
        for event in (ActionExecuted("action_session_start"), SessionStarted(), *turn("one")):
            tracker.update(event)
        await live.save(tracker)

    asyncio.run(first_message())
    say(live, sender, "two")
    stored = sql_view(database, sender)
    assert texts(stored) == ["one", "two"]
    assert stored is not None and len(stored.events) == 1 + 2 * len(turn("x"))  # from SessionStarted
    from_redis = asyncio.run(live.retrieve(sender))
    assert from_redis is not None and [e.as_dict() for e in from_redis.events] == [
        e.as_dict() for e in stored.events
    ]


def test_a_conversation_deleted_for_privacy_is_not_read_back_from_redis(database: str) -> None:
    live, sender, other = store(database), uuid.uuid4().hex, uuid.uuid4().hex
    say(live, sender, "my phone is gone")
    say(live, other, "someone else")
    conversations = Conversations(database, REDIS_URL)
    try:
        assert conversations.delete([sender]) > 0
    finally:
        conversations.dispose()
    assert asyncio.run(live.retrieve(sender)) is None  # neither in SQL nor in the live copy
    assert texts(asyncio.run(live.retrieve(other))) == ["someone else"]


@pytest.mark.parametrize("setting", ["off", "on"])
def test_turns_are_appended_with_the_configured_flush_wait(
    database: str, setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_SYNCHRONOUS_COMMIT", setting)
    live, sender = store(database), uuid.uuid4().hex
    say(live, sender, "one")  # appended through the appending connections
    with live._appends.connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == setting
    assert texts(sql_view(database, sender)) == ["one"]


@pytest.mark.slow
def test_a_turn_saved_while_postgresql_restarts_is_kept() -> None:
    """The appending connections are not pre-pinged: the one the restart killed fails once, and
    the save's retry writes the turn on a new one."""
    folder = PROJECT_ROOT / "var" / "tests" / f"postgres-{uuid.uuid4().hex[:8]}"  # postgres can read it
    try:
        with private_postgres(folder) as cluster:
            live, sender = store(cluster.url()), uuid.uuid4().hex
            say(live, sender, "before")
            cluster.stop()
            back = threading.Timer(1.5, cluster.start)
            back.start()
            try:
                say(live, sender, "during")
            finally:
                back.join()
            assert texts(sql_view(cluster.url(), sender)) == ["before", "during"]
            live.engine.dispose()
            live._appends.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
