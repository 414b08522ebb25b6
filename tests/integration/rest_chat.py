"""Talking to a real running bot over REST, and reading its tracker (integration tests)."""

from __future__ import annotations

from typing import Any

import requests

from tools.stack import Stack


def say(stack: Stack, sender: str, message: str) -> list[dict[str, Any]]:
    reply = requests.post(
        f"{stack.url()}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
    )
    reply.raise_for_status()
    return list(reply.json())


def slots(stack: Stack, sender: str) -> dict[str, Any]:
    reply = requests.get(
        f"{stack.url()}/conversations/{sender}/tracker",
        params={"token": stack.settings.rasa_auth_token},
        timeout=30,
    )
    reply.raise_for_status()
    return dict(reply.json()["slots"])
