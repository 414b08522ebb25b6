"""A generic webhook: the ticket as JSON, signed so the receiver can trust it.

Headers: `Idempotency-Key` (the same for every attempt at one ticket: a receiver that
remembers keys never creates it twice), `X-Recovery-Bot-Timestamp` (Unix seconds) and
`X-Recovery-Bot-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<body>" with the secret>`.
The receiver should recompute the signature, compare it in constant time, and refuse
timestamps older than a few minutes. It may answer with JSON {"id": ...} naming its record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import requests

from bot.settings import HelpdeskSettings
from bot.tickets.forwarders.base import Forwarder
from bot.tickets.payload import TicketPayload

SIGNATURE_HEADER = "X-Recovery-Bot-Signature"
TIMESTAMP_HEADER = "X-Recovery-Bot-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header of a webhook call: HMAC-SHA256 over the timestamp and the body."""
    digest = hmac.new(secret.encode("utf-8"), f"v1:{timestamp}:".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


class WebhookForwarder(Forwarder):
    """Posts tickets, signed, to any HTTPS endpoint."""
    name = "webhook"
    required = (("url", "HELPDESK_URL"), ("webhook_secret", "HELPDESK_WEBHOOK_SECRET"))

    def __init__(
        self,
        settings: HelpdeskSettings,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(settings, http)
        self._clock = clock

    def create(self, ticket: TicketPayload, idempotency_key: str) -> str:
        """Posts the signed ticket; returns the id the endpoint answers (else the public id)."""
        body = json.dumps(ticket.as_json(), sort_keys=True, separators=(",", ":")).encode("utf-8")
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.settings.webhook_secret, timestamp, body),
        }
        answer = self.json_of(self.request("POST", self.settings.url, data=body, headers=headers))
        reference = answer.get("id") if isinstance(answer, dict) else None
        return str(reference) if reference else ticket.public_id
