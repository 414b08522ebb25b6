"""The chat widget as a person sees it: found by role and name wherever a role says what it is."""

from __future__ import annotations

import json

from playwright.sync_api import Locator, Page

SESSION_KEY = "recovery-bot-session"


class Widget:
    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def launcher(self) -> Locator:
        return self.page.get_by_role("button", name="Help with sign-in")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log", name="Conversation")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Your message")

    @property
    def send_button(self) -> Locator:
        return self.page.get_by_role("button", name="Send", exact=True)

    @property
    def error_line(self) -> Locator:
        return self.page.get_by_role("alert")

    @property
    def announcer(self) -> Locator:
        """What a screen reader is told outside the conversation log (role=status)."""
        return self.page.get_by_role("status")

    @property
    def typing(self) -> Locator:
        """The visible typing line (hidden from screen readers, which hear the announcer)."""
        return self.page.locator(".typing")

    @property
    def counter(self) -> Locator:
        return self.page.locator("#rb-count")

    @property
    def new_messages_cue(self) -> Locator:
        return self.page.get_by_role("button", name="New messages below")

    @property
    def replies(self) -> Locator:
        return self.page.get_by_role("group", name="Suggested replies").get_by_role("button")

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def bot_says(self, text: str) -> Locator:
        return self.log.locator(".msg.bot").filter(has_text=text)

    def person_says(self, text: str) -> Locator:
        return self.log.locator(".msg.user").filter(has_text=text)

    def entry(self, text: str, who: str = "user") -> Locator:
        """`who`'s ("user" or "bot") message saying `text`, with its label, time and delivery state."""
        return self.log.locator(f".entry.{who}").filter(has=self.page.locator(".msg", has_text=text))

    def open(self) -> None:
        self.launcher.click()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def choose(self, title: str) -> None:
        self.replies.filter(has_text=title).click()

    def session_id(self) -> str:
        stored = self.page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
        return str(json.loads(stored)["id"])
