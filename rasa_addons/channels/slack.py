"""Slack: signed events in, one Block Kit message per bot answer out, each event answered once.

Extends Rasa's SlackInput, which verifies the HMAC v0 signature with a 5-minute replay window,
and changes what it left open: the settings come from the environment (the channel is off
when they are unset), an event re-delivered by Slack (X-Slack-Retry-Num), or a mention that
arrives both as `app_mention` and as `message`, is answered once; a clicked button gives way
to the choice made, so a double click cannot answer twice; Slack's 429 and 5xx answers are
retried after the time Slack asks for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.rendering.slack import slack_answered_blocks, slack_blocks, slack_mrkdwn
from bot.settings import SlackSettings
from rasa_addons.channels.common import BackgroundTasks, OffChannel
from rasa_addons.channels.seen import SeenKeys, seen_keys_from_env
from rasa_addons.guards.channel import GuardedChannel

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def slack_client(settings: SlackSettings) -> AsyncWebClient:
    """The Slack Web API client, retrying on rate limits and server errors."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=MAX_RETRIES),
        ],
    )


class SlackOutput(OutputChannel):
    """Posts each bot answer as one message: a section per paragraph, buttons as an actions block."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(self, client: AsyncWebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    async def _post(self, text: str, buttons: Sequence[Mapping[str, str]] = ()) -> None:
        await self.client.chat_postMessage(
            channel=self.channel, text=slack_mrkdwn(text), blocks=slack_blocks(text, buttons)
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post(text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._post(text, buttons)


class EnvSlackInput(GuardedChannel, SlackInput):
    """Rasa's Slack input channel configured from SLACK_* environment variables."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = SlackSettings.from_env()
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", settings.bot_token),
                ("SLACK_SIGNING_SECRET", settings.signing_secret),
            )
            if not value
        ]
        if missing:
            return OffChannel(cls.name(), missing)
        return cls(settings, seen_keys_from_env(cls.name()))

    def __init__(self, settings: SlackSettings, seen: SeenKeys) -> None:
        super().__init__(
            settings.bot_token,
            slack_channel=settings.channel or None,
            slack_signing_secret=settings.signing_secret,
        )
        self.client = slack_client(settings)
        self.seen = seen
        self.answers = BackgroundTasks()

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return SlackOutput(self.client, channel or self.slack_channel or "")

    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack = Blueprint("slack_webhook", __name__)

        @slack.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                return response.text(
                    "Not signed by Slack (X-Slack-Signature).", status=HTTPStatus.UNAUTHORIZED
                )
            content_type = (request.headers.get("content-type") or "").split(";")[0]
            if content_type == "application/json":
                return await self._event(request.json or {}, on_new_message)
            if content_type == "application/x-www-form-urlencoded" and request.form.get("payload"):
                return await self._interaction(json.loads(request.form.get("payload")), on_new_message)
            return response.text("Unsupported request.", status=HTTPStatus.BAD_REQUEST)

        return slack

    async def _event(
        self, body: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if body.get("type") == "url_verification":
            return response.json({"challenge": body.get("challenge", "")})
        event = body.get("event") or {}
        if not self._is_user_message(body) or event.get("subtype"):
            return response.text("")
        channel = event.get("channel", "")
        metadata = {
            "out_channel": channel,
            "users": [a.get("user_id") for a in body.get("authorizations", [])],
        }
        if not self._is_supported_channel(body, metadata):
            return response.text("")
        # A retry repeats the event_id; a mention also arrives as a `message` event of the same ts.
        new_event = await self.seen.first_time(f"event:{body.get('event_id', '')}")
        new_message = await self.seen.first_time(f"message:{channel}:{event.get('ts', '')}")
        if not (new_event and new_message):
            logger.info("Slack delivered event %s again; it is answered already.", body.get("event_id"))
            return response.text("")
        text = _unescape(self._sanitize_user_message(event["text"], metadata["users"]))
        self._answer(on_new_message, text, event.get("user", ""), channel)
        return response.text("")

    async def _interaction(
        self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if not self._is_interactive_message(payload):
            return response.text("")
        action = payload["actions"][0]
        value = self._get_interactive_response(action)
        channel = (payload.get("channel") or {}).get("id", "")
        message = payload.get("message") or {}
        if value is None or not await self.seen.first_time(f"answered:{channel}:{message.get('ts', '')}"):
            return response.text("")
        if message.get("blocks"):
            choice = (action.get("text") or {}).get("text", value)
            self.answers.start(
                self.client.chat_update(
                    channel=channel,
                    ts=message["ts"],
                    text=message.get("text", ""),
                    blocks=slack_answered_blocks(message["blocks"], choice),
                ),
                "a button click (chat.update)",
            )
        self._answer(on_new_message, value, (payload.get("user") or {}).get("id", ""), channel)
        return response.text("")

    def _answer(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str, sender: str, channel: str
    ) -> None:
        message = UserMessage(
            text,
            self.get_output_channel(channel),
            sender,
            input_channel=self.name(),
            metadata={"slack_channel": channel},
        )
        self.answers.start(on_new_message(message), f"a Slack message from {sender}")


def _unescape(text: str) -> str:
    """Slack sends &, < and > escaped in message text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
