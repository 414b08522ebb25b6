"""Serves the web chat widget, its demo help-centre page, and a conversation's transcript.

The widget talks to Rasa's own `socketio` channel (credentials.yml); this channel only adds
    GET /webhooks/widget/widget.js              the bundle `make widget` builds into web/build/
    GET /webhooks/widget/demo                   a help-centre page that embeds it
    GET /webhooks/widget/config                 the limits the widget shows (longest message)
    GET /webhooks/widget/history/<session_id>   the messages to show again after a reload
A session id is the widget's unguessable 128-bit random sender id: knowing it is what lets a
page read the conversation, exactly as it lets the page post into it over socket.io.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rendering.transcript import came_through, transcript
from bot.settings import PROJECT_ROOT, GuardSettings
from rasa_addons.channels.socketio import SESSION_ID
from rasa_addons.guards.channel import GuardedChannel

WEB_DIR = PROJECT_ROOT / "web"
BUNDLE = WEB_DIR / "build" / "widget.js"
DEMO_PAGE = WEB_DIR / "demo" / "index.html"
WIDGET_CHANNEL = "socketio"  # the Rasa channel the widget's messages arrive through


class WebChatWidget(GuardedChannel):
    """Serves the chat widget: its script, demo page, configuration and history."""
    @classmethod
    def name(cls) -> str:
        return "widget"

    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        widget = Blueprint("web_chat_widget", __name__)

        @widget.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "bundle_built": BUNDLE.exists()})

        @widget.route("/widget.js", methods=["GET"])
        async def script(_: Request) -> HTTPResponse:
            if not BUNDLE.exists():
                return response.text("The widget is not built: run `make widget`.", status=503)
            return await _static(BUNDLE, "application/javascript; charset=utf-8")

        @widget.route("/demo", methods=["GET"])
        async def demo(_: Request) -> HTTPResponse:
            return await _static(DEMO_PAGE, "text/html; charset=utf-8")

        @widget.route("/config", methods=["GET"])
        async def config(_: Request) -> HTTPResponse:
            limits = {"message_max_chars": GuardSettings.from_env().message_max_chars}
            return response.json(limits, headers={"Cache-Control": "no-cache"})

        @widget.route("/history/<session_id:str>", methods=["GET"])
        async def history(request: Request, session_id: str) -> HTTPResponse:
            if not SESSION_ID.match(session_id):
                return response.json({"error": "unknown conversation"}, status=404)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(session_id)
            events = [event.as_dict() for event in tracker.events] if tracker else []
            if not came_through(events, WIDGET_CHANNEL):
                return response.json({"messages": []}, headers={"Cache-Control": "no-store"})
            return response.json({"messages": transcript(events)}, headers={"Cache-Control": "no-store"})

        return widget


async def _static(path: Path, content_type: str) -> HTTPResponse:
    return await response.file(path, mime_type=content_type, headers={"Cache-Control": "no-cache"})
