"""ServiceNow: an incident through the Table API (POST /api/now/table/incident).

ServiceNow has no idempotency header, so our ticket id is the incident's `correlation_id`
and, after an attempt with an unknown outcome, incidents are queried for it before sending
again. Authentication: a user and password (HELPDESK_USER, HELPDESK_TOKEN).
"""

from __future__ import annotations

from bot.tickets.forwarders.base import Forwarder, ForwardingError
from bot.tickets.payload import TicketPayload

CORRELATION_DISPLAY = "mfa-recovery-bot"
_JSON = {"Accept": "application/json"}


class ServiceNowForwarder(Forwarder):
    """Opens tickets as ServiceNow incidents."""
    name = "servicenow"
    required = (("url", "HELPDESK_URL"), ("user", "HELPDESK_USER"), ("token", "HELPDESK_TOKEN"))
    can_find = True

    @property
    def _incidents_url(self) -> str:
        return f"{self.settings.url}/api/now/table/incident"

    def create(self, ticket: TicketPayload, idempotency_key: str) -> str:
        """Opens the incident; returns its number."""
        body = {
            "short_description": ticket.subject,
            "description": ticket.body,
            "correlation_id": ticket.public_id,
            "correlation_display": CORRELATION_DISPLAY,
        }
        answer = self.json_of(
            self.request("POST", self._incidents_url, json=body, auth=self.auth, headers=_JSON)
        )
        try:
            return str(answer["result"]["number"])
        except (KeyError, TypeError) as error:
            raise ForwardingError(
                "ServiceNow accepted the incident without a number", retryable=True
            ) from error

    def find(self, ticket: TicketPayload) -> str | None:
        """The number of the incident opened for this ticket before, if any."""
        params = {
            "sysparm_query": f"correlation_id={ticket.public_id}",
            "sysparm_fields": "number,sys_id",
            "sysparm_limit": "1",
        }
        answer = self.json_of(
            self.request("GET", self._incidents_url, params=params, auth=self.auth, headers=_JSON)
        )
        found = answer.get("result") if isinstance(answer, dict) else None
        return str(found[0]["number"]) if found else None

    def add_comment(self, reference: str, body: str, *, public: bool) -> None:
        """`comments` (the caller sees them) or `work_notes` (agents only) on incident `reference`."""
        params = {"sysparm_query": f"number={reference}", "sysparm_fields": "sys_id", "sysparm_limit": "1"}
        answer = self.json_of(
            self.request("GET", self._incidents_url, params=params, auth=self.auth, headers=_JSON)
        )
        found = answer.get("result") if isinstance(answer, dict) else None
        if not found:
            raise ForwardingError(f"ServiceNow has no incident {reference}", retryable=True)
        field = "comments" if public else "work_notes"
        url = f"{self._incidents_url}/{found[0]['sys_id']}"
        self.request("PATCH", url, json={field: body}, auth=self.auth, headers=_JSON)
