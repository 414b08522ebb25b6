"""Local stand-ins for Zendesk, Jira Service Management and ServiceNow, with their webhooks.

`Helpdesk` is a real HTTP server (pytest-httpserver) that keeps tickets and comments the way
each helpdesk's API does (the endpoints the forwarders call), and plays an agent: `reply`
adds a public comment and sends the bot the webhook that helpdesk would send, signed its way;
`close` solves the ticket. Each webhook is returned, so a test can deliver it again or late.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests
from local_http import LocalHTTPServer
from werkzeug import Request, Response

from tools.stack import free_port

SECRETS = {
    "zendesk": "zendesk-signing-secret",
    "jira": "jira-webhook-secret",
    "servicenow": "snow-shared-secret",
}


@dataclass
class StandInTicket:
    reference: str
    subject: str
    body: str
    comments: list[dict[str, Any]] = field(default_factory=list)
    status: str = "open"
    sys_id: str = ""


@dataclass(frozen=True)
class Webhook:
    """One webhook as the helpdesk sent it: deliver it again with `send`."""

    url: str
    body: bytes
    headers: dict[str, str]

    def send(self) -> requests.Response:
        return requests.post(self.url, data=self.body, headers=self.headers, timeout=30)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


class Helpdesk:
    """One helpdesk of `kind`; `bot_url` is the Rasa server its webhooks go to."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.server = LocalHTTPServer("127.0.0.1", free_port(), threaded=True)
        self.tickets: dict[str, StandInTicket] = {}
        self.lock = threading.Lock()
        self.bot_url = ""
        self._ids = itertools.count(1)
        self._comment_ids = itertools.count(9001)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def env(self) -> dict[str, str]:
        """What a bot needs to use this stand-in (HELPDESK_* and the webhook secret)."""
        return {
            "HELPDESK": self.kind,
            "HELPDESK_URL": self.url,
            "HELPDESK_USER": "bot@example.com",
            "HELPDESK_TOKEN": "api-token",
            "JIRA_SERVICE_DESK_ID": "10",
            "JIRA_REQUEST_TYPE_ID": "25",
            f"{self.kind.upper()}_WEBHOOK_SECRET": SECRETS[self.kind],
        }

    # -- the API the forwarders call ---------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        with self.lock:
            answer, status = self._answer(request.method, request.path, request.args, body)
        return Response(json.dumps(answer), status=status, content_type="application/json")

    def _new(self, reference: str, subject: str, text: str) -> StandInTicket:
        ticket = StandInTicket(reference, subject, text, sys_id=f"sys{len(self.tickets) + 1:04d}")
        self.tickets[reference] = ticket
        return ticket

    def _answer(self, method: str, path: str, args: Any, body: dict[str, Any]) -> tuple[Any, int]:
        if self.kind == "zendesk":
            if method == "POST" and path == "/api/v2/tickets.json":
                ticket = body["ticket"]
                made = self._new(str(next(self._ids)), ticket["subject"], ticket["comment"]["body"])
                return {"ticket": {"id": int(made.reference)}}, 201
            if method == "GET" and path == "/api/v2/tickets.json":
                return {"tickets": []}, 200
            found = re.match(r"^/api/v2/tickets/(\d+)\.json$", path)
            if method == "PUT" and found and found[1] in self.tickets:
                comment = body["ticket"]["comment"]
                self.tickets[found[1]].comments.append({"body": comment["body"], "public": comment["public"]})
                return {"ticket": {"id": int(found[1])}}, 200
        if self.kind == "jira":
            if method == "POST" and path == "/rest/servicedeskapi/request":
                fields = body["requestFieldValues"]
                made = self._new(f"SD-{next(self._ids)}", fields["summary"], fields["description"])
                return {"issueKey": made.reference}, 201
            if method == "GET" and path == "/rest/servicedeskapi/request":
                return {"values": []}, 200
            found = re.match(r"^/rest/servicedeskapi/request/([A-Z]+-\d+)/comment$", path)
            if method == "POST" and found and found[1] in self.tickets:
                self.tickets[found[1]].comments.append({"body": body["body"], "public": body["public"]})
                return {"id": str(next(self._comment_ids))}, 201
        if self.kind == "servicenow":
            if method == "POST" and path == "/api/now/table/incident":
                made = self._new(f"INC{next(self._ids):07d}", body["short_description"], body["description"])
                return {"result": {"number": made.reference, "sys_id": made.sys_id}}, 201
            if method == "GET" and path == "/api/now/table/incident":
                query = args.get("sysparm_query", "")
                number = query.removeprefix("number=")
                hits = [t for t in self.tickets.values() if t.reference == number]
                return {"result": [{"number": t.reference, "sys_id": t.sys_id} for t in hits]}, 200
            found = re.match(r"^/api/now/table/incident/(\w+)$", path)
            ticket = next((t for t in self.tickets.values() if found and t.sys_id == found[1]), None)
            if method == "PATCH" and ticket is not None:
                public = "comments" in body
                ticket.comments.append(
                    {"body": body.get("comments") or body.get("work_notes"), "public": public}
                )
                return {"result": {"number": ticket.reference}}, 200
        return {"error": f"the stand-in does not know {method} {path}"}, 404

    # -- the agent ---------------------------------------------------------------------------

    def count(self) -> int:
        with self.lock:
            return len(self.tickets)

    def wait_for_ticket(self, after: int, timeout: float = 60) -> StandInTicket:
        """The ticket made after the first `after` ones, once the bot has forwarded it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.tickets) > after:
                    return list(self.tickets.values())[after]
            time.sleep(0.1)
        raise AssertionError(f"no new ticket reached the {self.kind} stand-in")

    def notes(self, ticket: StandInTicket) -> list[str]:
        with self.lock:
            return [str(c["body"]) for c in ticket.comments]

    def wait_for_note(self, ticket: StandInTicket, fragment: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [note for note in self.notes(ticket) if fragment in note]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no note with {fragment!r} on {ticket.reference}: {self.notes(ticket)}")

    def reply(
        self, ticket: StandInTicket, text: str, *, written: datetime | None = None, send: bool = True
    ) -> Webhook:
        """An agent's public reply; its webhook is sent unless `send` is False."""
        written = _utc(written or datetime.now(timezone.utc))
        comment_id = str(next(self._comment_ids))
        with self.lock:
            ticket.comments.append({"body": text, "public": True, "id": comment_id})
        webhook = self._webhook(ticket, self._comment_payload(ticket, comment_id, text, written))
        if send:
            answer = webhook.send()
            assert answer.status_code == 200, answer.text
        return webhook

    def close(self, ticket: StandInTicket) -> Webhook:
        with self.lock:
            ticket.status = "solved"
        webhook = self._webhook(ticket, self._close_payload(ticket))
        answer = webhook.send()
        assert answer.status_code == 200, answer.text
        return webhook

    def _comment_payload(self, ticket: StandInTicket, comment_id: str, text: str, written: datetime) -> Any:
        if self.kind == "zendesk":
            return {
                "ticket_id": ticket.reference,
                "status": ticket.status,
                "comment": {
                    "id": comment_id,
                    "body": text,
                    "public": True,
                    "author": "Sam",
                    "created_at": written.isoformat(timespec="seconds").replace("+00:00", "Z"),
                },
            }
        if self.kind == "jira":
            return {
                "timestamp": int(written.timestamp() * 1000),
                "webhookEvent": "comment_created",
                "issue": {"key": ticket.reference},
                "comment": {
                    "id": comment_id,
                    "body": text,
                    "author": {"displayName": "Sam"},
                    "jsdPublic": True,
                    "created": written.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                },
            }
        return {
            "number": ticket.reference,
            "sys_id": ticket.sys_id,
            "state": "2",
            "comment": {
                "id": f"journal{comment_id}",
                "body": text,
                "author": "Sam",
                "created_at": written.strftime("%Y-%m-%d %H:%M:%S"),
            },
        }

    def _close_payload(self, ticket: StandInTicket) -> Any:
        updated = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        if self.kind == "zendesk":
            return {"ticket_id": ticket.reference, "status": "solved", "updated_at": updated}
        if self.kind == "jira":
            return {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "jira:issue_updated",
                "issue": {"key": ticket.reference, "fields": {"status": {"statusCategory": {"key": "done"}}}},
                "changelog": {"id": "5001", "items": [{"field": "status", "toString": "Resolved"}]},
            }
        return {"number": ticket.reference, "sys_id": ticket.sys_id, "state": "6", "updated_at": updated}

    def _webhook(self, ticket: StandInTicket, payload: Any) -> Webhook:
        body = json.dumps(payload).encode()
        return Webhook(f"{self.bot_url}/webhooks/helpdesk/{self.kind}", body, signed_headers(self.kind, body))


def signed_headers(kind: str, body: bytes, secret: str | None = None) -> dict[str, str]:
    """The headers `kind` sends with a webhook body, made with its secret."""
    key = (secret or SECRETS[kind]).encode()
    headers = {"Content-Type": "application/json"}
    if kind == "zendesk":
        timestamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        digest = hmac.new(key, timestamp.encode() + body, hashlib.sha256).digest()
        headers["X-Zendesk-Webhook-Signature"] = base64.b64encode(digest).decode()
        headers["X-Zendesk-Webhook-Signature-Timestamp"] = timestamp
    elif kind == "jira":
        headers["X-Hub-Signature"] = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    else:
        headers["X-Recovery-Bot-Token"] = key.decode()
    return headers
