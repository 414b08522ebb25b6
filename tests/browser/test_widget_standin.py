"""What the real bot never does, played by a stand-in server: hostile markup, a slow answer, an outage."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from widget_page import Widget
from widget_standin import StandInBot

HOSTILE = (
    "Hi <script>window.__pwned = 'script'</script> and "
    '<img src="x" onerror="window.__pwned = \'img\'"> and '
    "[a link](javascript:window.__pwned='link') and **bold**"
)


def test_hostile_markup_is_shown_as_text_and_never_runs(page: Page, stand_in_bot: StandInBot) -> None:
    stand_in_bot.answer = lambda text: [
        {
            "text": HOSTILE,
            "quick_replies": [{"title": "<img src=x onerror=\"window.__pwned='button'\">", "payload": "/x"}],
        }
    ]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(stand_in_bot.url)
    widget = Widget(page)
    widget.open()
    widget.say("<img src=x onerror=\"window.__pwned='mine'\"> hello")

    expect(widget.person_says("hello")).to_have_text("<img src=x onerror=\"window.__pwned='mine'\"> hello")
    answer = widget.bot_says("Hi")
    expect(answer).to_contain_text("<script>window.__pwned = 'script'</script>")
    expect(answer).to_contain_text('<img src="x" onerror="window.__pwned = \'img\'">')
    expect(answer.locator("strong")).to_have_text("bold")
    expect(widget.replies).to_have_text(["<img src=x onerror=\"window.__pwned='button'\">"])
    assert answer.locator("script, img, [onerror]").count() == 0
    link = answer.get_by_text("a link")
    assert link.get_attribute("href") is None
    link.click()
    widget.replies.first.click()
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def test_the_typing_indicator_shows_until_the_answer_arrives(page: Page, stand_in_bot: StandInBot) -> None:
    stand_in_bot.held.clear()
    page.goto(stand_in_bot.url)
    widget = Widget(page)
    widget.open()
    widget.say("hello")
    expect(widget.typing).to_be_visible()
    stand_in_bot.held.set()
    expect(widget.bot_says("You said: hello")).to_be_visible()
    expect(widget.typing).to_be_hidden()


@pytest.fixture
def down_then_up() -> StandInBot:
    """A bot that is down until the test starts it, at an address the page already knows."""
    return StandInBot()


def test_an_unreachable_server_shows_an_error_then_reconnects(page: Page, down_then_up: StandInBot) -> None:
    page_host = StandInBot(server_url=down_then_up.url)  # serves the page; the chat server is down
    page_host.start()
    try:
        page.goto(page_host.url)
        widget = Widget(page)
        widget.open()
        expect(widget.error_line).to_have_text("Can't reach the help service right now. Retrying…")
        widget.say("hello while offline")
        expect(widget.person_says("hello while offline")).to_be_visible()

        down_then_up.start()
        expect(widget.error_line).to_be_hidden(timeout=60_000)
        expect(widget.bot_says("You said: hello while offline")).to_be_visible()
        assert down_then_up.received == ["hello while offline"]
    finally:
        page_host.stop()
        down_then_up.stop()
