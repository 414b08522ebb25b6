"""How the security tests talk to the hardened bot (the `secure_bot` fixture in conftest.py starts it):
over REST and socket.io, with the client address a proxy would pass on."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import socketio
from local_http import LocalHTTPServer
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tools.stack import Stack, free_port

ACTION_TOKEN = secrets.token_urlsafe(24)


@dataclass
class RecordingHelpdesk:
    """A webhook helpdesk that accepts every ticket and keeps the raw requests."""

    server: HTTPServer = field(
        default_factory=lambda: LocalHTTPServer("127.0.0.1", free_port(), threaded=True)
    )
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server.expect_request("/tickets", method="POST").respond_with_handler(self.receive)

    def receive(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(json.dumps(dict(request.headers)) + "\n" + request.get_data(as_text=True))
            return Response(json.dumps({"id": f"WH-{len(self.requests)}"}), status=201)

    def received(self) -> list[str]:
        with self.lock:
            return list(self.requests)


@dataclass
class SecureBot:
    stacks: list[Stack]  # [PostgreSQL tracker + action server, SQLite tracker]
    helpdesk: RecordingHelpdesk
    env: dict[str, str]
    var_dir: Path

    @property
    def action_url(self) -> str:
        return self.stacks[0].settings.action_server_url

    def post(self, body: bytes | str, *, client: str = "198.51.100.1", server: int = 0) -> requests.Response:
        return requests.post(
            f"{self.stacks[server].url()}/webhooks/rest/webhook",
            data=body.encode() if isinstance(body, str) else body,
            headers={"Content-Type": "application/json", "X-Forwarded-For": client},
            timeout=60,
        )

    def say(self, sender: str, message: str, *, client: str = "198.51.100.1", server: int = 0) -> str:
        reply = self.post(json.dumps({"sender": sender, "message": message}), client=client, server=server)
        reply.raise_for_status()
        return "\n".join(m.get("text", "") for m in reply.json())

    def tracker(self, sender: str, server: int = 0) -> dict[str, Any]:
        return self.stacks[server].tracker(sender)


async def _widget_conversation(url: str, messages: list[str], address: str = "198.51.100.2") -> list[str]:
    """Talks over socket.io as the widget does (from `address`); returns every answer received."""
    answers: list[str] = []
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: answers.append(str(data.get("text", ""))))
    # long-polling: the aiohttp installed with Rasa is too old for python-engineio's websocket client
    await client.connect(
        url, socketio_path="/socket.io", transports=["polling"], headers={"X-Forwarded-For": address}
    )
    session = secrets.token_hex(16)
    await client.emit("session_request", {"session_id": session})
    for message in messages:
        before = len(answers)
        await client.emit("user_uttered", {"message": message, "session_id": session})
        for _ in range(300):  # the answer comes over the socket, not as a reply to the emit
            if len(answers) > before:
                break
            await asyncio.sleep(0.1)
    await client.eio.disconnect(abort=True)  # not waiting for the long poll to end (up to 25 s)
    return answers


def widget_conversation(url: str, messages: list[str], address: str = "198.51.100.2") -> list[str]:
    """`_widget_conversation` on a loop of its own thread (Playwright's sync API may hold this one's)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, _widget_conversation(url, messages, address)).result()
