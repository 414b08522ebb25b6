"""Each helpdesk forwarder against a real local HTTP server: the exact requests, and failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.settings import HelpdeskSettings
from bot.tickets.forwarders import ConfigurationError, ForwardingError, forwarder_for
from bot.tickets.forwarders.jira import JiraForwarder
from bot.tickets.forwarders.servicenow import ServiceNowForwarder
from bot.tickets.forwarders.webhook import WebhookForwarder, signature
from bot.tickets.forwarders.zendesk import ZendeskForwarder
from bot.tickets.payload import TicketPayload
from bot.tickets.request import TicketRequest, new_ticket

KEY = "idempotency-key-of-this-request"
SettingsFor = Callable[..., HelpdeskSettings]
OPENED = datetime(2025, 11, 27, 14, 5, tzinfo=timezone.utc)


@pytest.fixture
def ticket(make_request: Callable[..., TicketRequest]) -> TicketPayload:
    return TicketPayload(new_ticket(make_request(contact_name="Jane Doe"), "RB-7K3P9Q", OPENED))


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_webhook_posts_signed_json_with_an_idempotency_key(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    body = json.dumps(ticket.as_json(), sort_keys=True, separators=(",", ":")).encode()
    helpdesk.expect_oneshot_request(
        "/hooks/tickets",
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": KEY,
            "X-Recovery-Bot-Timestamp": "1700000000",
            "X-Recovery-Bot-Signature": signature("s3cret-signing-key", "1700000000", body),
        },
        data=body,
    ).respond_with_json({"id": "WH-42"}, status=201)
    settings = settings_for("webhook", helpdesk.url_for("/hooks/tickets"))
    forwarder = WebhookForwarder(settings, clock=lambda: 1_700_000_000.4)
    assert forwarder.create(ticket, KEY) == "WH-42"
    helpdesk.check_assertions()
    sent = json.loads(helpdesk.log[0][0].get_data())
    assert sent["id"] == "RB-7K3P9Q" and sent["contact"] == {"email": "jane@example.com", "name": "Jane Doe"}
    assert sent["account_type"] == "work_school" and sent["recovery_path"] == "work_school.locked_out"


def test_the_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    expected = hmac.new(b"key", b"v1:123:{}", hashlib.sha256).hexdigest()
    assert signature("key", "123", b"{}") == f"v1={expected}"


def test_a_webhook_without_a_reference_answers_with_our_id(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request("/hook", method="POST").respond_with_data("", status=204)
    forwarder = WebhookForwarder(settings_for("webhook", helpdesk.url_for("/hook")))
    assert forwarder.create(ticket, KEY) == "RB-7K3P9Q"


def test_zendesk_creates_a_ticket_with_idempotency_key(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request(
        "/api/v2/tickets.json",
        method="POST",
        headers={"Idempotency-Key": KEY, "Authorization": basic("bot@example.com/token", "api-token")},
        json={
            "ticket": {
                "subject": "[RB-7K3P9Q] Sign-in help: work or school account, no working way to verify",
                "comment": {"body": ticket.body},
                "requester": {"email": "jane@example.com", "name": "Jane Doe"},
                "external_id": "RB-7K3P9Q",
                "tags": ["mfa_recovery_bot"],
            }
        },
    ).respond_with_json({"ticket": {"id": 4711}}, status=201)
    assert ZendeskForwarder(settings_for("zendesk", helpdesk.url_for(""))).create(ticket, KEY) == "4711"
    helpdesk.check_assertions()
    assert "Contact: Jane Doe <jane@example.com>" in ticket.body


def test_zendesk_finds_a_ticket_by_our_id(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    forwarder = ZendeskForwarder(settings_for("zendesk", helpdesk.url_for("")))
    helpdesk.expect_oneshot_request(
        "/api/v2/tickets.json", method="GET", query_string={"external_id": "RB-7K3P9Q"}
    ).respond_with_json({"tickets": [{"id": 4711}]})
    helpdesk.expect_oneshot_request("/api/v2/tickets.json", method="GET").respond_with_json({"tickets": []})
    assert forwarder.find(ticket) == "4711"
    assert forwarder.find(ticket) is None


def test_jira_creates_a_customer_request(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request(
        "/rest/servicedeskapi/request",
        method="POST",
        headers={"Authorization": basic("bot@example.com", "api-token"), "Accept": "application/json"},
        json={
            "serviceDeskId": "10",
            "requestTypeId": "25",
            "requestFieldValues": {"summary": ticket.subject, "description": ticket.body},
        },
    ).respond_with_json({"issueKey": "HELP-12", "issueId": "10012"}, status=201)
    assert JiraForwarder(settings_for("jira", helpdesk.url_for(""))).create(ticket, KEY) == "HELP-12"
    helpdesk.check_assertions()


def test_jira_finds_a_request_whose_summary_carries_our_id(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    def summary(text: str) -> list[dict[str, str]]:
        return [{"fieldId": "summary", "value": text}]

    helpdesk.expect_oneshot_request(
        "/rest/servicedeskapi/request",
        method="GET",
        query_string={"serviceDeskId": "10", "searchTerm": "RB-7K3P9Q", "requestStatus": "ALL_REQUESTS"},
    ).respond_with_json(
        {
            "values": [
                {"issueKey": "HELP-3", "requestFieldValues": summary("RB-7K3P9Q mentioned in passing")},
                {"issueKey": "HELP-12", "requestFieldValues": summary(ticket.subject)},
            ]
        }
    )
    assert JiraForwarder(settings_for("jira", helpdesk.url_for(""))).find(ticket) == "HELP-12"


def test_servicenow_creates_an_incident_correlated_with_our_id(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request(
        "/api/now/table/incident",
        method="POST",
        headers={"Authorization": basic("bot@example.com", "api-token"), "Accept": "application/json"},
        json={
            "short_description": ticket.subject,
            "description": ticket.body,
            "correlation_id": "RB-7K3P9Q",
            "correlation_display": "mfa-recovery-bot",
        },
    ).respond_with_json({"result": {"number": "INC0010001", "sys_id": "abc"}}, status=201)
    forwarder = ServiceNowForwarder(settings_for("servicenow", helpdesk.url_for("")))
    assert forwarder.create(ticket, KEY) == "INC0010001"
    helpdesk.check_assertions()


def test_servicenow_finds_an_incident_by_correlation_id(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request(
        "/api/now/table/incident",
        method="GET",
        query_string={
            "sysparm_query": "correlation_id=RB-7K3P9Q",
            "sysparm_fields": "number,sys_id",
            "sysparm_limit": "1",
        },
    ).respond_with_json({"result": [{"number": "INC0010001", "sys_id": "abc"}]})
    forwarder = ServiceNowForwarder(settings_for("servicenow", helpdesk.url_for("")))
    assert forwarder.find(ticket) == "INC0010001"


def slow(seconds: float) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response("{}", status=201, content_type="application/json")

    return handler


@pytest.mark.parametrize(
    ("answer", "retryable", "detail"),
    [
        (Response("down for maintenance", status=503), True, "503 SERVICE UNAVAILABLE: down for maintenance"),
        (Response("", status=500), True, "500 INTERNAL SERVER ERROR"),
        (
            Response('{"error": "bad email"}', status=422),
            False,
            '422 UNPROCESSABLE ENTITY: {"error": "bad email"}',
        ),
        (Response("", status=401), False, "401 UNAUTHORIZED"),
        (Response("", status=302, headers={"Location": "/login"}), False, "302 FOUND"),
    ],
)
def test_failures_say_whether_to_retry(
    settings_for: SettingsFor,
    helpdesk: HTTPServer,
    ticket: TicketPayload,
    answer: Response,
    retryable: bool,
    detail: str,
) -> None:
    helpdesk.expect_oneshot_request("/hook").respond_with_response(answer)
    with pytest.raises(ForwardingError) as failure:
        WebhookForwarder(settings_for("webhook", helpdesk.url_for("/hook"))).create(ticket, KEY)
    assert (failure.value.retryable, failure.value.detail) == (retryable, detail)
    assert failure.value.status_code == answer.status_code


def test_too_many_requests_is_retried_after_the_time_asked(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request("/hook").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "120"})
    )
    with pytest.raises(ForwardingError) as failure:
        WebhookForwarder(settings_for("webhook", helpdesk.url_for("/hook"))).create(ticket, KEY)
    assert failure.value.retryable and failure.value.retry_after == 120


def test_a_slow_helpdesk_times_out_and_is_retried(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    helpdesk.expect_oneshot_request("/hook").respond_with_handler(slow(2.5))
    with pytest.raises(ForwardingError) as failure:
        WebhookForwarder(settings_for("webhook", helpdesk.url_for("/hook"))).create(ticket, KEY)
    assert failure.value.retryable and failure.value.detail == "no answer within 1.5s"


def test_a_helpdesk_that_is_not_listening_is_retried(
    settings_for: SettingsFor, helpdesk: HTTPServer, ticket: TicketPayload
) -> None:
    url = helpdesk.url_for("/hook")
    helpdesk.stop()
    with pytest.raises(ForwardingError) as failure:
        WebhookForwarder(settings_for("webhook", url)).create(ticket, KEY)
    assert failure.value.retryable and failure.value.detail == "could not connect (refused or unreachable)"


def test_missing_settings_are_named(
    settings_for: SettingsFor,
) -> None:
    with pytest.raises(ConfigurationError, match="HELPDESK=webhook needs HELPDESK_WEBHOOK_SECRET"):
        forwarder_for(settings_for("webhook", "http://127.0.0.1:1/hook", webhook_secret=""))
    with pytest.raises(ConfigurationError, match="JIRA_SERVICE_DESK_ID, JIRA_REQUEST_TYPE_ID"):
        forwarder_for(settings_for("jira", "http://x", jira_service_desk_id="", jira_request_type_id=""))
    assert forwarder_for(settings_for("", "")) is None
