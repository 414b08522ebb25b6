"""Stores that endpoints.yml selects by environment variable."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore, TicketLock
from rasa.utils.endpoints import EndpointConfig

from bot.settings import Settings


def redis_lock_store(url: str) -> RedisLockStore:
    """A RedisLockStore for a redis://[:password@]host[:port][/db] URL."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 1)
    return RedisLockStore(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=db,
        password=parts.password,
        use_ssl=parts.scheme == "rediss",
        key_prefix=os.environ.get("LOCK_STORE_KEY_PREFIX") or None,
    )


class EnvLockStore(LockStore):
    """Redis when LOCK_STORE_URL is set (required by several servers or workers), else memory."""

    def __init__(self, endpoint_config: EndpointConfig | None = None) -> None:
        url = Settings.from_env().lock_store_url
        self._store: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        workers = int(os.environ.get("SANIC_WORKERS", "1") or 1)
        if workers > 1 and not url:
            raise ValueError("SANIC_WORKERS > 1 needs LOCK_STORE_URL=redis://... (a shared lock store)")

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._store.save_lock(lock)
