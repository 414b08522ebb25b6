"""Answering each delivery once (memory and Redis) and backing off when asked to."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import aiohttp
import pytest
import redis
from pytest_httpserver import HTTPServer

from rasa_addons.channels.backoff import MAX_ATTEMPTS, GaveUp, post_json, wait_seconds
from rasa_addons.channels.seen import MemorySeenKeys, RedisSeenKeys
from rasa_addons.channels.socketio import accepted_session_id
from tools.databases import REDIS_URL  # TEST_REDIS_URL

T = TypeVar("T")


def run(work: Coroutine[Any, Any, T]) -> T:
    """Runs `work` on a loop of its own (Playwright's sync API may hold this thread's loop)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


def test_memory_remembers_a_key_until_it_expires() -> None:
    async def scenario() -> list[bool]:
        seen = MemorySeenKeys(seconds=0.2)
        first, again, other = (
            await seen.first_time("a"),
            await seen.first_time("a"),
            await seen.first_time("b"),
        )
        await asyncio.sleep(0.3)
        return [first, again, other, await seen.first_time("a")]

    assert run(scenario()) == [True, False, True, True]


def test_redis_shares_what_was_seen_between_servers() -> None:
    prefix = f"test-seen-{secrets.token_hex(4)}:"

    async def scenario() -> list[bool]:
        one, two = RedisSeenKeys(REDIS_URL, prefix), RedisSeenKeys(REDIS_URL, prefix)
        try:
            return [await one.first_time("event:Ev1"), await two.first_time("event:Ev1")]
        finally:
            await one.client.close()
            await two.client.close()

    try:
        assert run(scenario()) == [True, False]
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_weak_session_ids_are_replaced_by_random_ones() -> None:
    strong = secrets.token_hex(16)
    assert accepted_session_id(strong) == strong
    for weak in ("me", "1", "", None, "../../etc", strong.upper(), strong + "0"):
        replaced = accepted_session_id(weak)
        assert replaced != weak and len(replaced) == 32


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("3", 3.0), ("0", 0.0), ("600", 60.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_honoured_within_bounds(retry_after: str, expected: float) -> None:
    assert wait_seconds(0, retry_after) == expected


def _post(server: HTTPServer) -> object:
    async def call() -> object:
        async with aiohttp.ClientSession() as session:
            return await post_json(session, server.url_for("/reply"), {"text": "hi"}, {})

    return run(call())


def test_a_429_is_retried_after_the_time_asked(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/reply").respond_with_data(
        "", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_ordered_request("/reply", json={"text": "hi"}).respond_with_json({"id": "1"})
    assert _post(httpserver) == {"id": "1"}
    assert len(httpserver.log) == 2


def test_a_refusal_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/reply").respond_with_data("bad", status=400)
    with pytest.raises(GaveUp):
        _post(httpserver)
    assert len(httpserver.log) == 1


def test_retries_are_bounded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/reply").respond_with_data("", status=429, headers={"Retry-After": "0"})
    with pytest.raises(GaveUp):
        _post(httpserver)
    assert len(httpserver.log) == MAX_ATTEMPTS
