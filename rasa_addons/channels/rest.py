"""Rasa's REST channel, checked at the door: size, shape and the client's address.

`POST /webhooks/rest/webhook` takes `{"sender": "...", "message": "...", "metadata": {...}}`.
A body over REQUEST_MAX_BYTES gets 413; a body that is not such an object (not JSON, a
sender that is not a short string or number, a message that is not a string, metadata that
is not an object, a `metadata.message_id` that is not an id) gets 400 saying what is wrong,
instead of an error deep inside Rasa. A message sent again with the same `message_id` is
answered with its first replies, not handled twice (resent.py). The
input channel is always "rest" (Rasa would take the client's word for it). The client's
address is set for the message guard's per-address rate limit (rasa_addons/guards), which
every message passes (GuardedChannel).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import GuardSettings
from rasa_addons.channels import resent
from rasa_addons.channels.resent import MESSAGE_ID_KEY, MESSAGE_ID_RULE, valid_message_id
from rasa_addons.guards.channel import GuardedChannel
from rasa_addons.guards.client import CLIENT_ADDRESS, address_of

SENDER_MAX_CHARS = 128
EXPECTED = 'expected a JSON object like {"sender": "a-conversation-id", "message": "text"}'


def problem_with(body: bytes) -> str | None:
    """What is wrong with a webhook body, or None when Rasa can take it."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return f"the body is not JSON: {EXPECTED}"
    if not isinstance(payload, dict):
        return f"the body is not an object: {EXPECTED}"
    sender = payload.get("sender")
    if isinstance(sender, bool) or not isinstance(sender, str | int) or not str(sender).strip():
        return f'"sender" must be a non-empty string or number: {EXPECTED}'
    if len(str(sender)) > SENDER_MAX_CHARS:
        return f'"sender" is longer than {SENDER_MAX_CHARS} characters'
    if not isinstance(payload.get("message"), str):
        return f'"message" must be a string: {EXPECTED}'
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return '"metadata" must be an object when given'
    if metadata and MESSAGE_ID_KEY in metadata and not valid_message_id(metadata[MESSAGE_ID_KEY]):
        return f'"metadata.message_id" must be {MESSAGE_ID_RULE}'
    return None


class GuardedRestInput(GuardedChannel, RestInput):
    """Rasa's REST channel behind the message guard."""
    def __init__(self, settings: GuardSettings | None = None) -> None:
        self.settings = settings or GuardSettings.from_env()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    async def _extract_sender(self, req: Request) -> str | None:
        return str(req.json["sender"])

    def _extract_input_channel(self, req: Request) -> str:
        name: str = self.name()
        return name

    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().guarded_blueprint(on_new_message)
        resent.install()

        @blueprint.middleware("request")
        async def check(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            limit = self.settings.request_max_bytes
            if len(request.body) > limit:
                return response.json({"error": f"the body is larger than {limit} bytes"}, status=413)
            problem = problem_with(request.body)
            if problem:
                return response.json({"error": problem}, status=400)
            CLIENT_ADDRESS.set(address_of(request, self.settings))
            return None

        return blueprint
