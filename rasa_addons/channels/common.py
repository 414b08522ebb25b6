"""What the Slack and Teams channels share: being off when unconfigured, and answering later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


class OffChannel(InputChannel):
    """Stands in for a channel whose environment variables are unset: only its health route answers."""

    def __init__(self, channel_name: str, missing: list[str]) -> None:
        self.channel_name = channel_name
        self.missing = missing
        logger.info("The %s channel is off: %s not set.", channel_name, ", ".join(missing))

    def url_prefix(self) -> str:
        return self.channel_name

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        off = Blueprint(f"{self.channel_name}_off", __name__)

        @off.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "off", "missing": self.missing})

        return off


class BackgroundTasks:
    """Runs the bot's answer after the webhook replied, so that Slack and Teams get a fast 200.

    Slack re-delivers an event it did not see acknowledged within 3 seconds; Teams waits 15.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Awaitable[Any], what: str) -> None:
        async def logged() -> None:
            try:
                await work
            except Exception:
                logger.exception("Answering %s failed", what)

        task = asyncio.create_task(logged())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
