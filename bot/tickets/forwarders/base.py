"""What every helpdesk forwarder does: send a ticket, and say whether a failure is worth retrying.

A forwarder's `create` sends one ticket and returns the helpdesk's reference for it. Failures
raise ForwardingError: `retryable` for timeouts, connection errors, 408/425/429 and 5xx (the
outbox tries again later), not retryable for other 4xx answers (recorded for staff). A
forwarder whose helpdesk has no idempotency header can `find` a ticket by our id, so that after
an attempt with an unknown outcome the ticket is looked up before it is sent again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import requests

from bot.retrying import retry_after_seconds
from bot.settings import ConfigurationError, HelpdeskSettings
from bot.tickets.payload import TicketPayload

RETRYABLE_STATUS = frozenset({408, 425, 429})
_TRANSIENT_ERRORS = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
BODY_EXCERPT_CHARS = 300


class ForwardingError(Exception):
    """A helpdesk call that failed; `retryable` says whether trying again can help."""
    def __init__(
        self,
        detail: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable
        self.status_code = status_code
        self.retry_after = retry_after


def _failure(response: requests.Response) -> ForwardingError:
    status = response.status_code
    body = " ".join(response.text.split())[:BODY_EXCERPT_CHARS]
    detail = f"{status} {response.reason or ''}".strip() + (f": {body}" if body else "")
    retryable = status in RETRYABLE_STATUS or status >= 500
    return ForwardingError(
        detail,
        retryable=retryable,
        status_code=status,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")) if retryable else None,
    )


class Forwarder(ABC):
    """Sends tickets to one kind of helpdesk over HTTP, every request with a timeout."""

    name: ClassVar[str]
    required: ClassVar[tuple[tuple[str, str], ...]] = (("url", "HELPDESK_URL"),)

    def __init__(self, settings: HelpdeskSettings, http: requests.Session | None = None) -> None:
        missing = [variable for field, variable in self.required if not getattr(settings, field)]
        if missing:
            raise ConfigurationError(f"HELPDESK={self.name} needs {', '.join(missing)}")
        self.settings = settings
        self.http = http or requests.Session()

    @abstractmethod
    def create(self, ticket: TicketPayload, idempotency_key: str) -> str:
        """Sends the ticket; returns the helpdesk's reference for it."""

    def find(self, ticket: TicketPayload) -> str | None:
        """The reference of this ticket if the helpdesk already has it; None if not.

        Only forwarders that can look tickets up override this (see `can_find`).
        """
        return None

    can_find: ClassVar[bool] = False

    def add_comment(self, reference: str, body: str, *, public: bool) -> None:
        """Adds a comment to ticket `reference` (an internal note unless `public`); bot.handoff uses it."""
        raise ForwardingError(f"the {self.name} helpdesk takes no comments from the bot", retryable=False)

    @property
    def auth(self) -> tuple[str, str]:
        """HTTP basic credentials (user, token) for helpdesks that use them."""
        return (self.settings.user, self.settings.token)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP request; a non-2xx answer or a network failure raises ForwardingError."""
        try:
            response = self.http.request(
                method, url, timeout=self.settings.timeout_seconds, allow_redirects=False, **kwargs
            )
        except _TRANSIENT_ERRORS as error:
            raise ForwardingError(_describe(error, self.settings.timeout_seconds), retryable=True) from error
        except requests.RequestException as error:
            raise ForwardingError(f"request failed: {error}", retryable=False) from error
        if not 200 <= response.status_code < 300:
            raise _failure(response)
        return response

    @staticmethod
    def json_of(response: requests.Response) -> Any:
        """The response's JSON body, or None when it has none."""
        try:
            return response.json()
        except ValueError:
            return None


def _describe(error: requests.RequestException, timeout: float) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return f"could not connect within {timeout:g}s"
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g}s"
    if isinstance(error, requests.ConnectionError):
        return "could not connect (refused or unreachable)"
    return f"connection broke off: {type(error).__name__}"
