"""The one backoff policy of every outbound HTTP call: exponential, capped, jittered, and
Retry-After honoured; and the short wait of a database call through a database restart.

The Teams channel's posts retry through aiohttp-retry (rasa_addons/channels/backoff.py), Slack's
through slack_sdk's retry handlers, and the durable ticket outbox schedules its next attempt
in the database (bot/tickets/forwarding.py); all of them wait what these two functions say.

`through_database_restart` is for idempotent database work in a conversation's path (the
tracker store's reads and appends, opening a ticket): a restart of PostgreSQL takes a second
or two, so the person gets an answer instead of an apology.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long a conversation's database call waits for the database to come back, within the
# 10 s a person waits for an answer.
DATABASE_RESTART_SECONDS = 6.0


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date); None if absent
    or unreadable. A date in the past means now (0)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())


def backoff_seconds(
    attempt: int, base_seconds: float, max_seconds: float, rng: Callable[[], float] = random.random
) -> float:
    """The wait after failed attempt `attempt` (1, 2, ...): base * 2^(attempt-1), capped at
    max_seconds, then jittered down by up to half so that many clients do not retry together."""
    ceiling = min(max_seconds, base_seconds * 2.0 ** max(0, attempt - 1))
    return ceiling * (0.5 + 0.5 * rng())


def through_database_restart(
    work: Callable[[], T], what: str, seconds: float = DATABASE_RESTART_SECONDS
) -> T:
    """`work()`, tried again for up to `seconds` while the database is unavailable
    (OperationalError: refused, shutting down, a connection cut). `work` must be idempotent."""
    deadline = time.monotonic() + seconds
    delay = 0.1
    while True:
        try:
            return work()
        except OperationalError:
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("%s: database unavailable, trying again in %.1fs", what, delay)
            time.sleep(delay)
            delay = min(1.0, delay * 2)
