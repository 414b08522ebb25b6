"""A stand-in for the bot's server, for what the real bot never does: send hostile markup, hold
its answer back, or be down. It serves a host page with the real widget bundle, speaks
socket.io like Rasa's channel (python-socketio, the server library Rasa uses) and answers each
message with what the test scripted.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import socketio
from aiohttp import web

from rasa_addons.channels.widget import BUNDLE
from tools.stack import free_port

CORS = {"Access-Control-Allow-Origin": "*"}
Answer = Callable[[str], list[dict[str, Any]]]

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stand-in help page</title>
<link rel="icon" href="data:,"></head><body><h1>Help</h1>
<script src="/webhooks/widget/widget.js" data-server-url="{server_url}" defer></script></body></html>"""


class StandInBot:
    def __init__(self, port: int | None = None, server_url: str | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server_url = server_url or self.url
        self.answer: Answer = lambda text: [{"text": f"You said: {text}"}]
        self.held = threading.Event()
        self.held.set()  # answers go out at once unless a test holds them back
        self.received: list[str] = []
        self.message_ids: list[str | None] = []  # each received message's metadata.message_id
        self.sessions: list[str] = []  # the session ids pages asked for, in order
        self.history: list[dict[str, Any]] = []  # what the history endpoint returns
        self.max_chars = 2000  # what the config endpoint says (MESSAGE_MAX_CHARS)
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._sio: socketio.AsyncServer | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("the stand-in bot did not start")

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        if self._sio is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._sio.shutdown(), self._loop).result(15)
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)

    def _app(self) -> web.Application:
        sio = self._sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        app = web.Application()
        sio.attach(app)

        @sio.on("session_request")
        async def session_request(sid: str, data: dict[str, Any]) -> None:
            self.sessions.append(data["session_id"])
            await sio.enter_room(sid, data["session_id"])
            await sio.emit("session_confirm", data["session_id"], room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            self.received.append(data["message"])
            self.message_ids.append((data.get("metadata") or {}).get("message_id"))
            await asyncio.get_running_loop().run_in_executor(None, self.held.wait)
            for message in self.answer(data["message"]):
                await sio.emit("bot_uttered", message, room=data["session_id"])

        async def host_page(_: web.Request) -> web.Response:
            return web.Response(text=HOST_PAGE.format(server_url=self.server_url), content_type="text/html")

        async def bundle(_: web.Request) -> web.FileResponse:
            return web.FileResponse(BUNDLE)

        async def history(_: web.Request) -> web.Response:
            return web.json_response({"messages": self.history}, headers=CORS)

        async def config(_: web.Request) -> web.Response:
            return web.json_response({"message_max_chars": self.max_chars}, headers=CORS)

        app.router.add_get("/", host_page)
        app.router.add_get("/webhooks/widget/widget.js", bundle)
        app.router.add_get("/webhooks/widget/history/{session_id}", history)
        app.router.add_get("/webhooks/widget/config", config)
        return app

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self._app(), shutdown_timeout=2)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()
