"""`make shell`: chat with the bot in the terminal over its REST channel.

Uses the bot that `make run` started when one answers on RASA_PORT; otherwise starts
one for the session and stops it on exit. Buttons are listed with numbers: type the
number to press one.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any

import requests

from bot.settings import Settings
from tools.stack import Stack, is_up


def _show(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for message in messages:
        if message.get("text"):
            print(f"bot> {message['text']}\n")
        for button in message.get("buttons") or []:
            buttons.append(button)
            print(f"  [{len(buttons)}] {button['title']}")
    if buttons:
        print()
    return buttons


def chat(url: str) -> None:
    sender = f"shell-{uuid.uuid4().hex}"
    print("Type your message (Ctrl-D or /quit to leave).\n")
    buttons: list[dict[str, Any]] = []
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            print()
            return
        if text in {"/quit", "/exit"}:
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        if not text:
            continue
        try:
            reply = requests.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
            )
            reply.raise_for_status()
        except requests.RequestException as error:
            print(f"(the bot could not be reached: {error})")
            continue
        buttons = _show(reply.json())


def main() -> int:
    settings = Settings.from_env()
    stack = Stack(settings)
    if is_up(f"{stack.url()}/"):
        chat(stack.url())
        return 0
    print("Starting the bot for this chat (loading the model takes a while)...", flush=True)
    with stack.running():
        chat(stack.url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
