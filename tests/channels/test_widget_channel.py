"""The widget channel of a real running bot: its files, and whose transcript it gives out."""

from __future__ import annotations

import secrets

import pytest
import requests

from tools.stack import Stack

pytestmark = pytest.mark.servers


def test_the_script_and_the_demo_page_are_served(bot_stack: Stack) -> None:
    script = requests.get(f"{bot_stack.url()}/webhooks/widget/widget.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    demo = requests.get(f"{bot_stack.url()}/webhooks/widget/demo", timeout=10)
    assert '<script src="/webhooks/widget/widget.js"' in demo.text


def test_history_is_given_only_for_widget_conversations(bot_stack: Stack) -> None:
    sender = secrets.token_hex(16)  # looks like a widget id, but talks over REST
    requests.post(
        f"{bot_stack.url()}/webhooks/rest/webhook", json={"sender": sender, "message": "hello"}, timeout=60
    ).raise_for_status()
    history = requests.get(f"{bot_stack.url()}/webhooks/widget/history/{sender}", timeout=10)
    assert history.json() == {"messages": []}
    for not_an_id in ("me", "default", sender.upper()):
        assert (
            requests.get(f"{bot_stack.url()}/webhooks/widget/history/{not_an_id}", timeout=10).status_code
            == 404
        )
