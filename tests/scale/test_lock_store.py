"""The Redis lock store that several Rasa servers share (rasa_addons/stores.py), on the local Redis."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.settings import PROJECT_ROOT
from rasa_addons.stores import TICKET_SECONDS, AtomicRedisLockStore, EnvLockStore
from tools.databases import REDIS_URL

# A Rasa server's part in one message: take the conversation's lock, then keep it (a message
# that takes long to answer) until this process is killed.
HOLDER = """
import asyncio, sys
from rasa_addons.stores import AtomicRedisLockStore

async def hold(store, conversation):
    async with store.lock(conversation):
        print("holding", flush=True)
        await asyncio.sleep(600)

asyncio.run(hold(AtomicRedisLockStore.from_url(sys.argv[1]), sys.argv[2]))
"""


def test_servers_issuing_tickets_at_the_same_moment_get_distinct_ones() -> None:
    """Rasa's own RedisLockStore can hand one ticket to two servers (RasaHQ/rasa#9213)."""
    conversation = uuid.uuid4().hex
    servers = [AtomicRedisLockStore.from_url(REDIS_URL) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = list(pool.map(lambda n: servers[n % 8].issue_ticket(conversation), range(200)))
    assert sorted(tickets) == list(range(200))
    for ticket in tickets:
        servers[ticket % 8].cleanup(conversation, ticket)
    assert servers[0].get_lock(conversation) is None


def test_a_second_server_waits_until_the_first_has_finished() -> None:
    first, second = AtomicRedisLockStore.from_url(REDIS_URL), AtomicRedisLockStore.from_url(REDIS_URL)
    conversation = uuid.uuid4().hex

    async def first_serves_while_second_asks() -> int:
        async with first.lock(conversation):
            ticket = second.issue_ticket(conversation)
            lock = second.get_lock(conversation)
            assert lock is not None and lock.is_locked(ticket)
        return ticket

    ticket = asyncio.run(first_serves_while_second_asks())
    lock = second.get_lock(conversation)
    assert lock is not None and not lock.is_locked(ticket)
    second.cleanup(conversation, ticket)


def test_several_workers_without_redis_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        EnvLockStore()


def test_the_url_chooses_redis_and_its_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379")
    store = EnvLockStore().store
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == 1  # Rasa's default lock store database


@pytest.mark.slow
def test_a_server_killed_holding_a_conversation_delays_its_next_message_by_seconds_only() -> None:
    """Rasa's tickets live 60 s: the person would wait a minute on the other server (chaos run)."""
    conversation = uuid.uuid4().hex
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, REDIS_URL, conversation],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    other_server = AtomicRedisLockStore.from_url(REDIS_URL)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        time.sleep(TICKET_SECONDS + 2)  # longer than a ticket lives: only its renewals keep it
        lock = other_server.get_lock(conversation)
        assert lock is not None
        lock.remove_expired_tickets()
        assert lock.tickets, "a live server's ticket lapsed while it was still answering"
    finally:
        holder.kill()
        holder.wait()
    killed = time.monotonic()

    async def next_message() -> float:
        async with other_server.lock(conversation):
            return time.monotonic() - killed

    waited = asyncio.run(asyncio.wait_for(next_message(), timeout=30))
    assert waited < TICKET_SECONDS + 2
    assert other_server.get_lock(conversation) is None
