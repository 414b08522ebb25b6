"""Forwarding through the outbox, on SQLite and PostgreSQL, to a real local helpdesk server.

Covers delivery, retries with backoff, refusals kept for staff, crashed workers, racing
workers, duplicate protection after unknown outcomes, and the helpdesk down for a while.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import ClassVar

import pytest
from local_http import LocalHTTPServer
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.settings import HelpdeskSettings
from bot.tickets.db import Database
from bot.tickets.desk import TicketDesk
from bot.tickets.forwarding import Forwarding, ForwardingLoop, RetryPolicy
from bot.tickets.models import DELIVERED, FORWARDED, FOUND, PENDING, REJECTED, RETRY, SENT
from bot.tickets.request import TicketRequest
from tools.stack import free_port

MakeRequest = Callable[..., TicketRequest]
SettingsFor = Callable[..., HelpdeskSettings]
START = datetime(2025, 11, 27, 9, 0, tzinfo=timezone.utc)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Setup:
    desk: TicketDesk
    forwarding: Forwarding


@pytest.fixture
def webhook_desk(
    database: Database, helpdesk: HTTPServer, settings_for: SettingsFor, clock: Clock
) -> Iterator[Setup]:
    yield setup(database, settings_for("webhook", helpdesk.url_for("/hook")), clock)


def setup(database: Database, settings: HelpdeskSettings, clock: Clock) -> Setup:
    desk = TicketDesk(database, settings, clock)
    assert desk.forwarder is not None
    forwarding = Forwarding(desk.outbox, desk.forwarder, RetryPolicy(15, 600), clock, rng=lambda: 1.0)
    return Setup(desk, forwarding)


def posts(server: HTTPServer) -> list[Request]:
    return [request for request, _ in server.log if request.method == "POST"]


def test_an_opened_ticket_is_forwarded_once(
    webhook_desk: Setup, helpdesk: HTTPServer, make_request: MakeRequest
) -> None:
    helpdesk.expect_request("/hook", method="POST").respond_with_json({"id": "WH-1"}, status=201)
    public_id = webhook_desk.desk.open(make_request()).ticket.public_id
    results = webhook_desk.forwarding.run_once()
    assert [(r.public_id, r.outcome, r.detail) for r in results] == [(public_id, SENT, "WH-1")]
    assert webhook_desk.forwarding.run_once() == []
    record = webhook_desk.desk.store.record(public_id)
    assert (record.ticket.status, record.ticket.helpdesk, record.ticket.helpdesk_reference) == (
        FORWARDED,
        "webhook",
        "WH-1",
    )
    assert record.delivery is not None and record.delivery.state == DELIVERED
    assert len(posts(helpdesk)) == 1


def test_a_failing_helpdesk_is_retried_with_growing_delays_until_it_accepts(
    webhook_desk: Setup, helpdesk: HTTPServer, make_request: MakeRequest, clock: Clock
) -> None:
    helpdesk.expect_request("/hook").respond_with_data("maintenance", status=503)
    public_id = webhook_desk.desk.open(make_request()).ticket.public_id
    schedule = []
    for _ in range(4):
        [result] = webhook_desk.forwarding.run_once()
        assert result.outcome == RETRY and result.next_attempt_at is not None
        schedule.append((result.next_attempt_at - clock.now).total_seconds())
        clock.advance(schedule[-1] - 1)
        assert webhook_desk.forwarding.run_once() == []  # not due yet
        clock.advance(1)
    assert schedule == [15, 30, 60, 120]
    record = webhook_desk.desk.store.record(public_id)
    assert record.delivery is not None
    assert (record.delivery.attempts, record.delivery.last_status_code) == (4, 503)
    assert record.delivery.last_error == "503 SERVICE UNAVAILABLE: maintenance"

    helpdesk.clear()
    helpdesk.expect_request("/hook").respond_with_json({"id": "WH-9"})
    assert [r.outcome for r in webhook_desk.forwarding.run_once()] == [SENT]
    attempts = webhook_desk.desk.store.record(public_id).attempts
    assert [a.outcome for a in attempts] == [RETRY, RETRY, RETRY, RETRY, SENT]


def test_delays_stop_growing_and_are_jittered(clock: Clock) -> None:
    policy = RetryPolicy(base_seconds=15, max_seconds=600)
    assert policy.delay(20, None, rng=lambda: 1.0) == 600
    assert policy.delay(3, None, rng=lambda: 0.0) == 30  # half of 60 at the most jitter
    assert policy.delay(1, retry_after=120, rng=lambda: 1.0) == 120
    assert policy.delay(1, retry_after=10**6, rng=lambda: 1.0) == 3600


def test_retry_after_is_honoured(
    webhook_desk: Setup, helpdesk: HTTPServer, make_request: MakeRequest, clock: Clock
) -> None:
    helpdesk.expect_request("/hook").respond_with_response(Response("", 429, headers={"Retry-After": "300"}))
    webhook_desk.desk.open(make_request())
    [result] = webhook_desk.forwarding.run_once()
    assert result.next_attempt_at == clock.now + timedelta(seconds=300)


def test_a_refused_ticket_waits_for_staff_and_can_be_retried(
    webhook_desk: Setup, helpdesk: HTTPServer, make_request: MakeRequest, clock: Clock
) -> None:
    helpdesk.expect_request("/hook").respond_with_data('{"error":"unknown requester"}', status=422)
    public_id = webhook_desk.desk.open(make_request()).ticket.public_id
    assert [r.outcome for r in webhook_desk.forwarding.run_once()] == [REJECTED]
    clock.advance(86_400)
    assert webhook_desk.forwarding.run_once(ignore_schedule=True) == []
    record = webhook_desk.desk.store.record(public_id)
    assert record.delivery is not None and record.delivery.state == REJECTED
    assert record.delivery.last_error == '422 UNPROCESSABLE ENTITY: {"error":"unknown requester"}'
    assert webhook_desk.desk.outbox.rejected() == [public_id]

    helpdesk.clear()
    helpdesk.expect_request("/hook").respond_with_json({"id": "WH-2"})
    assert webhook_desk.desk.outbox.requeue([public_id], "webhook", clock.now) == [public_id]
    assert [r.outcome for r in webhook_desk.forwarding.run_once()] == [SENT]
    assert len(posts(helpdesk)) == 1


def test_the_webhook_resends_with_the_same_idempotency_key_after_a_timeout(
    webhook_desk: Setup, helpdesk: HTTPServer, make_request: MakeRequest, clock: Clock
) -> None:
    received: dict[str, int] = {}

    def remembers_keys(request: Request) -> Response:
        key = request.headers["Idempotency-Key"]
        received[key] = received.get(key, 0) + 1
        if sum(received.values()) == 1:
            time.sleep(2.5)  # the first answer comes too late: the bot cannot know it arrived
        return Response('{"id": "WH-3"}', status=201, content_type="application/json")

    helpdesk.expect_request("/hook").respond_with_handler(remembers_keys)
    ticket = webhook_desk.desk.open(make_request()).ticket
    assert [r.outcome for r in webhook_desk.forwarding.run_once()] == [RETRY]
    clock.advance(60)
    assert [r.outcome for r in webhook_desk.forwarding.run_once()] == [SENT]
    assert received == {ticket.request_key: 2}  # one key: the receiver creates one ticket


@dataclass
class FakeHelpdesk:
    """A searchable helpdesk (Zendesk, Jira or ServiceNow) that remembers what it created."""

    kind: str
    created: list[dict[str, object]] = field(default_factory=list)
    slow_first_create: bool = False

    PATHS: ClassVar[dict[str, str]] = {
        "zendesk": "/api/v2/tickets.json",
        "jira": "/rest/servicedeskapi/request",
        "servicenow": "/api/now/table/incident",
    }

    def ours(self, body: dict[str, object]) -> str:
        if self.kind == "zendesk":
            return str(body["ticket"]["external_id"])  # type: ignore[index]
        if self.kind == "jira":
            return str(body["requestFieldValues"]["summary"])[1:10]  # type: ignore[index]
        return str(body["correlation_id"])

    def create(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        number = len(self.created) + 1
        self.created.append(body)
        if self.slow_first_create and number == 1:
            time.sleep(2.5)
        answer = {
            "zendesk": {"ticket": {"id": number}},
            "jira": {"issueKey": f"HELP-{number}"},
            "servicenow": {"result": {"number": f"INC{number:07d}"}},
        }[self.kind]
        return Response(json.dumps(answer), status=201, content_type="application/json")

    def search(self, request: Request) -> Response:
        wanted = str(
            request.args.get("external_id")
            or request.args.get("searchTerm")
            or request.args.get("sysparm_query", "").removeprefix("correlation_id=")
        )
        found = [(n, body) for n, body in enumerate(self.created, 1) if self.ours(body) == wanted]
        answer: dict[str, object]
        if self.kind == "zendesk":
            answer = {"tickets": [{"id": n} for n, _ in found]}
        elif self.kind == "jira":
            summaries = [(n, body["requestFieldValues"]["summary"]) for n, body in found]  # type: ignore[index]
            answer = {
                "values": [
                    {
                        "issueKey": f"HELP-{n}",
                        "requestFieldValues": [{"fieldId": "summary", "value": summary}],
                    }
                    for n, summary in summaries
                ]
            }
        else:
            answer = {"result": [{"number": f"INC{n:07d}"} for n, _ in found]}
        return Response(json.dumps(answer), status=200, content_type="application/json")

    def serve(self, server: HTTPServer) -> None:
        server.expect_request(self.PATHS[self.kind], method="POST").respond_with_handler(self.create)
        server.expect_request(self.PATHS[self.kind], method="GET").respond_with_handler(self.search)


SEARCHABLE = ["zendesk", "jira", "servicenow"]


@pytest.fixture
def searchable(
    request: pytest.FixtureRequest,
    database: Database,
    helpdesk: HTTPServer,
    settings_for: SettingsFor,
    clock: Clock,
) -> Setup:
    """A desk forwarding to the parametrised searchable helpdesk at the local server."""
    return setup(database, settings_for(request.param, helpdesk.url_for("")), clock)


@pytest.mark.parametrize("searchable", SEARCHABLE, indirect=True)
def test_after_an_unknown_outcome_the_ticket_is_looked_up_not_sent_again(
    searchable: Setup, helpdesk: HTTPServer, make_request: MakeRequest, clock: Clock
) -> None:
    fake = FakeHelpdesk(searchable.desk.helpdesk.kind, slow_first_create=True)
    fake.serve(helpdesk)
    forwarding = searchable
    public_id = forwarding.desk.open(make_request()).ticket.public_id
    assert [r.outcome for r in forwarding.forwarding.run_once()] == [RETRY]  # timed out, yet created
    clock.advance(60)
    [result] = forwarding.forwarding.run_once()
    assert result.outcome == FOUND
    assert len(fake.created) == 1
    assert forwarding.desk.store.record(public_id).ticket.helpdesk_reference == result.detail


@pytest.mark.parametrize("searchable", SEARCHABLE, indirect=True)
def test_a_ticket_that_never_arrived_is_sent_after_the_lookup(
    searchable: Setup, helpdesk: HTTPServer, make_request: MakeRequest, clock: Clock
) -> None:
    kind = searchable.desk.helpdesk.kind
    fake = FakeHelpdesk(kind)
    helpdesk.expect_oneshot_request(FakeHelpdesk.PATHS[kind], method="POST").respond_with_data("", status=502)
    fake.serve(helpdesk)
    forwarding = searchable
    forwarding.desk.open(make_request())
    assert [r.outcome for r in forwarding.forwarding.run_once()] == [RETRY]
    clock.advance(60)
    assert [r.outcome for r in forwarding.forwarding.run_once()] == [SENT]
    assert len(fake.created) == 1
    methods = [request.method for request, _ in helpdesk.log]
    assert methods == ["POST", "GET", "POST"]


def test_a_worker_that_died_while_sending_leaves_the_ticket_to_the_next(
    database: Database,
    helpdesk: HTTPServer,
    settings_for: SettingsFor,
    make_request: MakeRequest,
    clock: Clock,
) -> None:
    fake = FakeHelpdesk("zendesk")
    fake.serve(helpdesk)
    forwarding = setup(database, settings_for("zendesk", helpdesk.url_for("")), clock)
    forwarding.desk.open(make_request())
    [delivery_id] = forwarding.desk.outbox.due(clock.now)
    assert forwarding.desk.outbox.claim(
        delivery_id, clock.now, forwarding.forwarding.lease, ignore_schedule=False
    )
    # ... and the worker is gone. Until its lease runs out nobody else sends the ticket:
    assert forwarding.forwarding.run_once() == []
    clock.advance(forwarding.forwarding.lease.total_seconds() + 1)
    assert [r.outcome for r in forwarding.forwarding.run_once()] == [SENT]
    assert [request.method for request, _ in helpdesk.log] == ["GET", "POST"]  # looked up first


def test_racing_workers_send_each_ticket_once(
    database: Database, helpdesk: HTTPServer, settings_for: SettingsFor, make_request: MakeRequest
) -> None:
    keys: list[str] = []
    lock = threading.Lock()

    def count(request: Request) -> Response:
        with lock:
            keys.append(request.headers["Idempotency-Key"])
        return Response('{"id": "x"}', status=201, content_type="application/json")

    helpdesk.expect_request("/hook").respond_with_handler(count)
    settings = settings_for("webhook", helpdesk.url_for("/hook"))
    desk = TicketDesk(database, settings)
    for number in range(10):
        desk.open(make_request(sender_id=f"person-{number}"))
    workers = [desk.forwarding() for _ in range(3)]
    threads = [threading.Thread(target=w.run_once) for w in workers if w is not None]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 10 and len(set(keys)) == 10
    assert all(r.delivery and r.delivery.state == DELIVERED for r in desk.store.records())


def test_the_background_loop_forwards_a_new_ticket_when_woken(
    database: Database, helpdesk: HTTPServer, settings_for: SettingsFor, make_request: MakeRequest
) -> None:
    helpdesk.expect_request("/hook").respond_with_json({"id": "WH-7"})
    desk = TicketDesk(
        database, settings_for("webhook", helpdesk.url_for("/hook"), forward_interval_seconds=60)
    )
    forwarding = desk.forwarding()
    assert forwarding is not None
    loop = ForwardingLoop(forwarding, interval_seconds=60)
    loop.start()
    time.sleep(0.2)  # let the first (empty) pass finish, so only the wake-up can send the ticket
    desk.on_opened = loop.wake
    public_id = desk.open(make_request()).ticket.public_id
    deadline = time.monotonic() + 10
    while desk.store.record(public_id).ticket.status != FORWARDED and time.monotonic() < deadline:
        time.sleep(0.05)
    loop.stop()
    assert desk.store.record(public_id).ticket.helpdesk_reference == "WH-7"


def test_twenty_tickets_opened_while_the_helpdesk_is_down_all_arrive_once(
    database: Database, settings_for: SettingsFor, make_request: MakeRequest, clock: Clock
) -> None:
    """The closing note's figure: tickets opened with the helpdesk down, then up, and what arrived."""
    port = free_port()
    forwarding = setup(database, settings_for("webhook", f"http://127.0.0.1:{port}/hook"), clock)
    opened = [forwarding.desk.open(make_request(sender_id=f"person-{n}")) for n in range(20)]
    retried = [forwarding.desk.open(make_request(sender_id=f"person-{n}")) for n in range(0, 20, 4)]
    assert all(o.created for o in opened) and not any(o.created for o in retried)
    assert {o.ticket.public_id for o in retried} <= {o.ticket.public_id for o in opened}

    for _ in range(3):  # hours of downtime: every pass finds the helpdesk unreachable
        results = forwarding.forwarding.run_once(ignore_schedule=True)
        assert len(results) == 20 and {r.outcome for r in results} == {RETRY}
        clock.advance(3600)

    server = LocalHTTPServer(host="127.0.0.1", port=port, threaded=True)
    server.expect_request("/hook", method="POST").respond_with_json({"id": "accepted"}, status=201)
    server.start()
    try:
        drained = forwarding.forwarding.run_once()
        assert forwarding.forwarding.run_once(ignore_schedule=True) == []
    finally:
        server.stop()
    arrived = [json.loads(request.get_data())["id"] for request, _ in server.log]
    keys = [request.headers["Idempotency-Key"] for request, _ in server.log]
    print(
        f"\nhelpdesk down: 25 open requests (5 repeated) -> {len(opened)} tickets; "
        f"after recovery {len(arrived)} arrived, {len(set(arrived))} distinct"
    )
    assert [r.outcome for r in drained] == [SENT] * 20
    assert sorted(arrived) == sorted(o.ticket.public_id for o in opened)
    assert len(set(keys)) == 20
    assert not [r for r in forwarding.desk.store.records() if r.ticket.status != FORWARDED]
    assert not forwarding.desk.outbox.due(clock.now, ignore_schedule=True)
    assert PENDING not in {r.delivery.state for r in forwarding.desk.store.records() if r.delivery}
