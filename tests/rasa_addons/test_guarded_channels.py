"""Every channel credentials.yml names puts its messages behind the message guard, whatever
starts Rasa: the guard is in the channel classes Rasa loads, not in a launcher."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.utils.common import class_from_module_path
from sanic import Blueprint

from bot.settings import PROJECT_ROOT
from rasa_addons.guards.channel import GuardedChannel, is_guarded, message_guard
from rasa_addons.guards.messages import Replies, guarded

CHANNELS = list(yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", CHANNELS)
def test_every_configured_channel_is_guarded_and_keeps_the_guarded_blueprint(path: str) -> None:
    channel_class = class_from_module_path(path)
    assert issubclass(channel_class, GuardedChannel)
    assert channel_class.blueprint is GuardedChannel.blueprint  # routes go in guarded_blueprint


def test_the_rest_channel_hands_rasa_only_guarded_messages() -> None:
    channel = class_from_module_path("rasa_addons.channels.rest.GuardedRestInput").from_credentials(None)
    assert is_guarded(channel)
    handed: list[UserMessage] = []

    async def to_agent(message: UserMessage) -> None:
        handed.append(message)

    wrapped = guarded(to_agent, message_guard())
    collector = CollectingOutputChannel()
    code = "my recovery code is 7KQ4-9XWD-P2MH-3RTL-8VNC"
    asyncio.run(wrapped(UserMessage(code, collector, "guarded-1", input_channel="rest")))
    asyncio.run(wrapped(UserMessage("x" * 10_000, collector, "guarded-2", input_channel="rest")))
    assert [m.sender_id for m in handed] == ["guarded-1"]
    assert "7KQ4" not in (handed[0].text or "")
    texts: list[Any] = [m.get("text", "") for m in collector.messages]
    assert any("I removed" in t for t in texts) and any("too long" in t for t in texts)
    assert Replies.load().too_long.split("{")[0] in texts[-1]


def test_the_mixin_passes_the_channel_a_guarded_callable() -> None:
    class Spy(GuardedChannel):
        def guarded_blueprint(self, on_new_message: Any) -> Blueprint:
            self.received = on_new_message
            return Blueprint("spy", __name__)

    async def to_agent(message: UserMessage) -> None:
        raise AssertionError("an oversized message reached the agent")

    spy = Spy()
    spy.blueprint(to_agent)
    collector = CollectingOutputChannel()
    asyncio.run(spy.received(UserMessage("x" * 10_000, collector, "spy-1", input_channel="spy")))
    assert "too long" in collector.messages[0]["text"]
