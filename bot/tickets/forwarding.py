"""Forwarding queued tickets to the helpdesk, with retries, backoff and duplicate protection.

`Forwarding.run_once()` sends every delivery that is due (the CLI's `tickets retry` and the
action server's loop both use it). For each claimed ticket it:

1. looks the ticket up first if an earlier attempt may have reached the helpdesk and the
   helpdesk can be searched (Zendesk, Jira, ServiceNow); the webhook relies on its
   Idempotency-Key instead;
2. sends it, with the same idempotency key on every attempt;
3. records the outcome: delivered, retry later (timeouts, connection errors, 408/425/429,
   5xx: exponential backoff with jitter, honouring Retry-After), or rejected (other 4xx:
   kept for staff, never retried automatically).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.retrying import backoff_seconds
from bot.settings import HelpdeskSettings
from bot.tickets.forwarders import Forwarder, ForwardingError
from bot.tickets.models import FOUND, RETRY, SENT, Outcome
from bot.tickets.outbox import Claim, Failure, Outbox
from bot.tickets.payload import TicketPayload
from bot.tickets.store import utcnow

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 3600.0  # a helpdesk asking us to wait longer is not believed


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before attempt n+1: base * 2^(n-1), capped, then jittered down by up to half."""

    base_seconds: float = 15.0
    max_seconds: float = 600.0

    def delay(self, attempts: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        """Seconds before the next attempt: jittered backoff, or longer when Retry-After asks (capped)."""
        jittered = backoff_seconds(attempts, self.base_seconds, self.max_seconds, rng)
        if retry_after is not None:
            return max(jittered, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return jittered

    @classmethod
    def from_settings(cls, settings: HelpdeskSettings) -> RetryPolicy:
        """The policy of TICKETS_RETRY_BASE_SECONDS and TICKETS_RETRY_MAX_SECONDS."""
        return cls(settings.retry_base_seconds, settings.retry_max_seconds)


@dataclass(frozen=True)
class Result:
    """What happened to one ticket in this run."""

    public_id: str
    outcome: Outcome
    detail: str  # the helpdesk's reference, or why it failed
    next_attempt_at: datetime | None = None


class Forwarding:
    """Sends the outbox's tickets to the helpdesk, retrying with backoff until each lands once."""
    def __init__(
        self,
        outbox: Outbox,
        forwarder: Forwarder,
        policy: RetryPolicy,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.outbox = outbox
        self.forwarder = forwarder
        self.policy = policy
        self._clock = clock
        self._rng = rng

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts: a lookup and a send, each up to the timeout, plus slack."""
        return timedelta(seconds=2 * self.forwarder.settings.timeout_seconds + 30)

    def run_once(self, *, ignore_schedule: bool = False, public_ids: Sequence[str] = ()) -> list[Result]:
        """Sends what is due now (everything waiting, with ignore_schedule); one result per ticket."""
        results = []
        for delivery_id in self.outbox.due(
            self._clock(), ignore_schedule=ignore_schedule, public_ids=public_ids
        ):
            claim = self.outbox.claim(delivery_id, self._clock(), self.lease, ignore_schedule=ignore_schedule)
            if claim is not None:  # else another worker has it, or it was sent meanwhile
                results.append(self._forward(claim))
        return results

    def _forward(self, claim: Claim) -> Result:
        payload = TicketPayload(claim.ticket)
        started = self._clock()
        try:
            reference = None
            if claim.previous_attempts and self.forwarder.can_find:
                reference = self.forwarder.find(payload)
            outcome = FOUND if reference else SENT
            if reference is None:
                reference = self.forwarder.create(payload, idempotency_key=claim.ticket.request_key)
        except ForwardingError as error:
            return self._failed(claim, started, error)
        self.outbox.record_delivered(claim, started, self._clock(), reference, outcome)
        logger.info("ticket %s forwarded to %s as %s", payload.public_id, claim.helpdesk, reference)
        return Result(payload.public_id, outcome, reference)

    def _failed(self, claim: Claim, started: datetime, error: ForwardingError) -> Result:
        failure = Failure(error.detail, error.status_code)
        finished = self._clock()
        public_id = claim.ticket.public_id
        if not error.retryable:
            self.outbox.record_rejected(claim, started, finished, failure)
            logger.warning("ticket %s refused by %s: %s", public_id, claim.helpdesk, error.detail)
            return Result(public_id, Outcome.REJECTED, error.detail)
        wait = self.policy.delay(claim.previous_attempts + 1, error.retry_after, self._rng)
        next_attempt_at = finished + timedelta(seconds=wait)
        self.outbox.record_retry(claim, started, finished, failure, next_attempt_at)
        logger.info("ticket %s not forwarded yet (%s); next try in %.0fs", public_id, error.detail, wait)
        return Result(public_id, RETRY, error.detail, next_attempt_at)


class ForwardingLoop:
    """Runs `Forwarding.run_once` in a background thread: at once when woken, else every interval."""

    def __init__(self, forwarding: Forwarding, interval_seconds: float) -> None:
        self.forwarding = forwarding
        self.interval_seconds = interval_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticket-forwarding", daemon=True)

    def start(self) -> None:
        """Starts the background thread."""
        self._thread.start()

    def wake(self) -> None:
        """A ticket was opened: forward it now rather than at the next interval."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Asks the thread to stop and waits for it (at most `timeout` seconds)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.forwarding.run_once()
            except Exception:  # the database may be down for a while: keep the loop alive
                logger.exception("forwarding tickets failed; trying again in %.0fs", self.interval_seconds)
            self._wake.wait(self.interval_seconds)
