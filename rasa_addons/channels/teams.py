"""Microsoft Teams through the Bot Framework, for single-tenant Azure bots.

Rasa's built-in `botframework` channel gets its outbound token from the multi-tenant
endpoint (login.microsoftonline.com/botframework.com), which new Azure bots (single-tenant
since July 2025) cannot use, checks inbound tokens only for signature and audience, and
posts with blocking `requests` calls without backing off. This channel asks the bot's own
tenant for the token and caches it until it expires, validates inbound tokens fully
(botframework_auth.py), answers in the background after a fast 200, and retries 429s.
Steps are sent as Teams markdown, buttons as a Hero card.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rendering.teams import teams_hero_card, teams_markdown
from bot.settings import TEAMS_VARIABLES, TeamsSettings
from rasa_addons.channels.backoff import post_json
from rasa_addons.channels.botframework_auth import BotFrameworkTokenValidator, NotFromBotFramework
from rasa_addons.channels.common import BackgroundTasks, OffChannel
from rasa_addons.channels.seen import SeenKeys, seen_keys_from_env
from rasa_addons.guards.channel import GuardedChannel

logger = logging.getLogger(__name__)

SCOPE = "https://api.botframework.com/.default"
RENEW_BEFORE_EXPIRY_SECONDS = 300
MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)
TIMEOUT = aiohttp.ClientTimeout(total=30)


class BotConnector:
    """Posts activities to the Bot Connector with a token from the bot's tenant, cached until expiry."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.settings = settings
        self._token = ""
        self._token_expires = 0.0
        self._lock = asyncio.Lock()

    async def _bearer(self, session: aiohttp.ClientSession) -> str:
        async with self._lock:
            if time.monotonic() >= self._token_expires:
                form = {
                    "grant_type": "client_credentials",
                    "client_id": self.settings.app_id,
                    "client_secret": self.settings.app_password,
                    "scope": SCOPE,
                }
                async with session.post(self.settings.token_url, data=form) as answer:
                    if answer.status != 200:
                        raise RuntimeError(
                            f"the token endpoint answered {answer.status}: {await answer.text()}"
                        )
                    token = await answer.json(content_type=None)
                self._token = token["access_token"]
                lifetime = int(token.get("expires_in", 3600))
                self._token_expires = time.monotonic() + max(
                    lifetime - RENEW_BEFORE_EXPIRY_SECONDS, lifetime / 2
                )
            return self._token

    async def reply(self, activity: Mapping[str, Any], message: dict[str, Any]) -> None:
        """Posts `message` as a reply to `activity` in its conversation."""
        conversation = quote(activity["conversation"]["id"], safe="")
        url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{conversation}/activities"
        if activity.get("id"):
            url += f"/{quote(activity['id'], safe='')}"
        body = {
            "type": "message",
            "from": activity.get("recipient"),
            "recipient": activity.get("from"),
            "conversation": activity["conversation"],
            "replyToId": activity.get("id"),
            **message,
        }
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            headers = {"Authorization": f"Bearer {await self._bearer(session)}"}
            await post_json(session, url, body, headers)


class TeamsOutput(OutputChannel):
    """Answers one activity: text as Teams markdown, text with buttons as a Hero card."""

    @classmethod
    def name(cls) -> str:
        return "botframework"

    def __init__(self, connector: BotConnector, activity: Mapping[str, Any]) -> None:
        self.connector = connector
        self.activity = activity

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.connector.reply(self.activity, {"textFormat": "markdown", "text": teams_markdown(text)})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.connector.reply(self.activity, {"attachments": [teams_hero_card(text, buttons)]})


class TeamsInput(GuardedChannel):
    """Receives Teams activities at /webhooks/botframework/webhook (the bot's messaging endpoint)."""

    @classmethod
    def name(cls) -> str:
        return "botframework"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = TeamsSettings.from_env()  # refuses a half configuration, naming what is missing
        if not settings.on:
            return OffChannel(cls.name(), list(TEAMS_VARIABLES))
        return cls(settings, seen_keys_from_env(cls.name()))

    def __init__(self, settings: TeamsSettings, seen: SeenKeys) -> None:
        self.validator = BotFrameworkTokenValidator(settings.app_id, settings.openid_url)
        self.connector = BotConnector(settings)
        self.seen = seen
        self.answers = BackgroundTasks()

    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        teams = Blueprint("teams_webhook", __name__)

        @teams.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @teams.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                activity = request.json
            except Exception:  # sanic raises its own error for a body that is not JSON
                activity = None
            if not isinstance(activity, dict):
                return response.text("Expected a Bot Framework activity (JSON).", status=400)
            try:
                await self.validator.validate(request.headers.get("Authorization"), activity)
            except NotFromBotFramework as refusal:
                logger.warning("Refused a Teams request: %s", refusal)
                return response.text("Unauthorized.", status=401)
            except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError):
                logger.exception("Could not read Bot Framework's signing keys")
                return response.text("Cannot check the request's signature right now.", status=503)
            activity_id = str(activity.get("id") or "")
            if activity.get("type") == "message" and (
                not activity_id or await self.seen.first_time(activity_id)
            ):
                self._answer(on_new_message, activity)
            return response.json({})

        return teams

    def _answer(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], activity: dict[str, Any]
    ) -> None:
        text = MENTION.sub("", activity.get("text") or "").strip()
        sender = (activity.get("from") or {}).get("id")
        if not text or not sender or not (activity.get("conversation") or {}).get("id"):
            return
        message = UserMessage(
            text,
            TeamsOutput(self.connector, activity),
            sender,
            input_channel=self.name(),
            metadata={"teams_conversation": activity["conversation"].get("id")},
        )
        self.answers.start(on_new_message(message), f"a Teams message from {sender}")
