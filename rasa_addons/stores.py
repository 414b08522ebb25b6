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

In Redis, a ticket lives TICKET_SECONDS and its server renews it every RENEW_EVERY_SECONDS while it waits or
serves (up to Rasa's lifetime, TICKET_LOCK_LIFETIME, 60 s). A server that dies holding a
conversation's lock (SIGKILL, a lost machine) so frees it within seconds; with Rasa's lifetime
alone the person's next message would wait a minute on the other server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit

import redis
import sqlalchemy as sa
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore, TicketLock
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.orm import sessionmaker

from bot.settings import Settings
from bot.sqlite import create_folder, file_engine_options, write_ahead
from rasa_addons import local_actions, patches

logger = logging.getLogger(__name__)

# How long a ticket outlives its server's last renewal, and how often a live server renews.
TICKET_SECONDS = 3.0
RENEW_EVERY_SECONDS = 0.5


class EnvSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore at TRACKER_DB_URL (or the `url` endpoints.yml gives), with pre-pinged connections."""

    engine: sa.engine.Engine

    def __init__(self, host: str | None = None, **kwargs: Any) -> None:
        patches.apply()
        local_actions.start_if_in_process()
        settings = Settings.from_env()
        url = host or settings.tracker_db_url
        create_folder(url)  # before Rasa creates its engine and tables
        super().__init__(host=url, **kwargs)
        # Rasa builds its engine without pool_pre_ping and offers no option for it: the same
        # engine again, with it (the tables exist by now), and for a SQLite file kept
        # connections in WAL mode (bot/sqlite.py).
        unchecked = self.engine
        kwargs = {**create_engine_kwargs(unchecked.url), **file_engine_options(unchecked.url)}
        self.engine = sa.create_engine(unchecked.url, pool_pre_ping=True, **kwargs)
        write_ahead(self.engine, "NORMAL" if settings.tracker_synchronous_commit == "off" else "FULL")
        self.sessionmaker = sessionmaker(bind=self.engine)
        unchecked.dispose()


class TicketRenewals:
    """The tickets this process waits or serves with, renewed in a thread until released.

    A thread rather than an asyncio task, so a busy event loop (a model prediction, a slow
    store call) cannot let a live server's ticket lapse. A ticket is renewed up to its
    deadline (Rasa's lock lifetime), then left to expire as Rasa would.
    """

    def __init__(self, renew: Callable[[str, int, float], None]) -> None:
        self._renew = renew
        self._tickets: dict[tuple[str, int], float] = {}  # (conversation, ticket) -> deadline
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def hold(self, conversation_id: str, ticket: int, deadline: float) -> None:
        with self._guard:
            if self._pid != os.getpid():  # a forked worker: the parent's thread did not come along
                self._tickets.clear()
                self._thread, self._pid = None, os.getpid()
            self._tickets[(conversation_id, ticket)] = deadline
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ticket-renewals", daemon=True)
                self._thread.start()

    def release(self, conversation_id: str, ticket: int) -> None:
        with self._guard:
            self._tickets.pop((conversation_id, ticket), None)

    def _run(self) -> None:
        while True:
            time.sleep(RENEW_EVERY_SECONDS)
            with self._guard:
                due = list(self._tickets.items())
            for (conversation_id, ticket), deadline in due:
                if time.time() >= deadline:
                    self.release(conversation_id, ticket)
                    continue
                try:
                    self._renew(conversation_id, ticket, deadline)
                except (redis.RedisError, OSError) as error:  # Redis restarting: its locks are gone too
                    logger.warning("could not renew a conversation's ticket lock: %s", error)


# Each change of a conversation's lock is one Lua script, which Redis runs atomically. The
# value keeps Rasa's TicketLock layout (RedisLockStore.get_lock reads it): {"conversation_id":
# ..., "tickets": ['{"number": 0, "expires": <epoch seconds>}', ...]}. The key expires with
# its last ticket, so a dead server's lock does not stay behind. KEYS[1] is the lock's key,
# ARGV[1] the caller's clock (Rasa's TicketLock uses the servers' clocks too).
_LOCK_LUA = """
local now = tonumber(ARGV[1])
local function live_tickets()
  local raw = redis.call('GET', KEYS[1])
  if not raw then return nil end
  local kept = {}
  for _, encoded in ipairs(cjson.decode(raw).tickets or {}) do
    local ticket = cjson.decode(encoded)
    if ticket.expires >= now then table.insert(kept, ticket) end
  end
  return kept
end
local function save(tickets)
  local encoded, latest = {}, now
  for _, ticket in ipairs(tickets) do
    local item = cjson.encode({number = ticket.number, expires = ticket.expires})
    table.insert(encoded, cjson.encode(item))  -- each ticket a JSON string, as Rasa writes it
    latest = math.max(latest, ticket.expires)
  end
  local value = '{"conversation_id": ' .. cjson.encode(ARGV[2]) .. ', "tickets": ['
    .. table.concat(encoded, ', ') .. ']}'
  redis.call('SET', KEYS[1], value, 'PX', math.floor((latest - now) * 1000) + 1000)
end
"""


def _script(body: str) -> str:
    return _LOCK_LUA + body


# ARGV: now, conversation id, lifetime. Returns the new ticket's number (Rasa's numbering).
_ISSUE_LUA = _script("""
local tickets = live_tickets() or {}
local number = 0
if #tickets > 0 then number = tickets[#tickets].number + 1 end
table.insert(tickets, {number = number, expires = now + tonumber(ARGV[3])})
save(tickets)
return number
""")
# ARGV: now, conversation id. Drops expired tickets (Rasa's update_lock).
_UPDATE_LUA = _script("""
local tickets = live_tickets()
if tickets then save(tickets) end
""")
# ARGV: now, conversation id, ticket number, new expiry. A ticket served or lapsed stays so.
_RENEW_LUA = _script("""
local tickets = live_tickets()
if not tickets then return 0 end
for _, ticket in ipairs(tickets) do
  if ticket.number == tonumber(ARGV[3]) then
    ticket.expires = tonumber(ARGV[4])
    save(tickets)
    return 1
  end
end
return 0
""")
# ARGV: now, conversation id, ticket number. Rasa's cleanup: the lock goes with its last ticket.
_CLEANUP_LUA = _script("""
local tickets = live_tickets()
if not tickets then return end
local kept = {}
for _, ticket in ipairs(tickets) do
  if ticket.number ~= tonumber(ARGV[3]) then table.insert(kept, ticket) end
end
if #kept == 0 then redis.call('DEL', KEYS[1]) else save(kept) end
""")


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore whose ticket updates are atomic across servers.

    Rasa 3.6 changes a conversation's lock by read-modify-write (GET, change, SET). Two
    servers handling messages of one conversation at the same moment can both read the
    same lock and issue the same ticket, and then both process at once: one tracker save
    overwrites the other's turn (RasaHQ/rasa#9213; the fix, ConcurrentRedisLockStore, is
    Rasa Pro only). Here every change is one Lua script, atomic in Redis, so tickets stay
    unique and in order. (An earlier mutex per conversation could be left held by a server
    that died, and the next server waited for it in a blocking call, its event loop stalled.)

    A ticket expires TICKET_SECONDS after its server last renewed it (TicketRenewals), not
    after Rasa's 60 s: the lock of a server that died is free again within seconds.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.renewals = TicketRenewals(self.renew_ticket)

    @classmethod
    def from_url(cls, url: str) -> AtomicRedisLockStore:
        """A store for `redis[s]://[[user]:password@]host[:port][/db]` (Rasa's default db is 1)."""
        parts = urlsplit(url)
        if not parts.path.strip("/"):
            url = parts._replace(path="/1").geturl()
        store = cls()
        store.use(redis.Redis.from_url(url, socket_timeout=10))
        return store

    def use(self, client: redis.Redis) -> None:
        self.red = client
        self._issue = client.register_script(_ISSUE_LUA)
        self._update = client.register_script(_UPDATE_LUA)
        self._renew = client.register_script(_RENEW_LUA)
        self._cleanup = client.register_script(_CLEANUP_LUA)

    def _key(self, conversation_id: str) -> list[str]:
        return [self.key_prefix + conversation_id]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        now = time.time()
        lifetime = min(lock_lifetime, TICKET_SECONDS)
        ticket = int(self._issue(self._key(conversation_id), [now, conversation_id, lifetime]))
        self.renewals.hold(conversation_id, ticket, now + lock_lifetime)
        return ticket

    def renew_ticket(self, conversation_id: str, number: int, deadline: float) -> None:
        """Moves a live ticket's expiry to TICKET_SECONDS from now (never past `deadline`)."""
        now = time.time()
        expires = min(deadline, now + TICKET_SECONDS)
        self._renew(self._key(conversation_id), [now, conversation_id, number, expires])

    def update_lock(self, conversation_id: str) -> None:
        self._update(self._key(conversation_id), [time.time(), conversation_id])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Gives the ticket back after the message was handled; a Redis that is away then does
        not turn a handled message into an apology (its tickets lapse within TICKET_SECONDS)."""
        self.renewals.release(conversation_id, ticket_number)
        try:
            self._cleanup(self._key(conversation_id), [time.time(), conversation_id, ticket_number])
        except redis.RedisError as error:
            logger.warning("could not give a conversation's ticket lock back: %s", error)


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
