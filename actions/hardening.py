"""The action server's door: a shared secret when exposed, and action calls checked for shape.

rasa_sdk has no authentication of its own and answers a malformed call with a 500 that echoes
the request body. With ACTION_SERVER_TOKEN set, every route but /health requires
`Authorization: Bearer <token>` (endpoints.yml sends it); a call that is not an action call
(`next_action` a string, `tracker` an object with an `events` list, ...) gets 400.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

OPEN_ROUTES = ("/health",)


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine (127.0.0.1, ::1, localhost)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def exposure_problem(host: str, token: str) -> str | None:
    """Why the action server must not start on `host`, or None."""
    if is_loopback(host) or token:
        return None
    return (
        f"the action server would listen on {host} without a shared secret: set ACTION_SERVER_TOKEN "
        "(the same value for the Rasa server), or ACTION_HOST=127.0.0.1"
    )


def call_problem(body: bytes) -> str | None:
    """What is wrong with an action call's body, or None."""
    try:
        call: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "the body is not JSON"
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
        return 'expected an action call: {"next_action": "...", "sender_id": "...", "tracker": {...}}'
    tracker = call.get("tracker")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("events", []), list):
        return '"tracker" must be an object whose "events" is a list'
    if not isinstance(tracker.get("slots", {}), dict) or not isinstance(call.get("domain") or {}, dict):
        return '"tracker.slots" and "domain" must be objects'
    problem = next(filter(None, map(_event_problem, tracker.get("events", []))), None)
    if problem:
        return problem
    if not isinstance(call.get("sender_id", ""), str) or not isinstance(call.get("version", ""), str):
        return '"sender_id" and "version" must be strings'
    return None


def _event_problem(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return 'every event must be an object with an "event" name'
    if event["event"] == "slot" and (not isinstance(event.get("name"), str) or "value" not in event):
        return 'a "slot" event needs a "name" and a "value"'
    if event["event"] in ("user", "bot") and not isinstance(event.get("text") or "", str):
        return f'a "{event["event"]}" event\'s "text" must be a string'
    if not all(isinstance(event.get(field) or {}, dict) for field in ("metadata", "parse_data")):
        return 'an event\'s "metadata" and "parse_data" must be objects'
    return None


def guard_action_server(app: Sanic, token: str) -> None:
    """Makes every route but the open ones require the action server's bearer token."""
    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_ROUTES:
            return None
        if token and not hmac.compare_digest(
            request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()
        ):
            return response.json({"error": "missing or wrong Authorization bearer token"}, status=401)
        if request.method == "POST" and request.path == "/webhook":
            if request.headers.get("Content-Encoding") == "deflate":
                return None  # rasa_sdk inflates it; only Rasa (with the token) sends compressed calls
            problem = call_problem(request.body)
            if problem:
                return response.json({"error": problem}, status=400)
        return None

    app.register_middleware(check, "request")
