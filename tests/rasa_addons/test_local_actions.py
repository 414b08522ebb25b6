"""The custom actions inside the Rasa process (ACTION_SERVER_URL=in-process): Rasa's RemoteAction
runs this project's actions through rasa_sdk's executor, with the answers and errors it would
get from an action server, and nothing an action changes reaches Rasa's tracker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.settings import IN_PROCESS_ACTIONS
from rasa_addons import local_actions, patches
from rasa_addons.importer import project_domain
from rasa_addons.replies import DomainAndReplies

DOMAIN = project_domain()


@pytest.fixture
def in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EndpointConfig]:
    monkeypatch.setenv("TICKETS_DB_URL", f"sqlite:///{tmp_path / 'tickets.db'}")
    monkeypatch.delenv("HELPDESK", raising=False)
    patches.apply()
    yield EndpointConfig(IN_PROCESS_ACTIONS)


def tracker(sender: str, text: str = "I need a person") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen"), UserUttered(text, {"name": "request_human", "confidence": 1.0})],
        DOMAIN.slots,
    )


def run(endpoint: EndpointConfig, name: str, conversation: DialogueStateTracker) -> list[Event]:
    """The action's events (its answers as BotUttered), as Rasa's processor runs it."""
    action = RemoteAction(name, endpoint)
    nlg = DomainAndReplies(domain=DOMAIN)
    return list(asyncio.run(action.run(CollectingOutputChannel(), nlg, conversation, DOMAIN)))


def replace_action(monkeypatch: pytest.MonkeyPatch, name: str, run: Callable[..., Any]) -> None:
    """The executor's registered action `name` becomes `run` for this test."""
    monkeypatch.setitem(local_actions._executor_here().actions, name, run)


def test_an_action_answers_without_an_action_server(in_process: EndpointConfig) -> None:
    events = run(in_process, "action_cancel_ticket", tracker("a"))
    assert type(events[0]).__name__ == "BotUttered" and "haven't opened a ticket" in events[0].text
    assert {type(e).__name__ for e in events[1:]} == {"SlotSet"}  # the ticket form's slots, cleared


def test_an_unknown_action_fails_as_it_would_over_http(in_process: EndpointConfig) -> None:
    with patches.noting_action_failures() as failed, pytest.raises(RasaException):
        run(in_process, "action_that_does_not_exist", tracker("b"))
    assert failed == ["action_that_does_not_exist"]  # the guard apologises


def test_an_action_that_raises_is_a_failed_action(
    in_process: EndpointConfig, monkeypatch: pytest.MonkeyPatch
) -> None:

    async def broken(*_: Any) -> list[Any]:
        raise RuntimeError("a bug in an action")

    replace_action(monkeypatch, "action_cancel_ticket", broken)
    with patches.noting_action_failures() as failed, pytest.raises(RasaException):
        run(in_process, "action_cancel_ticket", tracker("c"))
    assert failed == ["action_cancel_ticket"]


def test_what_an_action_changes_in_its_copy_never_reaches_rasa(
    in_process: EndpointConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    meddled: list[str] = []

    async def meddling(dispatcher: Any, sdk_tracker: Any, domain: dict[str, Any]) -> list[Any]:
        sdk_tracker.latest_message["intent"]["name"] = "changed"
        sdk_tracker.events[-1]["parse_data"]["entities"].append({"entity": "x", "value": "y"})
        domain["responses"].clear()
        meddled.append(sdk_tracker.sender_id)
        return []

    replace_action(monkeypatch, "action_cancel_ticket", meddling)
    conversation = tracker("d")
    before = [e.as_dict() for e in conversation.events]
    run(in_process, "action_cancel_ticket", conversation)
    assert meddled == ["d"]
    assert [e.as_dict() for e in conversation.events] == before
    assert DOMAIN.as_dict()["responses"]
    local_actions._domain_copies.clear()  # the emptied copy is not the next test's
