"""Agent replies from the helpdesks: POST /webhooks/helpdesk/{zendesk,jira,servicenow}.

Each request is verified the helpdesk's way (bot/handoff/webhooks.py) before anything is
read: a wrong or missing signature or secret gets 401, a body of the wrong shape 400. Each
agent comment is stored once (a webhook delivered twice adds nothing) and answered 200 at
once; the relay loop (rasa_addons/handoff_relay.py) delivers it in order into the person's
conversation. A reply for a conversation that is closed or unknown is kept, logged, and a
note on the ticket tells the agent it did not reach the chat.

Listing this channel in credentials.yml turns the live handoff on: it installs the relay
that keeps the bot silent while an agent holds a conversation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.models import KEPT, REPLY
from bot.handoff.store import DUPLICATE, NEW, Received
from bot.handoff.webhooks import PARSERS, NotVerified, UnreadablePayload, agent_events, verify
from rasa_addons import handoff_relay
from rasa_addons.guards.channel import GuardedChannel
from rasa_addons.handoff_relay import Relay

logger = logging.getLogger(__name__)


class HelpdeskWebhookInput(GuardedChannel):
    """The helpdesks' webhooks for agent replies (see the module docstring)."""
    @classmethod
    def name(cls) -> str:
        return "helpdesk"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(Relay.from_env())

    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handoff_relay.install(self.relay)
        helpdesk = Blueprint("helpdesk_webhook", __name__)
        settings = self.relay.handoffs.settings

        @helpdesk.listener("after_server_start")
        async def start_relay(app: Any, _: Any) -> None:
            self.relay.start(app.ctx.agent)

        @helpdesk.listener("before_server_stop")
        async def stop_relay(app: Any, _: Any) -> None:
            await self.relay.stop()

        @helpdesk.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            verified = sorted(kind for kind, secret in settings.webhook_secrets.items() if secret)
            return response.json({"status": "ok", "helpdesks": verified})

        @helpdesk.route("/<kind:str>", methods=["POST"])
        async def webhook(request: Request, kind: str) -> HTTPResponse:
            if kind not in PARSERS:
                return response.json({"error": f"unknown helpdesk {kind!r}"}, status=404)
            try:
                verify(kind, settings.webhook_secrets.get(kind, ""), dict(request.headers), request.body)
                events = agent_events(
                    kind, request.body, settings.resume_command, self.relay.handoffs.clock()
                )
            except NotVerified as refusal:
                logger.warning("refused a %s webhook: %s", kind, refusal)
                return response.json({"error": "not verified"}, status=401)
            except UnreadablePayload as problem:
                return response.json({"error": str(problem)}, status=400)
            results = [await asyncio.to_thread(self._receive, event) for event in events]
            self.relay.wake()
            counts = {
                outcome: sum(r.outcome == outcome for r in results) for outcome in (NEW, DUPLICATE, KEPT)
            }
            return response.json(counts)

        return helpdesk

    def _receive(self, event: Any) -> Received:
        received = self.relay.handoffs.store.receive(event)
        if received.outcome == KEPT and event.kind == REPLY and received.ticket_id is not None:
            reason = "the chat is no longer handed to an agent (ended or never started)"
            self.relay.handoffs.comments.add(
                received.ticket_id,
                f"kept:{event.helpdesk}:{event.external_id}",
                self.relay.texts["reply_not_delivered"].format(reason=reason),
            )
        return received
