"""Jira Service Management: create a customer request (POST /rest/servicedeskapi/request).

Jira has no idempotency header, so our ticket id leads the summary ("[RB-7K3P9Q] ...") and,
after an attempt with an unknown outcome, requests are searched for it before sending again.
Authentication: an Atlassian account email and API token (HELPDESK_USER, HELPDESK_TOKEN);
JIRA_SERVICE_DESK_ID and JIRA_REQUEST_TYPE_ID say where requests go.
"""

from __future__ import annotations

from typing import Any

from bot.tickets.forwarders.base import Forwarder, ForwardingError
from bot.tickets.payload import TicketPayload


class JiraForwarder(Forwarder):
    """Opens tickets as Jira Service Management customer requests."""
    name = "jira"
    required = (
        ("url", "HELPDESK_URL"),
        ("user", "HELPDESK_USER"),
        ("token", "HELPDESK_TOKEN"),
        ("jira_service_desk_id", "JIRA_SERVICE_DESK_ID"),
        ("jira_request_type_id", "JIRA_REQUEST_TYPE_ID"),
    )
    can_find = True

    @property
    def _requests_url(self) -> str:
        return f"{self.settings.url}/rest/servicedeskapi/request"

    def create(self, ticket: TicketPayload, idempotency_key: str) -> str:
        """Opens the customer request; returns its issue key."""
        body = {
            "serviceDeskId": self.settings.jira_service_desk_id,
            "requestTypeId": self.settings.jira_request_type_id,
            "requestFieldValues": {"summary": ticket.subject, "description": ticket.body},
        }
        headers = {"Accept": "application/json"}
        answer = self.json_of(
            self.request("POST", self._requests_url, json=body, auth=self.auth, headers=headers)
        )
        if not isinstance(answer, dict) or not answer.get("issueKey"):
            raise ForwardingError("Jira accepted the request without an issue key", retryable=True)
        return str(answer["issueKey"])

    def find(self, ticket: TicketPayload) -> str | None:
        """The key of the request opened for this ticket before, if any."""
        params = {
            "serviceDeskId": self.settings.jira_service_desk_id,
            "searchTerm": ticket.public_id,
            "requestStatus": "ALL_REQUESTS",
        }
        answer = self.json_of(
            self.request(
                "GET",
                self._requests_url,
                params=params,
                auth=self.auth,
                headers={"Accept": "application/json"},
            )
        )
        values: list[dict[str, Any]] = answer.get("values", []) if isinstance(answer, dict) else []
        marker = f"[{ticket.public_id}]"
        for request in values:
            fields = request.get("requestFieldValues") or []
            summary = next((f.get("value") for f in fields if f.get("fieldId") == "summary"), "")
            if marker in str(summary):
                return str(request["issueKey"])
        return None

    def add_comment(self, reference: str, body: str, *, public: bool) -> None:
        """Adds a comment to the request (for the customer when `public`)."""
        url = f"{self._requests_url}/{reference}/comment"
        headers = {"Accept": "application/json"}
        self.request("POST", url, json={"body": body, "public": public}, auth=self.auth, headers=headers)
