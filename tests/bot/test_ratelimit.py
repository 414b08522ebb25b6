"""A moving-window rate limit: N events per window and key, refused attempts not counted; in
memory for one server, in Redis for all of them (and across restarts)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from types import SimpleNamespace

import limits.storage.memory
import pytest
import redis

import bot.ratelimit
from bot.ratelimit import RateLimit, limit_storage
from tools.databases import REDIS_URL
from tools.stack import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time as the in-memory counts and the waits see it."""
    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=clock))
    monkeypatch.setattr(bot.ratelimit, "time", SimpleNamespace(time=clock))
    return clock


def test_the_limit_holds_per_key_and_frees_up_as_the_window_slides(clock: Clock) -> None:
    limit = RateLimit(3, 60.0)
    assert [limit.hit("a") for _ in range(3)] == [None, None, None]
    assert limit.hit("a") == 60.0
    assert limit.hit("b") is None
    clock.now += 30
    assert limit.hit("a") == 30.0  # refused attempts do not push the wait further
    clock.now += 30.5  # an event exactly one window old still counts (the limits package)
    assert limit.hit("a") is None


def test_zero_turns_the_limit_off() -> None:
    limit = RateLimit(0, 60.0)
    assert all(limit.hit("a") is None for _ in range(1000))


@pytest.fixture
def redis_name() -> Iterator[str]:
    name = f"test-{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)


def test_in_redis_two_servers_share_one_count_and_a_restart_keeps_it(redis_name: str) -> None:
    first_server = RateLimit(3, 60.0, limit_storage(REDIS_URL), redis_name)
    second_server = RateLimit(3, 60.0, limit_storage(REDIS_URL), redis_name)
    assert [first_server.hit("a"), second_server.hit("a"), first_server.hit("a")] == [None, None, None]
    refused = second_server.hit("a")
    assert refused is not None and 0 < refused <= 60
    restarted = RateLimit(3, 60.0, limit_storage(REDIS_URL), redis_name)
    assert restarted.hit("a") is not None and restarted.hit("b") is None
    client = redis.Redis.from_url(REDIS_URL)
    assert all(0 < client.ttl(key) <= 60 for key in client.scan_iter(f"*{redis_name}*"))  # they expire


def test_only_a_count_in_redis_is_remote() -> None:
    """Async callers take a worker thread for a remote count only (rasa_addons/guards)."""
    assert RateLimit(3, 60.0, limit_storage(REDIS_URL), "r").remote
    assert not RateLimit(3, 60.0, limit_storage(""), "m").remote


def test_with_redis_away_every_event_is_allowed_rather_than_every_person_stopped() -> None:
    away = RateLimit(1, 60.0, limit_storage(f"redis://127.0.0.1:{free_port()}/0"), "away")
    assert [away.hit("a"), away.hit("a")] == [None, None]
