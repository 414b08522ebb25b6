"""What the real bot never does, played by a stand-in server: hostile markup, a slow answer, an
outage, a long answer, a short limit. The numbers in the test names are issue #19's points."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from a11y import axe_violations, focus_ring
from playwright.sync_api import Browser, BrowserContext, Page, expect
from widget_page import SESSION_KEY, Widget
from widget_standin import StandInBot

HOSTILE = (
    "Hi <script>window.__pwned = 'script'</script> and "
    '<img src="x" onerror="window.__pwned = \'img\'"> and '
    "[a link](javascript:window.__pwned='link') and **bold**"
)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in browser contexts of their own options (viewport, colour scheme, ...)."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> Page:
        contexts.append(browser.new_context(**options))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


def chat(page: Page, bot: StandInBot, first: str | None = "help") -> Widget:
    """The widget on the stand-in's page, open, after the person said `first`."""
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    if first:
        widget.say(first)
    return widget


YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
CLOCK = re.compile(r"\d{1,2}:\d{2}")


def test_hostile_markup_is_shown_as_text_and_never_runs(page: Page, stand_in_bot: StandInBot) -> None:
    stand_in_bot.answer = lambda text: [
        {
            "text": HOSTILE,
            "quick_replies": [{"title": "<img src=x onerror=\"window.__pwned='button'\">", "payload": "/x"}],
        }
    ]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    widget = chat(page, stand_in_bot, None)
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


# --- 1. Connection drops ----------------------------------------------------------------------


@pytest.fixture
def down_then_up() -> Iterator[StandInBot]:
    """A bot that is down until the test starts it, at an address the page already knows."""
    bot = StandInBot()
    yield bot
    bot.held.set()
    bot.stop()


@pytest.fixture
def page_host(down_then_up: StandInBot) -> Iterator[StandInBot]:
    """Serves the page, whose chat server is `down_then_up`."""
    host = StandInBot(server_url=down_then_up.url)
    host.start()
    yield host
    host.stop()


def test_1_a_message_sent_offline_waits_visibly_and_goes_when_the_connection_is_back(
    page: Page, down_then_up: StandInBot, page_host: StandInBot
) -> None:
    page.goto(page_host.url)
    widget = Widget(page)
    widget.open()
    expect(widget.error_line).to_contain_text("Can't reach the help service right now")
    expect(widget.button("Try again now")).to_be_visible()
    widget.say("hello while offline")
    sent = widget.entry("hello while offline")
    expect(sent).to_contain_text("Waiting for the connection")
    expect(widget.typing).to_be_hidden()  # nobody is typing an answer to a message not sent
    assert axe_violations(page) == []

    down_then_up.start()
    widget.button("Try again now").click()  # no need to wait for the next automatic attempt
    expect(widget.error_line).to_be_hidden(timeout=30_000)
    expect(widget.bot_says("You said: hello while offline")).to_be_visible()
    expect(sent).to_contain_text("Sent")
    assert down_then_up.received == ["hello while offline"]


def test_1_a_message_lost_in_a_dropped_connection_is_marked_and_sent_again(
    page: Page, down_then_up: StandInBot, page_host: StandInBot
) -> None:
    down_then_up.start()
    down_then_up.held.clear()  # the answer is held back while the connection drops
    page.goto(page_host.url)
    widget = Widget(page)
    widget.open()
    widget.say("did this arrive?")
    sent = widget.entry("did this arrive?")
    expect(sent).to_contain_text("Sending…")
    expect(widget.typing).to_be_visible()

    down_then_up.stop()
    expect(sent).to_contain_text("Not delivered")
    expect(widget.typing).to_be_hidden()
    expect(widget.error_line).to_contain_text("Can't reach the help service right now")
    down_then_up.held.set()

    back = StandInBot(port=down_then_up.port)
    back.start()
    try:
        widget.button("Try again now").click()
        expect(widget.error_line).to_have_text("A message was not delivered.", timeout=30_000)
        widget.button("Send again").click()
        expect(widget.bot_says("You said: did this arrive?")).to_be_visible()
        expect(sent).to_contain_text("Sent")
        expect(widget.error_line).to_be_hidden()
        assert back.received == ["did this arrive?"]
        first_id = down_then_up.message_ids[-1]
        assert first_id and back.message_ids == [first_id]  # the bot can tell it is the same message
        widget.say("and this one?")
        expect(widget.bot_says("You said: and this one?")).to_be_visible()
        assert back.message_ids[-1] not in (None, first_id)
    finally:
        back.stop()


def test_1_the_typing_line_shows_until_the_answer_and_its_announcement_lasts(
    page: Page, stand_in_bot: StandInBot
) -> None:
    stand_in_bot.held.clear()
    widget = chat(page, stand_in_bot, "hello")
    expect(widget.typing).to_be_visible()
    expect(widget.announcer).to_have_text("The assistant is typing…")
    stand_in_bot.held.set()
    expect(widget.bot_says("You said: hello")).to_be_visible()
    expect(widget.typing).to_be_hidden()
    answered = time.monotonic()
    page.wait_for_timeout(1000)  # a screen reader is still reading it: it is not pulled away
    expect(widget.announcer).to_have_text("The assistant is typing…", timeout=100)
    assert time.monotonic() - answered < 2.5
    expect(widget.announcer).to_have_text("", timeout=10_000)  # and then it goes


# --- 2. Long messages -------------------------------------------------------------------------


def test_2_the_counter_shows_the_servers_limit_and_a_long_message_is_never_cut(
    page: Page, stand_in_bot: StandInBot
) -> None:
    stand_in_bot.max_chars = 40
    widget = chat(page, stand_in_bot, None)
    expect(widget.counter).to_have_text("0 / 40")
    too_long = "My new phone never gets the sign-in codes at all"  # 48 characters
    widget.input.fill(too_long)
    expect(widget.counter).to_have_text("48 / 40: 8 too many")
    expect(widget.input).to_have_attribute("aria-invalid", "true")
    widget.input.press("Enter")
    expect(widget.counter).to_have_text("Too long by 8 characters: shorten it, or send it in two messages.")
    expect(widget.input).to_have_value(too_long)  # nothing lost, nothing cut
    assert stand_in_bot.received == []

    widget.input.fill("My new phone never gets the codes")
    expect(widget.counter).to_have_text("33 / 40")
    widget.input.press("Enter")
    expect(widget.bot_says("You said: My new phone never gets the codes")).to_be_visible()
    assert stand_in_bot.received == ["My new phone never gets the codes"]


def test_2_shift_enter_adds_a_line_and_enter_sends_them_together(
    page: Page, stand_in_bot: StandInBot
) -> None:
    widget = chat(page, stand_in_bot, None)
    widget.input.type("Phone lost.")
    widget.input.press("Shift+Enter")
    widget.input.type("Number changed.")
    expect(widget.input).to_have_value("Phone lost.\nNumber changed.")
    assert stand_in_bot.received == []
    widget.input.press("Enter")
    bubble = widget.person_says("Number changed.")
    expect(bubble).to_be_visible()
    assert bubble.inner_text() == "Phone lost.\nNumber changed."
    expect(widget.bot_says("You said: Phone lost.")).to_be_visible()
    assert stand_in_bot.received == ["Phone lost.\nNumber changed."]
    expect(widget.input).to_have_value("")


# --- 3. The conversation is kept, for a while, and can be taken away --------------------------


def test_3_an_expired_conversation_is_not_continued(browser: Browser, stand_in_bot: StandInBot) -> None:
    old = "ab" * 16
    context = browser.new_context()
    stale = json.dumps({"id": old, "open": True, "expires": 1})  # expired long ago
    context.add_init_script(f"localStorage.setItem('{SESSION_KEY}', {json.dumps(stale)})")
    page = context.new_page()
    widget = chat(page, stand_in_bot, "hello")
    expect(widget.bot_says("You said: hello")).to_be_visible()
    assert widget.session_id() != old
    assert old not in stand_in_bot.sessions
    context.close()


def test_3_the_conversation_downloads_as_text_with_who_said_what(
    page: Page, stand_in_bot: StandInBot, artifacts: Path
) -> None:
    stand_in_bot.answer = lambda text: [
        {"text": "Use **Sign in another way**. See [help](https://support.microsoft.com/x)."}
    ]
    widget = chat(page, stand_in_bot, "I lost my phone")
    expect(widget.bot_says("Sign in another way")).to_be_visible()
    with page.expect_download() as download:
        widget.button("Download conversation").click()
    assert re.fullmatch(
        r"sign-in-help-conversation-\d{4}-\d{2}-\d{2}-\d{4}\.txt", download.value.suggested_filename
    )
    saved = artifacts / "transcript.txt"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert re.search(r"^You, .*\d{1,2}:\d{2}.*:\nI lost my phone$", text, re.M), text
    assert re.search(r"^Assistant, .*:\nUse Sign in another way\. See help \(https://support", text, re.M), (
        text
    )


TICKET = "RB-7K3P9Q"


def test_3_a_ticket_number_never_breaks_across_lines(
    new_page: Callable[..., Page], stand_in_bot: StandInBot
) -> None:
    stand_in_bot.answer = lambda text: [
        {"text": f"I've opened support ticket **{TICKET}**. Our team will email you quoting {TICKET}."}
    ]
    page = new_page(viewport={"width": 320, "height": 640}, is_mobile=True)
    widget = chat(page, stand_in_bot, "open a ticket")
    ids = widget.bot_says("support ticket").locator(".ticket-id")
    expect(ids).to_have_count(2)
    wrapped = []
    for width in range(320, 481, 3):  # wherever a line happens to end
        page.set_viewport_size({"width": width, "height": 640})
        lines = ids.evaluate_all("nodes => nodes.map(n => n.getClientRects().length)")
        if lines != [1, 1]:
            wrapped.append(width)
    assert wrapped == [], f"the ticket number broke across lines at widths {wrapped}"
    expect(ids.first).to_have_text(TICKET)


# --- 4. Screen readers ------------------------------------------------------------------------


def test_4_messages_say_who_and_when_and_reply_buttons_are_outside_the_log(
    page: Page, stand_in_bot: StandInBot
) -> None:
    stand_in_bot.answer = lambda text: [{"text": "Can you sign in another way?", "quick_replies": YES_NO}]
    widget = chat(page, stand_in_bot, "help")
    mine = widget.entry("help")
    theirs = widget.entry("another way", who="bot")
    expect(mine.locator(".who")).to_have_text("You")
    expect(theirs.locator(".who")).to_have_text("Assistant")
    for entry in (mine, theirs):
        stamp = entry.locator("time")
        expect(stamp).to_have_text(CLOCK)
        assert stamp.get_attribute("datetime")
    expect(widget.replies).to_have_text(["Yes", "No"])
    assert widget.log.get_by_role("button").count() == 0
    expect(widget.announcer).to_have_text("2 suggested replies after the message box.")


# Records, for every message added to the log, whether the log was live when it came.
RECORD_LIVE_STATE = """
window.__announced = [];
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const shadow = attach.call(this, init);
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) {
      if (!node.classList || !node.classList.contains("entry")) continue;
      const log = node.parentNode;
      const state = [log.getAttribute("aria-live"), log.getAttribute("aria-busy")];
      window.__announced.push([node.textContent, ...state]);
    }
  }).observe(shadow, {subtree: true, childList: true});
  return shadow;
};
"""


def test_4_a_reload_shows_the_conversation_without_reading_it_out_again(
    page: Page, stand_in_bot: StandInBot
) -> None:
    stand_in_bot.history = [
        {"sender": "user", "text": "I lost my phone", "buttons": [], "time": 1764750000},
        {"sender": "bot", "text": "Can you sign in another way?", "buttons": YES_NO, "time": 1764750001},
    ]
    page.add_init_script(RECORD_LIVE_STATE)
    widget = chat(page, stand_in_bot, None)
    expect(widget.bot_says("another way")).to_be_visible()
    expect(widget.replies).to_have_text(["Yes", "No"])
    expect(widget.log).to_have_attribute("aria-live", "polite")
    widget.choose("Yes")
    expect(widget.bot_says("You said: /affirm")).to_be_visible()

    announced = page.evaluate("window.__announced")
    restored = [state for text, *state in announced if "lost my phone" in text or "another way" in text]
    live = [state for text, *state in announced if "lost my phone" not in text and "another way" not in text]
    assert restored == [["off", "true"], ["off", "true"]], announced
    assert len(live) == 2 and all(state == ["polite", None] for state in live), announced


# --- 5. Keyboard and contrast -----------------------------------------------------------------


def test_5_tab_goes_from_the_message_box_to_send_then_the_replies_in_order(
    page: Page, stand_in_bot: StandInBot
) -> None:
    stand_in_bot.answer = lambda text: [
        {"text": "Which one?", "quick_replies": [*YES_NO, {"title": "Talk to a person", "payload": "/h"}]}
    ]
    page.goto(stand_in_bot.url)
    widget = Widget(page)
    page.keyboard.press("Tab")
    expect(widget.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    page.keyboard.type("help")
    page.keyboard.press("Enter")
    expect(widget.replies).to_have_count(3)
    expect(widget.input).to_be_focused()
    for expected in (widget.send_button, widget.replies.nth(0), widget.replies.nth(1), widget.replies.nth(2)):
        page.keyboard.press("Tab")
        expect(expected).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(widget.person_says("No")).to_be_visible()
    expect(widget.input).to_be_focused()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_5_the_focus_ring_has_3_to_1_contrast_with_what_is_behind_it(
    new_page: Callable[..., Page], stand_in_bot: StandInBot, scheme: str
) -> None:
    stand_in_bot.answer = lambda text: [{"text": "Which one?", "quick_replies": YES_NO}]
    page = new_page(color_scheme=scheme)
    page.goto(stand_in_bot.url)
    widget = Widget(page)
    rings = {"launcher": focus_ring(page, widget.launcher)}
    widget.launcher.press("Enter")
    widget.say("help")
    expect(widget.replies).to_have_count(2)
    for name in ("Start over", "Download conversation", "Close the chat", "Send", "Yes"):
        rings[name] = focus_ring(page, widget.button(name))
    rings["message box"] = focus_ring(page, widget.input)
    weak = {name: ring for name, ring in rings.items() if ring["ratio"] < 3 or ring["width"] < 2}
    assert weak == {}, weak


# --- 6. Forced colours and dark mode ----------------------------------------------------------


def test_6_forced_colours_keep_every_bubble_and_button_visible(
    new_page: Callable[..., Page], stand_in_bot: StandInBot, artifacts: Path
) -> None:
    stand_in_bot.answer = lambda text: [{"text": "Can you sign in another way?", "quick_replies": YES_NO}]
    page = new_page(forced_colors="active", viewport={"width": 1280, "height": 800})
    widget = chat(page, stand_in_bot, "help")
    expect(widget.replies).to_have_count(2)
    shapes = [
        widget.person_says("help"),
        widget.bot_says("another way"),
        widget.send_button,
        widget.replies.first,
    ]
    for shape in shapes:
        edge = shape.evaluate(
            "n => { const s = getComputedStyle(n); return [s.borderTopWidth, s.borderTopStyle] }"
        )
        assert float(edge[0].removesuffix("px")) >= 1 and edge[1] == "solid", (shape, edge)
    page.screenshot(path=artifacts / "widget-forced-colours.png")


def test_6_dark_mode_is_dark_and_passes_axe(
    new_page: Callable[..., Page], stand_in_bot: StandInBot, artifacts: Path
) -> None:
    stand_in_bot.answer = lambda text: [
        {
            "text": "Open **account.microsoft.com** and see [help](https://support.microsoft.com/x).",
            "quick_replies": YES_NO,
        }
    ]
    page = new_page(color_scheme="dark", viewport={"width": 1280, "height": 800})
    widget = chat(page, stand_in_bot, "help")
    expect(widget.replies).to_have_count(2)
    panel = page.get_by_role("region", name="Help with sign-in")
    background = panel.evaluate("n => getComputedStyle(n).backgroundColor")
    assert background == "rgb(28, 29, 32)", background
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "widget-dark.png")


# --- 7. Long answers --------------------------------------------------------------------------

LONG_ANSWER = [
    {"text": "**Step one.** " + "Open the sign-in page and choose the option that fits your case. " * 12},
    {"text": "**Step two.** " + "Follow the prompts until the account asks for a new method. " * 12},
    {"text": "**Step three.** " + "Add the new phone and remove the old one from the list. " * 12},
    {"text": "Did it work?", "quick_replies": [*YES_NO, {"title": "Talk to a person", "payload": "/h"}]},
]


def test_7_a_long_answer_shows_its_start_the_next_step_and_a_cue_for_the_rest(
    page: Page, stand_in_bot: StandInBot, artifacts: Path
) -> None:
    stand_in_bot.answer = lambda text: LONG_ANSWER
    widget = chat(page, stand_in_bot, "my phone is gone")
    expect(widget.bot_says("Did it work?")).to_be_attached()
    first = widget.bot_says("Step one.")
    log_box, first_box = widget.log.bounding_box(), first.bounding_box()
    assert log_box and first_box
    assert log_box["y"] <= first_box["y"] < log_box["y"] + 80, (log_box, first_box)  # its start, on top
    expect(widget.new_messages_cue).to_be_visible()
    expect(widget.bot_says("Did it work?")).not_to_be_in_viewport()
    for reply in widget.replies.all():  # the next step is in sight without scrolling
        expect(reply).to_be_in_viewport()
    page.screenshot(path=artifacts / "widget-long-answer.png")

    widget.new_messages_cue.click()
    expect(widget.bot_says("Did it work?")).to_be_in_viewport()
    expect(widget.new_messages_cue).to_be_hidden()


# --- 8. Start over ----------------------------------------------------------------------------


def test_8_start_over_asks_then_clears_the_screen_and_continues_in_a_new_conversation(
    page: Page, stand_in_bot: StandInBot
) -> None:
    widget = chat(page, stand_in_bot, "first conversation")
    expect(widget.bot_says("You said: first conversation")).to_be_visible()
    old = widget.session_id()

    widget.button("Start over").click()
    expect(widget.error_line).to_have_text("Clear this conversation from this browser and start a new one?")
    widget.button("Keep it").click()
    expect(widget.person_says("first conversation")).to_be_visible()
    widget.button("Start over").click()
    widget.button("Yes, start over").click()
    expect(widget.log.locator(".entry")).to_have_count(0)
    expect(widget.log).to_contain_text("Tell me what happened with your sign-in")
    expect(widget.announcer).to_have_text("New conversation started.")
    expect(widget.input).to_be_focused()
    new = widget.session_id()
    assert new != old and re.fullmatch(r"[0-9a-f]{32}", new)
    assert stand_in_bot.sessions[-1] == new

    widget.say("second conversation")
    expect(widget.bot_says("You said: second conversation")).to_be_visible()
    page.reload()
    expect(widget.input).to_be_visible()  # still open
    assert widget.session_id() == new


def test_8_typing_slash_restart_clears_the_screen_too_and_other_tabs_follow(
    browser: Browser, stand_in_bot: StandInBot
) -> None:
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        tab.goto(stand_in_bot.url)
    here, there = Widget(first), Widget(second)
    here.open()
    here.say("hello")
    expect(here.bot_says("You said: hello")).to_be_visible()
    there.open()
    assert there.session_id() == here.session_id()

    here.say("/restart")
    expect(here.log.locator(".entry")).to_have_count(0)
    assert stand_in_bot.received == ["hello"]  # handled by the widget: a new conversation
    expect(there.log).to_contain_text("Tell me what happened with your sign-in")
    assert there.session_id() == here.session_id()
    context.close()


# --- 1 to 7 together: axe at both sizes --------------------------------------------------------


@pytest.mark.parametrize("size", [(1280, 800), (360, 740)], ids=["desktop", "phone"])
def test_axe_finds_no_wcag_22_aa_violation_with_every_state_on_screen(
    new_page: Callable[..., Page], stand_in_bot: StandInBot, size: tuple[int, int]
) -> None:
    stand_in_bot.answer = lambda text: LONG_ANSWER
    page = new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(stand_in_bot.url)
    widget = Widget(page)
    assert axe_violations(page) == []  # the launcher alone
    widget.open()
    widget.input.fill("x" * 2100)  # the counter over the limit
    widget.input.press("Enter")
    widget.input.fill("my phone is gone")
    widget.input.press("Enter")
    expect(widget.new_messages_cue).to_be_visible()
    widget.button("Start over").click()  # the question bar
    assert axe_violations(page) == []
