"""A local server standing in for Slack's and Microsoft's clouds, and helpers to talk like them.

`Cloud` plays Slack's Web API, Microsoft's token endpoint, Bot Framework's OpenID metadata and
signing keys (an RSA key made here), and the Bot Connector that a Teams activity's serviceUrl
points to. It records every request, so tests assert what the bot really sent.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from local_http import LocalHTTPServer
from werkzeug import Request, Response

from bot.playbook import default_playbook
from tools.stack import Stack, free_port

APP_ID = str(uuid.uuid4())
TENANT_ID = str(uuid.uuid4())
SIGNING_SECRET = secrets.token_hex(16)
SUPPORT_CHANNEL = "C0SUPPORT"
BOT_USER = "U0RECOVERYBOT"
# The foundation's first conversation, and the playbook entry it reaches after "yes".
OUTLOOK_NEW_PHONE = "I got a new phone and my hotmail asks for the authenticator code"
NEW_PHONE = default_playbook().get("personal.has_other_method.new_phone")


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: Any  # JSON, or the form fields for form posts
    answer: Any = None  # what the stand-in answered (None for a refusal)


class Cloud:
    """The stand-in for Slack's and Microsoft's servers (pytest-httpserver, threaded)."""

    def __init__(self) -> None:
        self.server = LocalHTTPServer("127.0.0.1", free_port(), threaded=True)
        self.captured: list[Captured] = []
        self.lock = threading.Lock()
        self.refusals: dict[str, int] = {}  # path fragment -> how many 429s are still to answer
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self._ts = itertools.count(1)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def refuse_next(self, path_fragment: str, times: int) -> None:
        """Answer the next `times` requests whose path contains `path_fragment` with 429."""
        with self.lock:
            self.refusals[path_fragment] = times

    def _refused(self, path: str) -> bool:
        with self.lock:
            for fragment, left in self.refusals.items():
                if fragment in path and left > 0:
                    self.refusals[fragment] = left - 1
                    return True
        return False

    def _handle(self, request: Request) -> Response:
        if request.mimetype == "application/json":
            body: Any = request.get_json()
        else:
            body = dict(request.form)
        captured = Captured(request.path, dict(request.headers), body)
        with self.lock:
            self.captured.append(captured)
        if self._refused(request.path):
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        captured.answer = self._answer(request.path, body)
        return Response(json.dumps(captured.answer), content_type="application/json")

    def _answer(self, path: str, body: Any) -> Any:
        if path.startswith("/slack/api/chat."):
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": f"{time.time():.0f}.{next(self._ts):06d}",
            }
        if path == "/botframework/openid":
            return {"issuer": "https://api.botframework.com", "jwks_uri": self.url("/botframework/keys")}
        if path == "/botframework/keys":
            public = RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
            return {"keys": [{**public, "kid": self.kid, "use": "sig", "endorsements": ["msteams"]}]}
        if path.endswith("/oauth2/v2.0/token"):
            return {"token_type": "Bearer", "expires_in": 3600, "access_token": "connector-token"}
        if path.startswith("/teams/v3/conversations/"):
            return {"id": f"reply-{next(self._ts)}"}
        return {"ok": False, "error": "unknown_method"}

    def requests(self, where: Callable[[Captured], bool]) -> list[Captured]:
        with self.lock:
            return [c for c in self.captured if where(c)]

    def wait_for(
        self, where: Callable[[Captured], bool], count: int = 1, timeout: float = 90
    ) -> list[Captured]:
        """The first `count` matching requests, once they arrived (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.requests(where)
            if len(found) >= count:
                return found[:count]
            time.sleep(0.2)
        raise AssertionError(
            f"expected {count} request(s), got {len(self.requests(where))}: {self.captured[-5:]}"
        )


def cloud_env(cloud: Cloud) -> dict[str, str]:
    """What a bot needs to talk to this stand-in as Slack and as Teams."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CHANNEL": SUPPORT_CHANNEL,
        "SLACK_API_URL": cloud.url("/slack/api/"),
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "test-app-password",
        "MICROSOFT_TENANT_ID": TENANT_ID,
        "BOTFRAMEWORK_OPENID_URL": cloud.url("/botframework/openid"),
        "MICROSOFT_LOGIN_URL": cloud.url("/login"),
    }


def user_texts(stack: Stack, sender: str) -> list[str]:
    """What the tracker recorded as the person's messages (the API is on in these stacks)."""
    return [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def slack_dm_event(user: str, channel: str, text: str) -> dict[str, Any]:
    """A direct message from `user` in `channel`, as Slack's Events API delivers it."""
    return {
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(6).upper(),
        "authorizations": [{"user_id": BOT_USER}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
        },
    }


def teams_activity(service_url: str, user: str, conversation: str, text: str) -> dict[str, Any]:
    """A personal-chat message from `user`, as the Bot Connector delivers it."""
    return {
        "type": "message",
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user, "name": "Alex"},
        "recipient": {"id": f"28:{APP_ID}", "name": "Recovery bot"},
        "conversation": {"id": conversation, "conversationType": "personal"},
        "text": text,
    }


def slack_signature(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def bot_framework_token(cloud: Cloud, service_url: str, **changes: Any) -> str:
    """A Bot Connector token for this bot; `changes` override claims, or `key=`/`kid=` the signer."""
    now = int(time.time())
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "nbf": now - 10,
        "exp": now + 3600,
        "serviceurl": service_url,
    }
    key = changes.pop("key", cloud.signing_key)
    kid = changes.pop("kid", cloud.kid)
    claims.update(changes)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid}
    )
