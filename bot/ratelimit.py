"""Moving-window rate limits for messages and tickets, one count for every server with Redis.

`RateLimit(limit, window_seconds, storage, name).hit(key)` records one event for `key` and
returns None while the key stays within `limit` events in the last `window_seconds`, else how
many seconds to wait before trying again (the event is then not recorded: refused attempts
cost nothing). The counting is the maintained `limits` package's moving window:

- `limit_storage("redis://...")` (LOCK_STORE_URL): every hit is one Lua script in Redis
  (atomic, with expiry), so all Rasa servers and action servers share one count per key,
  and a restart keeps it;
- `limit_storage("")`: this process's memory, for one server.

Calls are synchronous (a Redis round trip); async callers run them in a worker thread when
`RateLimit.remote` (in memory, a hit is a dict lookup: the thread would cost more than it).
"""

from __future__ import annotations

import logging
import time
from functools import cache

import redis
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)

REDIS_SOCKET_TIMEOUT_SECONDS = 5


@cache
def _redis_storage(redis_url: str) -> RedisStorage:
    return RedisStorage(redis_url, socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS)


def limit_storage(redis_url: str) -> Storage:
    """Redis storage for a redis[s]:// URL (one connection pool per URL), else a fresh memory."""
    return _redis_storage(redis_url) if redis_url else MemoryStorage()


class RateLimit:
    """At most `limit` events per key in any `window_seconds` (0: no limit)."""

    def __init__(
        self, limit: int, window_seconds: float, storage: Storage | None = None, name: str = ""
    ) -> None:
        if limit < 0 or window_seconds <= 0:
            raise ValueError(f"a rate limit needs limit >= 0 and a window > 0, not {limit}/{window_seconds}s")
        self.limit = limit
        self.item = RateLimitItemPerSecond(max(limit, 1), int(window_seconds), namespace=name or "limit")
        self.storage = storage or MemoryStorage()  # held here: the limiter keeps only a weak reference
        self.limiter = MovingWindowRateLimiter(self.storage)

    @property
    def remote(self) -> bool:
        """Counted over the network (Redis): async callers hit it from a worker thread."""
        return isinstance(self.storage, RedisStorage)

    def hit(self, key: str) -> float | None:
        """Counts an event for `key`; None when allowed, else the seconds to wait.

        With Redis unreachable (a restart, seconds), the event is allowed: a limit against abuse
        must not stop every conversation and ticket while its counter is away."""
        if self.limit <= 0:
            return None
        try:
            if self.limiter.hit(self.item, key):
                return None
            reset_at, _ = self.limiter.get_window_stats(self.item, key)
        except redis.RedisError as error:
            logger.warning("rate limit %s not counted, Redis unavailable: %s", self.item.namespace, error)
            return None
        return max(0.0, float(reset_at) - time.time())
