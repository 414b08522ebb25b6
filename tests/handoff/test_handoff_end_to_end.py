"""A person is handed to an agent and back in Slack, Teams and the widget, with each helpdesk.

Real servers: the action server and a Rasa server from the trained model, the helpdesk's
stand-in (tickets and comments over its API, signed webhooks) and the stand-in for Slack's
and Microsoft's clouds. Each conversation: the person asks for a person, gets a ticket and a
live agent; the agent's reply reaches them in their channel; their answer reaches the ticket;
a duplicate webhook adds nothing; the agent hands back with #bot; the bot resumes and asks
"Did this help?", and the answer is stored with the channel.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from channel_standins import (
    Cloud,
    bot_framework_token,
    cloud_env,
    slack_dm_event,
    slack_signature,
    teams_activity,
)
from helpdesk_standins import Helpdesk, StandInTicket
from playwright.sync_api import expect, sync_playwright
from widget_page import Widget

from bot.handoff import Handoffs
from bot.settings import HandoffSettings
from bot.tickets.db import Database
from bot.tickets.forwarding import RetryPolicy
from rasa_addons import handoff_relay
from rasa_addons.channels.reach import Reach
from rasa_addons.handoff_relay import Relay
from tools.stack import Stack

pytestmark = pytest.mark.servers

TIMEOUT = 90
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def wait_for(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Person:
    """Someone chatting in one channel; `texts` is everything the bot (or agent) wrote to them."""

    channel = ""

    def say(self, text: str) -> None:
        raise NotImplementedError

    def texts(self) -> list[str]:
        raise NotImplementedError

    def wait_for_text(self, fragment: str, after: int = 0) -> int:
        """Waits until a message (from index `after` on) holds `fragment`; returns how many there are."""

        def seen() -> int:
            texts = self.texts()
            return len(texts) if any(fragment in t for t in texts[after:]) else 0

        return int(wait_for(seen, f"{fragment!r} in {self.channel}: {self.texts()[after:]}"))


class SlackPerson(Person):
    channel = "slack"

    def __init__(self, stack: Stack, cloud: Cloud) -> None:
        self.stack, self.cloud = stack, cloud
        self.user = "U" + secrets.token_hex(5).upper()
        self.dm = "D" + secrets.token_hex(5).upper()

    def say(self, text: str) -> None:
        event = slack_dm_event(self.user, self.dm, text)
        body, stamp = json.dumps(event).encode(), int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": slack_signature(body, stamp),
        }
        answer = requests.post(
            f"{self.stack.url()}/webhooks/slack/webhook", data=body, headers=headers, timeout=30
        )
        assert answer.status_code == 200

    def texts(self) -> list[str]:
        posted = self.cloud.requests(
            lambda c: c.path.endswith("chat.postMessage") and c.body.get("channel") == self.dm
        )
        return [str(c.body.get("text", "")) for c in posted]


class TeamsPerson(Person):
    channel = "botframework"

    def __init__(self, stack: Stack, cloud: Cloud) -> None:
        self.stack, self.cloud = stack, cloud
        self.service_url = cloud.url("/teams/")
        self.user = "29:" + secrets.token_hex(8)
        self.conversation = "a:" + secrets.token_hex(8)

    def say(self, text: str) -> None:
        activity = teams_activity(self.service_url, self.user, self.conversation, text)
        token = bot_framework_token(self.cloud, self.service_url)
        answer = requests.post(
            f"{self.stack.url()}/webhooks/botframework/webhook",
            json=activity,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200

    def texts(self) -> list[str]:
        posted = self.cloud.requests(
            lambda c: c.path.startswith(f"/teams/v3/conversations/{self.conversation}/")
        )
        texts = []
        for captured in posted:
            cards = captured.body.get("attachments") or []
            texts.append(str(captured.body.get("text") or (cards[0]["content"].get("text") if cards else "")))
        return texts


class WidgetPerson(Person):
    """The widget's side of socket.io (python-socketio's client, long-polling)."""

    channel = "socketio"

    def __init__(self, stack: Stack) -> None:
        self.session_id = secrets.token_hex(16)
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.client = socketio.Client()
        self.client.on("bot_uttered", self._uttered)
        confirmed = threading.Event()
        self.client.on("session_confirm", lambda _: confirmed.set())
        self.client.connect(stack.url(), transports=["polling"], socketio_path="socket.io")
        self.client.emit("session_request", {"session_id": self.session_id})
        assert confirmed.wait(30)

    def _uttered(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.received.append(data)

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def texts(self) -> list[str]:
        with self.lock:
            return [str(d.get("text", "")) for d in self.received]

    def close(self) -> None:
        self.client.disconnect()


def person_in(channel: str, stack: Stack, cloud: Cloud) -> Person:
    if channel == "slack":
        return SlackPerson(stack, cloud)
    if channel == "botframework":
        return TeamsPerson(stack, cloud)
    return WidgetPerson(stack)


def handoffs_of(stack: Stack) -> Handoffs:
    """What the stack's servers keep, read from the same database."""
    return Handoffs(Database(stack.settings.tickets_db_url), HandoffSettings.from_env())


def handed_to_agent(person: Person, helpdesk: Helpdesk) -> tuple[StandInTicket, int]:
    """The person asks for a person and takes the live chat; the ticket, and what they have seen."""
    known = helpdesk.count()
    person.say("I need to talk to a person")
    person.wait_for_text("email address")
    person.say("jane.doe@example.com")
    person.wait_for_text("what happened")
    person.say("My work account wants the Authenticator code and my old phone is gone")
    seen = person.wait_for_text("support team is online")
    ticket = helpdesk.wait_for_ticket(after=known)
    context = helpdesk.wait_for_note(ticket, "Handoff from the MFA recovery bot")
    assert f"{person.channel} channel" in context and "Person: My work account wants" in context
    person.say("/handoff_live")
    seen = person.wait_for_text("asked our support team to join", after=seen)
    helpdesk.wait_for_note(ticket, "waiting in the chat now")
    return ticket, seen


def relay_at(stack: Stack, cloud: Cloud, moment: datetime) -> None:
    """One round of the relay loop in this process, its clock at `moment` (a restart, then a jump)."""
    desk = Handoffs(Database(stack.settings.tickets_db_url), HandoffSettings.from_env(), lambda: moment)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in cloud_env(cloud).items():
            patch.setenv(name, value)
        patch.setattr(handoff_relay, "REACH", Reach())  # Slack and Teams clients made with these settings
        asyncio.run(Relay(desk, None, RetryPolicy(15, 600)).run_once())


@pytest.mark.parametrize("channel", ["slack", "botframework", "socketio"])
def test_handed_to_an_agent_and_back(
    channel: str, handoff_stack: Stack, handoff_cloud: Cloud, helpdesk: Helpdesk
) -> None:
    person = person_in(channel, handoff_stack, handoff_cloud)
    try:
        started = time.monotonic()
        ticket, seen = handed_to_agent(person, helpdesk)
        to_live = time.monotonic() - started
        started = time.monotonic()
        webhook = helpdesk.reply(ticket, "Hi, I'm Sam from support. Which phone do you have now?")
        seen = person.wait_for_text("Sam (support team): Hi, I'm Sam", after=seen)
        agent_to_person = time.monotonic() - started
        assert webhook.send().json()["duplicate"] == 1  # the helpdesk delivered it again

        started = time.monotonic()
        person.say("An iPhone, the old Android is gone")
        helpdesk.wait_for_note(ticket, "The person wrote in the chat: An iPhone, the old Android is gone")
        person_to_agent = time.monotonic() - started
        timing = (
            f"ask->live with ticket {to_live:.1f}s (4 messages), "
            f"agent->person {agent_to_person:.2f}s, person->ticket {person_to_agent:.2f}s"
        )
        print(f"\n{helpdesk.kind}/{channel}: {timing}")

        if channel != "socketio":  # the widget's socket lives in the Rasa server, not in this process
            relay_at(handoff_stack, handoff_cloud, datetime.now(timezone.utc) + timedelta(minutes=11))
            seen = person.wait_for_text("hasn't written for 10 minutes", after=seen)

        helpdesk.reply(ticket, "I've reset your methods; sign in again and set up the app. #bot")
        seen = person.wait_for_text("sign in again and set up the app", after=seen)
        seen = person.wait_for_text("You're back with the bot", after=seen)
        person.wait_for_text("Did this help?", after=seen - 1)
        texts = person.texts()
        assert sum("Which phone do you have now?" in t for t in texts) == 1  # the duplicate added nothing
        assert not any(
            "I'm a bot" in t or "didn't catch" in t for t in texts
        )  # silent while the agent held it

        person.say("/feedback_helped")
        desk = handoffs_of(handoff_stack)
        answer = wait_for(
            lambda: [f for f in desk.feedback.answers() if f.channel == channel and f.moment == "agent"],
            "the feedback",
        )
        assert answer[-1].helped is True

        late = helpdesk.reply(ticket, "One more thing: keep a backup method.")
        assert late.send().json()["duplicate"] == 1
        helpdesk.wait_for_note(ticket, "This reply was not delivered in the chat")
        assert not any("keep a backup method" in t for t in person.texts())
    finally:
        if isinstance(person, WidgetPerson):
            person.close()


def test_late_webhooks_are_delivered_in_the_order_written(
    handoff_stack: Stack, handoff_cloud: Cloud, helpdesk: Helpdesk
) -> None:
    person = SlackPerson(handoff_stack, handoff_cloud)
    ticket, seen = handed_to_agent(person, helpdesk)
    now = datetime.now(timezone.utc)
    first = helpdesk.reply(ticket, "First: open the sign-in page.", written=now, send=False)
    second = helpdesk.reply(
        ticket, "Second: choose Sign in another way.", written=now + timedelta(seconds=2), send=False
    )
    assert second.send().json()["new"] == 1
    assert first.send().json()["new"] == 1
    person.wait_for_text("Second: choose", after=seen)
    texts = person.texts()[seen:]
    order = [i for i, t in enumerate(texts) if "First: open" in t] + [
        i for i, t in enumerate(texts) if "Second:" in t
    ]
    assert len(order) == 2 and order[0] < order[1]
    person.say("back to the bot")
    person.wait_for_text("You're back with the bot", after=seen)
    helpdesk.wait_for_note(ticket, "The person went back to the bot")


@pytest.mark.parametrize("channel", ["slack", "botframework"])
def test_a_reminder_comes_on_the_day_of_the_30_day_wait(
    channel: str, handoff_stack: Stack, handoff_cloud: Cloud, helpdesk: Helpdesk
) -> None:
    person = person_in(channel, handoff_stack, handoff_cloud)
    person.say("hotmail says my new security info needs 30 days, can I skip it")
    seen = person.wait_for_text("Did that get you back in?")
    person.say("/affirm")
    seen = person.wait_for_text("I'll send you a reminder here on", after=seen)
    relay_at(handoff_stack, handoff_cloud, datetime.now(timezone.utc) + timedelta(days=29))
    time.sleep(1)
    assert not any("should be over today" in t for t in person.texts()[seen:])
    relay_at(handoff_stack, handoff_cloud, datetime.now(timezone.utc) + timedelta(days=30, minutes=1))
    seen = person.wait_for_text("your 30-day wait for the new security info should be over", after=seen)
    relay_at(handoff_stack, handoff_cloud, datetime.now(timezone.utc) + timedelta(days=31))
    time.sleep(1)
    assert sum("should be over today" in t for t in person.texts()) == 1  # sent once


def test_the_widget_in_chromium_shows_the_agent_and_hands_back(
    handoff_stack: Stack, helpdesk: Helpdesk
) -> None:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)"
    known = helpdesk.count()
    with sync_playwright() as playwright:  # not module-wide: its event loop would break asyncio.run later
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{handoff_stack.url()}/webhooks/widget/demo")
        widget = Widget(page)
        widget.open()
        widget.say("I need to talk to a person")
        expect(widget.bot_says("email address")).to_be_visible()
        widget.say("jane.doe@example.com")
        expect(widget.bot_says("what happened")).to_be_visible()
        widget.say("My work account wants the Authenticator code and my old phone is gone")
        expect(widget.bot_says("support team is online")).to_be_visible()
        widget.choose("Chat with a person now")
        expect(widget.bot_says("asked our support team to join")).to_be_visible()
        ticket = helpdesk.wait_for_ticket(after=known)
        helpdesk.wait_for_note(ticket, "waiting in the chat now")

        helpdesk.reply(ticket, "Hello, Sam from support here. Is the old phone lost for good?")
        expect(widget.bot_says("Sam (support team): Hello, Sam from support here")).to_be_visible()
        widget.say("Yes, it was stolen")
        helpdesk.wait_for_note(ticket, "The person wrote in the chat: Yes, it was stolen")
        page.reload()  # the conversation comes back with both sides of the handoff
        expect(widget.bot_says("Sam (support team): Hello, Sam from support here")).to_be_visible()
        expect(widget.person_says("Yes, it was stolen")).to_be_visible()
        helpdesk.close(ticket)
        expect(widget.bot_says("You're back with the bot")).to_be_visible()
        widget.choose("Yes")
        desk = handoffs_of(handoff_stack)
        wait_for(
            lambda: [f for f in desk.feedback.answers() if f.channel == "socketio" and f.moment == "agent"],
            "feedback",
        )
        browser.close()
