"""Tickets end to end: the trained bot over REST, its action server, a SQLite store and a webhook helpdesk.

The helpdesk (a real local HTTP server) starts down: tickets opened meanwhile wait in the
outbox and arrive, once each, when it comes up. Then tickets are opened, looked up by their
owner and by a stranger, and a form is cancelled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from local_http import LocalHTTPServer
from werkzeug import Request, Response

from bot.settings import IN_PROCESS_ACTIONS, PROJECT_ROOT
from bot.tickets import Database, TicketStore, find_ticket_id
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, free_port, isolated_settings, wait_until

pytestmark = pytest.mark.servers

SECRET = "integration-signing-secret"


@dataclass
class Helpdesk:
    """The webhook receiver: checks each signature and remembers every ticket it was sent."""

    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server = LocalHTTPServer(host="127.0.0.1", port=self.port, threaded=True)
        self.server.expect_request("/tickets", method="POST").respond_with_handler(self.receive)

    def receive(self, request: Request) -> Response:
        body = request.get_data()
        timestamp = request.headers["X-Recovery-Bot-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"v1:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers["X-Recovery-Bot-Signature"], f"v1={expected}"):
            return Response("bad signature", status=401)
        with self.lock:
            self.received.append(json.loads(body))
            self.keys.append(request.headers["Idempotency-Key"])
            return Response(json.dumps({"id": f"WH-{len(self.received)}"}), status=201)

    def ids(self) -> list[str]:
        with self.lock:
            return [ticket["id"] for ticket in self.received]

    def up(self) -> None:
        if not self.server.is_running():
            self.server.start()


@dataclass
class TicketBot:
    stack: Stack
    helpdesk: Helpdesk
    env: dict[str, str]

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        return self.stack.say(sender, message)

    def text(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, message))

    def tracker(self, sender: str) -> dict[str, Any]:
        return self.stack.tracker(sender)

    def store(self) -> TicketStore:
        return TicketStore(Database(self.env["TICKETS_DB_URL"]))

    def open_ticket(self, sender: str, description: str) -> str:
        assert "email address" in self.text(sender, "I want to talk to a person")
        assert "what happened" in self.text(sender, f"my email is {sender}@example.com")
        opened = self.text(sender, description)
        ticket_id = find_ticket_id(opened)
        assert ticket_id, opened
        return ticket_id


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TicketBot]:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir = tmp_path_factory.mktemp("ticket-bot")
    helpdesk = Helpdesk(free_port())
    settings = isolated_settings(var_dir)
    env = {
        **ONE_ADDRESS_LOAD_ENV,
        "TICKETS_DB_URL": settings.tickets_db_url,  # also read by the CLI this module runs
        "HELPDESK": "webhook",
        "HELPDESK_URL": f"http://127.0.0.1:{helpdesk.port}/tickets",
        "HELPDESK_WEBHOOK_SECRET": SECRET,
        "HELPDESK_TIMEOUT_SECONDS": "3",
        "TICKETS_RETRY_BASE_SECONDS": "1",
        "TICKETS_RETRY_MAX_SECONDS": "3",
        "TICKETS_FORWARD_INTERVAL_SECONDS": "0.5",
    }
    try:
        with Stack(settings, extra_env=env, log_dir=var_dir / "logs").running() as stack:
            yield TicketBot(stack, helpdesk, env)
    finally:
        if helpdesk.server.is_running():
            helpdesk.server.stop()


FORM_DOMAIN = {"forms": {"ticket_form": {"required_slots": ["contact_email", "ticket_description"]}}}


def replay_last_form_call(bot: TicketBot, sender: str) -> dict[str, Any]:
    """Calls validate_ticket_form again as Rasa did in the form's last turn, the one that opened
    the ticket (a retried action call)."""
    tracker = bot.tracker(sender)
    events = tracker["events"]
    answered_at = max(i for i, e in enumerate(events) if e.get("event") == "user")
    filled = {e["name"]: e["value"] for e in events[:answered_at] if e.get("event") == "slot"}
    asked = {"event": "slot", "name": "requested_slot", "value": "ticket_description", "timestamp": None}
    tracker["events"] = [*events[: answered_at + 1], asked, {"event": "action", "name": "ticket_form"}]
    tracker["slots"] = {**tracker["slots"], **filled, "ticket_id": None, "requested_slot": asked["value"]}
    tracker["active_loop"] = {"name": "ticket_form"}
    call = {"next_action": "validate_ticket_form", "tracker": tracker, "domain": FORM_DOMAIN}
    reply = requests.post(bot.stack.settings.action_server_url, json=call, timeout=30)
    reply.raise_for_status()
    return dict(reply.json())


DOWNTIME_TICKETS = 20
REPLAYED = range(0, DOWNTIME_TICKETS, 4)  # every 4th action call is retried, as a channel or Rasa might


def test_tickets_opened_while_the_helpdesk_is_down_arrive_once_when_it_is_back(bot: TicketBot) -> None:
    senders = [f"down-{n}-{uuid.uuid4().hex[:6]}" for n in range(DOWNTIME_TICKETS)]
    opened = [bot.open_ticket(sender, "new phone, the Authenticator app is empty") for sender in senders]
    for n in REPLAYED:
        replayed = replay_last_form_call(bot, senders[n])
        assert {"event": "slot", "name": "ticket_id", "value": opened[n], "timestamp": None} in replayed[
            "events"
        ]
        assert replayed["responses"][0]["response"] == "utter_ticket_exists"

    store = bot.store()
    assert wait_until(lambda: all((r.delivery and r.delivery.attempts >= 2) for r in store.records()))
    assert len(store.records()) == DOWNTIME_TICKETS
    assert {r.ticket.status for r in store.records()} == {"open"}  # tried, and still waiting

    bot.helpdesk.up()
    drain = subprocess.run(
        [sys.executable, "-m", "bot", "tickets", "retry"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **bot.env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert drain.returncode == 0, drain.stderr
    assert wait_until(lambda: len(bot.helpdesk.ids()) >= DOWNTIME_TICKETS)
    time.sleep(4)  # longer than any retry the loop had scheduled: nothing more may arrive
    arrived = bot.helpdesk.ids()
    print(
        f"\nhelpdesk down: {DOWNTIME_TICKETS} conversations + {len(REPLAYED)} retried action calls -> "
        f"{len(store.records())} tickets; back up: {len(arrived)} arrived, {len(set(arrived))} distinct"
    )
    assert sorted(arrived) == sorted(opened)
    assert len(set(bot.helpdesk.keys)) == DOWNTIME_TICKETS
    assert {r.ticket.status for r in store.records()} == {"forwarded"}


def test_a_ticket_is_opened_with_secrets_removed_and_forwarded(bot: TicketBot) -> None:
    bot.helpdesk.up()
    sender = f"open-{uuid.uuid4().hex[:8]}"
    assert "email address" in bot.text(sender, "can I speak to someone")
    assert "doesn't look like an email address" in bot.text(sender, "jane at example dot com")
    assert "what happened" in bot.text(sender, f"Jane Doe <{sender}@example.com>")
    reply = bot.text(sender, "new phone and my password is Hunter2!x, the code 481516 never comes")
    assert "I removed a password and a code from your message" in reply
    ticket_id = find_ticket_id(reply)
    assert ticket_id and f"support ticket **{ticket_id}**" in reply
    assert "never ask for your password" in reply
    assert bot.tracker(sender)["slots"]["ticket_id"] == ticket_id

    assert wait_until(lambda: ticket_id in bot.helpdesk.ids())
    sent = next(t for t in bot.helpdesk.received if t["id"] == ticket_id)
    assert sent["contact"] == {"email": f"{sender}@example.com", "name": "Jane Doe"}
    assert sent["description"] == (
        "new phone and my password is [password removed], the code [code removed] never comes"
    )
    assert sent["secrets_masked"] == ["password", "one_time_code"]
    assert "Hunter2" not in json.dumps(sent) and "481516" not in json.dumps(sent)


def test_only_the_owner_or_someone_with_the_address_learns_the_status(bot: TicketBot) -> None:
    bot.helpdesk.up()
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    ticket_id = bot.open_ticket(owner, "my work account wants the Authenticator code and my phone is gone")
    assert wait_until(lambda: ticket_id in bot.helpdesk.ids())

    answer = bot.text(owner, f"What's the status of {ticket_id}?")
    assert ticket_id in answer and "with our support team" in answer

    stranger = f"stranger-{uuid.uuid4().hex[:8]}"
    for asked in (ticket_id, "RB-ZZZZZZ"):
        assert "Which email address did you give for it?" in bot.text(stranger, f"status of {asked}")
        refused = bot.text(stranger, "eve@example.com")
        assert "couldn't find a ticket with that number and email address" in refused
        assert ticket_id not in refused
    bot.text(stranger, f"any update on {ticket_id}")
    assert ticket_id in bot.text(stranger, f"{owner}@example.com")


def test_cancelling_the_form_opens_nothing(bot: TicketBot) -> None:
    sender = f"cancel-{uuid.uuid4().hex[:8]}"
    before = len(bot.store().records())
    assert "email address" in bot.text(sender, "talk to a person")
    assert "haven't opened a ticket" in bot.text(sender, "never mind")
    tracker = bot.tracker(sender)
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    assert tracker["slots"]["ticket_id"] is None
    assert len(bot.store().records()) == before


def test_with_the_actions_in_the_rasa_process_a_ticket_is_stored_and_forwarded(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """No action server: the Rasa server migrates the ticket database and forwards tickets itself."""
    var_dir = tmp_path_factory.mktemp("in-process-ticket-bot")
    helpdesk = Helpdesk(free_port())
    helpdesk.up()
    settings = isolated_settings(var_dir, action_server_url=IN_PROCESS_ACTIONS)
    env = {
        **ONE_ADDRESS_LOAD_ENV,
        "HELPDESK": "webhook",
        "HELPDESK_URL": f"http://127.0.0.1:{helpdesk.port}/tickets",
        "HELPDESK_WEBHOOK_SECRET": SECRET,
        "TICKETS_FORWARD_INTERVAL_SECONDS": "0.5",
    }
    try:
        with Stack(settings, extra_env=env, log_dir=var_dir / "logs").running() as stack:
            assert list(stack.pids()) == [f"rasa-{settings.rasa_port}"]  # the only server
            bot = TicketBot(stack, helpdesk, {**env, "TICKETS_DB_URL": settings.tickets_db_url})
            sender = f"inproc-{uuid.uuid4().hex[:8]}"
            ticket_id = bot.open_ticket(sender, "my new phone has no Authenticator accounts")
            assert bot.tracker(sender)["slots"]["ticket_id"] == ticket_id
            assert [r.ticket.public_id for r in bot.store().records()] == [ticket_id]
            assert wait_until(lambda: ticket_id in helpdesk.ids())
            assert "email address" in bot.text(f"{sender}-2", "can I speak to someone")
            assert "doesn't look like an email address" in bot.text(f"{sender}-2", "jane at example dot com")
    finally:
        helpdesk.server.stop()
