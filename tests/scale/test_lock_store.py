"""The Redis lock store that several Rasa servers share (rasa_addons/stores.py), on the local Redis."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from rasa_addons.stores import AtomicRedisLockStore, EnvLockStore
from tools.databases import REDIS_URL


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
