"""The chat widget as a person sees it: found by role and name, never by internal markup."""

from __future__ import annotations

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
    def error_line(self) -> Locator:
        return self.page.get_by_role("alert")

    @property
    def typing(self) -> Locator:
        return self.page.get_by_role("status").filter(has_text="typing")

    @property
    def replies(self) -> Locator:
        return self.page.get_by_role("group", name="Suggested replies").get_by_role("button")

    def bot_says(self, text: str) -> Locator:
        return self.log.locator(".msg.bot").filter(has_text=text)

    def person_says(self, text: str) -> Locator:
        return self.log.locator(".msg.user").filter(has_text=text)

    def open(self) -> None:
        self.launcher.click()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def choose(self, title: str) -> None:
        self.replies.filter(has_text=title).click()

    def session_id(self) -> str:
        return str(self.page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')"))
