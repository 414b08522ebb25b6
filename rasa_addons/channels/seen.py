"""Remembers which deliveries were already handled, so that a re-delivered event is answered once.

With LOCK_STORE_URL set (several Rasa servers behind one webhook URL) the memory is Redis,
shared by all servers; otherwise it is this process's memory.
"""

from __future__ import annotations

import time
from typing import Protocol

from redis import asyncio as redis_asyncio

from bot.settings import Settings

REMEMBER_SECONDS = 3600  # Slack's last retry comes about 5 minutes after the first delivery


class SeenKeys(Protocol):
    """Remembers delivery keys, so a message a service sends twice is answered once."""
    async def first_time(self, key: str) -> bool:
        """True the first time `key` is offered, False for every repeat within the window."""


class MemorySeenKeys:
    """SeenKeys in this process's memory (one server)."""
    def __init__(self, seconds: float = REMEMBER_SECONDS) -> None:
        self.seconds = seconds
        self._expiry: dict[str, float] = {}

    async def first_time(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._expiry) > 10_000:
            self._expiry = {k: t for k, t in self._expiry.items() if t > now}
        if self._expiry.get(key, 0.0) > now:
            return False
        self._expiry[key] = now + self.seconds
        return True


class RedisSeenKeys:
    """SeenKeys in Redis, shared by every server."""
    def __init__(self, url: str, prefix: str, seconds: int = REMEMBER_SECONDS) -> None:
        self.client = redis_asyncio.from_url(url)
        self.prefix = prefix
        self.seconds = seconds

    async def first_time(self, key: str) -> bool:
        return bool(await self.client.set(f"{self.prefix}{key}", 1, nx=True, ex=self.seconds))


def seen_keys_from_env(channel: str) -> SeenKeys:
    """Redis-backed SeenKeys when LOCK_STORE_URL is set, else in memory."""
    settings = Settings.from_env()
    if not settings.lock_store_url:
        return MemorySeenKeys()
    return RedisSeenKeys(settings.lock_store_url, f"{settings.lock_store_key_prefix}seen:{channel}:")
