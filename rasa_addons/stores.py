"""The tracker store and the lock store endpoints.yml names (docs/deployment.md).

Both read their URL from the environment with the embedded defaults of bot/settings.py, so
plain `rasa run` needs no variable filled in for them:

- EnvSQLTrackerStore: Rasa's SQLTrackerStore at TRACKER_DB_URL (default: SQLite in var/), whose
  pooled connections are checked before use (pool_pre_ping), so the first message after a
  database restart does not fail on a dead connection. Loading it applies rasa_addons.patches
  (a failed read raises instead of starting a new conversation), for every Rasa command, and
  with ACTION_SERVER_URL=in-process prepares the actions (rasa_addons/local_actions.py).
- EnvLockStore: Rasa serialises the messages of one conversation with a ticket lock. Several
  Rasa servers, or several Sanic workers of one server, must share it: `LOCK_STORE_URL=
  redis://...` puts it in Redis; unset, it stays in the memory of the one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
import sqlalchemy as sa
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore, TicketLock
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.settings import Settings
from rasa_addons import local_actions, patches

# How long one ticket update may hold a conversation's mutex; an update takes milliseconds,
# the expiry only frees the mutex of a server that died holding it.
MUTEX_SECONDS = 5.0


class EnvSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore at TRACKER_DB_URL (or the `url` endpoints.yml gives), with pre-pinged connections."""

    engine: sa.engine.Engine

    def __init__(self, host: str | None = None, **kwargs: Any) -> None:
        patches.apply()
        local_actions.start_if_in_process()
        url = host or Settings.from_env().tracker_db_url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(host=url, **kwargs)
        # Rasa builds its engine without pool_pre_ping and offers no option for it: the same
        # engine again, with it (the tables exist by now).
        unchecked = self.engine
        kwargs = create_engine_kwargs(unchecked.url)
        self.engine = sa.create_engine(unchecked.url, pool_pre_ping=True, **kwargs)
        self.sessionmaker = sessionmaker(bind=self.engine)
        unchecked.dispose()


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore whose ticket updates are atomic across servers.

    Rasa 3.6 changes a conversation's lock by read-modify-write (GET, change, SET). Two
    servers handling messages of one conversation at the same moment can both read the
    same lock and issue the same ticket, and then both process at once: one tracker save
    overwrites the other's turn (RasaHQ/rasa#9213; the fix, ConcurrentRedisLockStore, is
    Rasa Pro only). Here every read-modify-write runs under a short Redis mutex
    (SET NX with expiry) on the conversation, so tickets stay unique and in order.
    """

    @classmethod
    def from_url(cls, url: str) -> AtomicRedisLockStore:
        """A store for `redis[s]://[[user]:password@]host[:port][/db]` (Rasa's default db is 1)."""
        parts = urlsplit(url)
        if not parts.path.strip("/"):
            url = parts._replace(path="/1").geturl()
        store = cls()
        store.red = redis.Redis.from_url(url, socket_timeout=10)
        return store

    @contextmanager
    def _mutex(self, conversation_id: str) -> Iterator[None]:
        with self.red.lock(
            f"mutex:{self.key_prefix}{conversation_id}",
            timeout=MUTEX_SECONDS,
            blocking_timeout=MUTEX_SECONDS,
            sleep=0.002,
        ):
            yield

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            ticket: int = super().issue_ticket(conversation_id, lock_lifetime)
            return ticket

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)


class EnvLockStore(LockStore):
    """AtomicRedisLockStore when LOCK_STORE_URL is set, else Rasa's in-memory store."""

    def __init__(self, endpoint_config: EndpointConfig | None = None) -> None:
        settings = Settings.from_env()
        url = settings.lock_store_url
        self.store: LockStore = AtomicRedisLockStore.from_url(url) if url else InMemoryLockStore()
        if settings.sanic_workers > 1 and not url:
            raise ValueError("SANIC_WORKERS > 1 needs LOCK_STORE_URL=redis://... (a shared lock store)")

    def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AbstractAsyncContextManager[TicketLock]:
        """The only method Rasa's server and processor call: the chosen store's ticket lock."""
        lock: AbstractAsyncContextManager[TicketLock] = self.store.lock(
            conversation_id, lock_lifetime, wait_time_in_seconds
        )
        return lock

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.store.save_lock(lock)
