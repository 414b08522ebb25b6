"""HTTP POST that backs off when the other side asks it to (429 Retry-After, or a passing 5xx).

Microsoft asks Teams bots to retry 429 (and 412, 502, 504) with exponential backoff and
jitter (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit); the
number of attempts is bounded so that a broken endpoint cannot hold an answer forever.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 500, 502, 503, 504})
MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 60.0


class GaveUp(Exception):
    """The endpoint still refused after MAX_ATTEMPTS, or refused for good (another 4xx)."""


def wait_seconds(attempt: int, retry_after: str | None) -> float:
    """Retry-After (seconds or an HTTP date) when given, else 1, 2, 4... seconds with jitter."""
    if retry_after:
        try:
            seconds = float(retry_after)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(retry_after).timestamp() - time.time()
            except (TypeError, ValueError):
                seconds = 2.0**attempt
        return min(MAX_WAIT_SECONDS, max(0.0, seconds))
    return min(MAX_WAIT_SECONDS, 2.0**attempt * (0.5 + random.random()))


async def post_json(session: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str]) -> Any:
    """POSTs `body` as JSON and returns the JSON answer, retrying what is worth retrying."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            async with session.post(url, json=body, headers=headers) as answer:
                if answer.status < 300:
                    return await answer.json(content_type=None) if answer.content_length != 0 else None
                if answer.status not in RETRY_STATUSES:
                    raise GaveUp(f"{url} answered {answer.status}: {(await answer.text())[:200]}")
                delay = wait_seconds(attempt, answer.headers.get("Retry-After"))
                logger.warning("%s answered %s; retrying in %.1fs", url, answer.status, delay)
        except aiohttp.ClientConnectionError as error:
            delay = wait_seconds(attempt, None)
            logger.warning("%s unreachable (%s); retrying in %.1fs", url, error, delay)
        if attempt + 1 < MAX_ATTEMPTS:
            await asyncio.sleep(delay)
    raise GaveUp(f"{url} still refused after {MAX_ATTEMPTS} attempts")
