"""Zendesk Support: POST /api/v2/tickets.json with an `Idempotency-Key`.

Our ticket id is the Zendesk ticket's `external_id`, so a ticket can also be found again
(GET /api/v2/tickets.json?external_id=...) after an attempt with an unknown outcome, even
once Zendesk has forgotten the idempotency key. Authentication: an agent's email and an
API token (HELPDESK_USER, HELPDESK_TOKEN).
"""

from __future__ import annotations

from typing import Any

from bot.tickets.forwarders.base import Forwarder, ForwardingError
from bot.tickets.payload import TicketPayload

TAGS = ["mfa_recovery_bot"]


class ZendeskForwarder(Forwarder):
    """Opens tickets as Zendesk requests."""
    name = "zendesk"
    required = (("url", "HELPDESK_URL"), ("user", "HELPDESK_USER"), ("token", "HELPDESK_TOKEN"))
    can_find = True

    @property
    def auth(self) -> tuple[str, str]:
        """Zendesk's API-token credentials."""
        return (f"{self.settings.user}/token", self.settings.token)

    @property
    def _tickets_url(self) -> str:
        return f"{self.settings.url}/api/v2/tickets.json"

    def create(self, ticket: TicketPayload, idempotency_key: str) -> str:
        """Opens the Zendesk ticket; returns its id."""
        body: dict[str, Any] = {
            "ticket": {
                "subject": ticket.subject,
                "comment": {"body": ticket.body},
                "requester": ticket.requester,
                "external_id": ticket.public_id,
                "tags": TAGS,
            }
        }
        answer = self.json_of(
            self.request(
                "POST",
                self._tickets_url,
                json=body,
                auth=self.auth,
                headers={"Idempotency-Key": idempotency_key},
            )
        )
        try:
            return str(answer["ticket"]["id"])
        except (KeyError, TypeError) as error:
            raise ForwardingError("Zendesk accepted the ticket without an id", retryable=True) from error

    def find(self, ticket: TicketPayload) -> str | None:
        """The id of the Zendesk ticket opened for this ticket before, if any."""
        answer = self.json_of(
            self.request("GET", self._tickets_url, params={"external_id": ticket.public_id}, auth=self.auth)
        )
        found = answer.get("tickets") if isinstance(answer, dict) else None
        return str(found[0]["id"]) if found else None

    def add_comment(self, reference: str, body: str, *, public: bool) -> None:
        """Adds a comment to the ticket (for the requester when `public`)."""
        comment = {"ticket": {"comment": {"body": body, "public": public}}}
        url = f"{self.settings.url}/api/v2/tickets/{reference}.json"
        self.request("PUT", url, json=comment, auth=self.auth)
