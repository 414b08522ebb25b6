"""Sliding-window rate limits kept in memory (one process), for messages and tickets.

`RateLimit(limit, window_seconds).hit(key)` records one event for `key` and returns None while
the key stays within `limit` events in the last `window_seconds`, else how many seconds until
one more would be allowed (the event is then not recorded: refused attempts cost nothing).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_KEYS = 100_000  # forget the quietest keys beyond this, so memory stays bounded


@dataclass
class RateLimit:
    limit: int  # 0: no limit
    window_seconds: float
    clock: Callable[[], float] = time.monotonic
    _events: dict[str, deque[float]] = field(default_factory=dict, init=False)

    def hit(self, key: str) -> float | None:
        """Counts an event for `key`; None when allowed, else the seconds to wait."""
        if self.limit <= 0:
            return None
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window_seconds:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window_seconds - now
        events.append(now)
        if len(self._events) > MAX_KEYS:
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, e in self._events.items() if not e or e[-1] <= now - self.window_seconds]:
            del self._events[key]
        while len(self._events) > MAX_KEYS:  # everyone is active: drop the oldest keys
            del self._events[next(iter(self._events))]
