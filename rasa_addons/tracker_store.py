"""The tracker store endpoints.yml names: conversations kept in SQL, live sessions read from Redis.

Rasa's SQL tracker store reads a conversation's whole current session from the database and
replays it for every message, and counts the stored events before every save. Here:

- every save appends the new events to SQL (the record: restarts, the HTTP API's full tracker,
  history) in one transaction, run in a worker thread so the event loop keeps serving, and
  retried for a few seconds so that a database restart delays a turn instead of losing it;
- with LOCK_STORE_URL set, the current session's events are also kept as a Redis list, which
  the next message of the conversation reads on any server (one LRANGE, no SQL). A miss (a new
  conversation, an expired session, a restarted Redis) reads SQL and fills Redis again. The
  list is appended only when it holds exactly the events this save started from, otherwise it
  is dropped, so Redis never serves a conversation with a hole.

Commits of conversation events to PostgreSQL do not wait for the disk flush
(synchronous_commit=off for the connections that append the turns; TRACKER_SYNCHRONOUS_COMMIT=on restores
it): a flush cost 4 to 8 ms per message here. A clean PostgreSQL restart loses nothing; a
crash of the database server may lose its last fraction of a second of conversation events,
which the live copy in Redis still holds. Tickets are never written this way (bot/tickets).

Without LOCK_STORE_URL it is the SQL store alone (one machine, SQLite by default).
docs/benchmarks.md has what each choice cost and saved, measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Sequence
from typing import Any

import redis
import sqlalchemy as sa
import ujson
from rasa.core.tracker_store import create_engine_kwargs, is_postgresql_url
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses

from bot.live_sessions import key as live_key
from bot.live_sessions import redis_client
from bot.postgres import one_round_trip_engine
from bot.retrying import through_database_restart
from bot.settings import Settings
from rasa_addons.stores import EnvSQLTrackerStore

logger = logging.getLogger(__name__)

# A live session stays in Redis this long after its last message (Rasa starts a new session
# after session_expiration_time anyway; an expired key is read from SQL once).
MIN_LIVE_SECONDS = 3600

# Conversations found empty and not yet created that the store remembers (see save).
MAX_ABSENT = 1000

# The event count a tracker had when it was read, kept on the tracker object itself: the save
# of that object appends what came after (a copy without it counts the stored events).
_READ_LENGTH = "_recovery_bot_stored_events"

# Appends ARGV[3..] to the list KEYS[1] when it holds ARGV[1] events (or replaces it when
# ARGV[1] is -1); otherwise deletes it. ARGV[2]: expiry in seconds.
_APPEND = """
local expected = tonumber(ARGV[1])
if expected >= 0 and redis.call('LLEN', KEYS[1]) ~= expected then
  redis.call('DEL', KEYS[1])
  return 0
end
if expected < 0 then redis.call('DEL', KEYS[1]) end
if #ARGV > 2 then redis.call('RPUSH', KEYS[1], unpack(ARGV, 3)) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


def _appending_engine(url: sa.engine.URL, synchronous_commit: str) -> sa.engine.Engine:
    """The engine of the turns' INSERTs on PostgreSQL: a turn's INSERT is one statement, atomic
    by itself, so one round trip (bot/postgres.py). synchronous_commit is set when each
    connection starts (libpq options), beside Rasa's own (a schema's search path)."""
    options = create_engine_kwargs(url).get("connect_args", {}).get("options")
    flush = f"-c synchronous_commit={synchronous_commit}"
    return one_round_trip_engine(url, connect_args={"options": f"{options} {flush}" if options else flush})


@functools.cache
def _event_classes() -> dict[str, type[Event]]:
    """Event classes by type name, as Event.resolve_by_type finds them (the first one wins).

    Rasa lists every subclass of Event again for each event it reads: a third of reading a
    conversation's events.
    """
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def _events(serialised: list[dict[str, Any]]) -> list[Event]:
    """rasa.shared.core.events.deserialise_events with the class look-up made once."""
    classes, events = _event_classes(), []
    for data in serialised:
        cls = classes.get(data.get("event", ""))
        event = cls._from_parameters(data) if cls else Event.from_parameters(data)
        if event:
            events.append(event)
    return events


def _current_session(events: Sequence[Event]) -> int:
    """Index of the latest SessionStarted (where SQL's "current session" begins), or 0."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], SessionStarted):
            return index
    return 0


class LiveTrackerStore(EnvSQLTrackerStore):
    """The SQL tracker store (TRACKER_DB_URL, pre-pinged) with the live session in Redis (see above)."""

    def __init__(self, domain: Domain | None = None, redis_url: str | None = None, **kwargs: Any) -> None:
        """`redis_url` defaults to LOCK_STORE_URL (the lock's Redis); empty: SQL alone."""
        super().__init__(domain=domain, **kwargs)
        settings = Settings.from_env()
        self._appends = self.engine
        if is_postgresql_url(self.engine.url):
            self._appends = _appending_engine(self.engine.url, settings.tracker_synchronous_commit)
        url = settings.lock_store_url if redis_url is None else redis_url
        self.red: redis.Redis | None = redis_client(url) if url else None
        self._append = self.red.register_script(_APPEND) if self.red is not None else None
        expiry_minutes = float(getattr(self.domain.session_config, "session_expiration_time", 0) or 0)
        self.live_seconds = max(MIN_LIVE_SECONDS, int(expiry_minutes * 60) + 600)
        # Conversations this store just found empty, by the task that will create them: their
        # first save needs no count of the stored events (see save).
        self._absent: dict[str, asyncio.Task[Any] | None] = {}

    # --- reading ------------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        live = self._live_events(sender_id)
        if live is not None:
            tracker = DialogueStateTracker.from_events(sender_id, _events(live), self.domain.slots)
        else:
            tracker = await asyncio.to_thread(self._sql_retrieve, sender_id)
            if tracker is not None:
                self._refill(sender_id, tracker.events)
        if tracker is not None:
            setattr(tracker, _READ_LENGTH, len(tracker.events))
        else:  # Rasa creates the tracker and saves it next, in this same task
            if len(self._absent) > MAX_ABSENT:  # looked up and never created (the HTTP API)
                self._absent.clear()
            self._absent[sender_id] = asyncio.current_task()
        return tracker

    def _sql_retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Rasa's SQL read (synchronous inside its coroutine), in this worker thread."""
        read = super().retrieve
        return through_database_restart(lambda: asyncio.run(read(sender_id)), "tracker read")

    def _live_events(self, sender_id: str) -> list[dict[str, Any]] | None:
        if self.red is None:
            return None
        try:
            stored = self.red.lrange(live_key(sender_id), 0, -1)
        except redis.RedisError as error:
            logger.warning("live conversations: Redis unavailable, reading SQL (%s)", error)
            return None
        return [ujson.loads(item) for item in stored] if stored else None  # ujson: Rasa's, 2-3x json

    def _refill(self, sender_id: str, events: Sequence[Event]) -> None:
        if self._append is None:  # SQL alone: nothing to fill
            return
        current = list(events)[_current_session(events) :]
        self._push(sender_id, -1, [json.dumps(e.as_dict()) for e in current])

    # --- writing ------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        base = getattr(tracker, _READ_LENGTH, None)
        created_here = self._absent.pop(sender_id, None) is asyncio.current_task()
        if created_here and base is None:
            base = 0  # nothing was stored a moment ago, and the conversation's lock is held
        elif not isinstance(base, int) or base > len(tracker.events):
            base = await asyncio.to_thread(self._stored_count, sender_id)
        new = list(tracker.events)[base:]
        if not new:  # Rasa saves a new conversation before it has events: the count is known
            setattr(tracker, _READ_LENGTH, base)
            return
        serialised = [e.as_dict() for e in new]
        texts = [json.dumps(data) for data in serialised]  # once, for SQL and Redis
        # SQL first: a live list never holds events the record lacks, even if this process dies here.
        await asyncio.to_thread(self._sql_append, sender_id, new, serialised, texts)
        if self._append is not None:
            starts = [i for i, e in enumerate(new) if isinstance(e, SessionStarted)]
            if starts:  # a new session: the live list restarts with it
                self._push(sender_id, -1, texts[starts[-1] :])
            else:
                live_base = len(tracker.events) - len(new) - _current_session(tracker.events)
                self._push(sender_id, live_base, texts)
        setattr(tracker, _READ_LENGTH, len(tracker.events))

    def _stored_count(self, sender_id: str) -> int:
        """Events of the current session already in SQL (Rasa's own count before a save)."""

        def count() -> int:
            with self.session_scope() as session:
                return int(
                    self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
                )

        return through_database_restart(count, "tracker count")

    def _push(self, sender_id: str, expected: int, texts: list[str]) -> None:
        if self._append is None:
            return
        try:
            self._append(keys=[live_key(sender_id)], args=[expected, self.live_seconds, *texts])
        except redis.RedisError as error:
            logger.warning("live conversations: Redis unavailable, kept in SQL only (%s)", error)
            with contextlib.suppress(redis.RedisError):  # down: it comes back empty
                self.red.delete(live_key(sender_id))  # type: ignore[union-attr]

    def _sql_append(
        self, sender_id: str, events: list[Event], serialised: list[dict[str, Any]], texts: list[str]
    ) -> None:
        rows = [
            {
                "sender_id": sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": text,
            }
            for event, data, text in zip(events, serialised, texts, strict=True)
        ]

        def insert() -> None:
            # One INSERT for all of the turn's events (Rasa adds one ORM object per event).
            with self._appends.begin() as connection:
                connection.execute(self.SQLEvent.__table__.insert(), rows)

        through_database_restart(insert, "tracker save")
