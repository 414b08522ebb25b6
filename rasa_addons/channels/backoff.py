"""HTTP POST that backs off when the other side asks it to (429 Retry-After, or a passing 5xx).

Microsoft asks Teams bots to retry 429 (and 412, 502, 504) with exponential backoff and
jitter (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit). The
retrying is aiohttp-retry's; the waits are the project's one policy (bot/retrying.py), and
the number of attempts is bounded so that a broken endpoint cannot hold an answer forever.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiohttp_retry import RetryClient, RetryOptionsBase

from bot.retrying import backoff_seconds, retry_after_seconds

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 500, 502, 503, 504})
MAX_ATTEMPTS = 4
FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 60.0


class GaveUp(Exception):
    """The endpoint still refused after MAX_ATTEMPTS, or refused for good (another 4xx)."""


def wait_seconds(attempt: int, retry_after: str | None) -> float:
    """Retry-After (seconds or an HTTP date) when given, else about 1, 2, 4... s (attempt 0, 1, 2...)."""
    asked = retry_after_seconds(retry_after)
    if asked is None:
        asked = backoff_seconds(attempt + 1, FIRST_WAIT_SECONDS, MAX_WAIT_SECONDS)
    return min(MAX_WAIT_SECONDS, asked)


class AskedBackoff(RetryOptionsBase):
    """aiohttp-retry options: RETRY_STATUSES and connection errors, waiting `wait_seconds`."""

    def __init__(self) -> None:
        super().__init__(
            attempts=MAX_ATTEMPTS,
            statuses=RETRY_STATUSES,
            exceptions={aiohttp.ClientConnectionError},
            retry_all_server_errors=False,
        )

    def get_timeout(self, attempt: int, response: aiohttp.ClientResponse | None = None) -> float:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        delay = wait_seconds(attempt - 1, retry_after)  # aiohttp-retry counts attempts from 1
        what = f"answered {response.status}" if response is not None else "unreachable"
        logger.warning("%s %s; retrying in %.1fs", response.url if response else "endpoint", what, delay)
        return delay


async def post_json(session: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str]) -> Any:
    """POSTs `body` as JSON and returns the JSON answer, retrying what is worth retrying."""
    client = RetryClient(client_session=session, retry_options=AskedBackoff())
    try:
        async with client.post(url, json=body, headers=headers) as answer:
            if answer.status < 300:
                return await answer.json(content_type=None) if answer.content_length != 0 else None
            if answer.status in RETRY_STATUSES:
                raise GaveUp(f"{url} still refused after {MAX_ATTEMPTS} attempts ({answer.status})")
            raise GaveUp(f"{url} answered {answer.status}: {(await answer.text())[:200]}")
    except aiohttp.ClientConnectionError as error:
        raise GaveUp(f"{url} unreachable after {MAX_ATTEMPTS} attempts: {error}") from error
