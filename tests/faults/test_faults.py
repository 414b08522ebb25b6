"""Faults injected into real processes: the person always gets an answer, and nothing is lost.

One action server and one Rasa server, started separately so either can be stopped, with the
tracker store and the ticket store on PostgreSQL behind a TCP proxy that can cut the line.
Faults: the action server down, the Rasa server restarted, the databases unreachable (every
pooled connection cut) mid-conversation. A helpdesk down or slow for a long time is covered
by tests/tickets/test_ticket_conversation.py and tests/bot/tickets/test_ticket_forwarding.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy

from rasa_addons.guards.messages import Replies
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings

pytestmark = pytest.mark.servers

APOLOGY = Replies.load().unavailable[:60]
NEW_PHONE = "I got a new phone and my hotmail asks for the authenticator code"
INJECTED: list[str] = []


@dataclass
class FaultyBot:
    rasa: Stack
    actions: Stack
    proxy: TcpProxy

    def say(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.rasa.say(sender, message))

    def slots(self, sender: str) -> dict[str, Any]:
        return dict(self.rasa.tracker(sender)["slots"])


def through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def bot(
    tmp_path_factory: pytest.TempPathFactory, new_postgres_database: Callable[[str], str]
) -> Iterator[FaultyBot]:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir = tmp_path_factory.mktemp("faults")
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    settings = isolated_settings(
        var_dir,
        tracker_db_url=through(proxy, new_postgres_database("tracker_faults")),
        tickets_db_url=through(proxy, new_postgres_database("tickets_faults")),
    )
    env = ONE_ADDRESS_LOAD_ENV
    actions = Stack(settings, extra_env=env, log_dir=var_dir / "logs", rasa_ports=())
    rasa = Stack(settings, extra_env=env, log_dir=var_dir / "logs", start_action_server=False)
    try:
        with ThreadPoolExecutor(2) as pool:  # the action server starts while Rasa loads the model
            for started in [pool.submit(actions.start), pool.submit(rasa.start)]:
                started.result()
        yield FaultyBot(rasa, actions, proxy)
    finally:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(Stack.stop, [actions, rasa]))
        proxy.cut()
    print(f"\nfaults injected: {len(INJECTED)} ({', '.join(INJECTED)})")


def test_with_the_action_server_down_the_person_hears_why_and_continues_once_it_is_back(
    bot: FaultyBot,
) -> None:
    sender = uuid.uuid4().hex
    assert "another way" in bot.say(sender, NEW_PHONE)
    bot.actions.stop()
    INJECTED.append("action server down")
    try:
        assert APOLOGY in bot.say(sender, "No, I'm completely locked out")
    finally:
        bot.actions.start()
    steps = bot.say(sender, "No, I'm completely locked out")
    assert APOLOGY not in steps and "recovery code" in steps
    assert bot.slots(sender)["recovery_path"] == "personal.locked_out"


def test_a_conversation_resumes_after_the_rasa_server_restarts(bot: FaultyBot) -> None:
    sender = uuid.uuid4().hex
    assert "another way" in bot.say(sender, NEW_PHONE)
    bot.rasa.stop()
    INJECTED.append("Rasa server restarted")
    bot.rasa.start()
    steps = bot.say(sender, "yes")
    assert "Begin recovery" in steps
    assert bot.slots(sender)["recovery_path"] == "personal.has_other_method.new_phone"


def test_databases_briefly_unreachable_get_an_apology_and_the_next_message_succeeds(bot: FaultyBot) -> None:
    opened_before = f"warm-{uuid.uuid4().hex[:8]}"  # the ticket store's connections are pooled now
    bot.say(opened_before, "talk to a person")
    bot.say(opened_before, f"{opened_before}@example.com")
    assert "I've opened support ticket" in bot.say(opened_before, "new phone, the Authenticator app is empty")

    sender = uuid.uuid4().hex
    assert "another way" in bot.say(sender, NEW_PHONE)
    assert "email address" in bot.say(sender, "I want to talk to a person")
    assert "what happened" in bot.say(sender, f"{sender[:8]}@example.com")
    bot.proxy.cut()
    INJECTED.append("tracker and ticket databases unreachable")
    try:
        assert APOLOGY in bot.say(sender, "the phone was wiped and the app is gone")
    finally:
        bot.proxy.restore()
    opened = bot.say(sender, "the phone was wiped and the app is gone")
    assert "I've opened support ticket" in opened
    slots = bot.slots(sender)
    assert slots["account_type"] == "personal" and slots["ticket_id"] in opened
