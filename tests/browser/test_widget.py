"""The web chat widget in headless Chromium, against the real bot (trained model + actions).

The numbers in test names are issue #19's points; test_widget_standin.py has the rest.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from a11y import axe_violations
from playwright.sync_api import Browser, Page, expect
from widget_page import SESSION_KEY, Widget

from bot.language import replies
from bot.playbook import default_playbook
from bot.settings import GuardSettings
from tools.stack import Stack

pytestmark = pytest.mark.servers

OUTLOOK_NEW_PHONE = "I got a new phone and my hotmail asks for the authenticator code"
NEW_PHONE = default_playbook().get("personal.has_other_method.new_phone")  # the path it leads to


def demo_url(stack: Stack) -> str:
    return f"{stack.url()}/webhooks/widget/demo"


def chat(page: Page, stack: Stack, first: str | None) -> Widget:
    """The widget on the demo page, open, after the person said `first`."""
    page.goto(demo_url(stack))
    widget = Widget(page)
    widget.open()
    if first:
        widget.say(first)
    return widget


def test_a_conversation_reaches_numbered_steps_with_safe_links(
    page: Page, bot_stack: Stack, artifacts: Path
) -> None:
    widget = chat(page, bot_stack, OUTLOOK_NEW_PHONE)
    expect(widget.person_says("I got a new phone")).to_be_visible()
    expect(widget.bot_says("another way")).to_be_visible()
    widget.choose("Yes, I have another way")

    expect(widget.person_says("Yes, I have another way")).to_be_visible()
    steps = widget.bot_says(NEW_PHONE.title).get_by_role("listitem")
    expect(steps).to_have_count(len(NEW_PHONE.steps))
    expect(steps.first).to_contain_text("install Microsoft Authenticator on the new phone")
    expect(steps.nth(2).locator("strong")).to_have_text("account.microsoft.com")  # after the per-phone steps
    links = widget.bot_says("Official help").get_by_role("link")
    expect(links.first).to_have_text(NEW_PHONE.sources[0].title)
    for link in links.all():
        assert link.get_attribute("href", timeout=5000) in {source.url for source in NEW_PHONE.sources}
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
    expect(widget.replies).to_have_text(["Yes, it worked", "No, it didn't work", "Talk to a person"])

    state = settled(bot_stack, widget.session_id(), messages=2)["slots"]  # saved after the answer
    assert (state["account_type"], state["recovery_path"]) == ("personal", NEW_PHONE.id)
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "widget.png")


def test_3_a_reload_keeps_the_conversation(page: Page, bot_stack: Stack) -> None:
    widget = chat(page, bot_stack, OUTLOOK_NEW_PHONE)
    expect(widget.replies).to_have_count(2)
    sender = widget.session_id()

    page.reload()
    expect(widget.person_says("I got a new phone")).to_be_visible()
    expect(widget.bot_says("another way")).to_be_visible()
    expect(widget.replies).to_have_text(["Yes, I have another way", "No, I'm completely locked out"])
    assert widget.session_id() == sender

    widget.choose("Yes, I have another way")  # the bot still knows it is a personal account
    expect(widget.bot_says(NEW_PHONE.title)).to_be_visible()
    assert settled(bot_stack, sender, messages=2)["slots"]["recovery_path"] == NEW_PHONE.id


def test_sender_ids_are_random_and_weak_ones_are_replaced(browser: Browser, bot_stack: Stack) -> None:
    ids = []
    for stored in (None, None, '{"id": "me", "expires": 9e15}'):
        context = browser.new_context()
        if stored:
            context.add_init_script(f"localStorage.setItem('{SESSION_KEY}', '{stored}')")
        page = context.new_page()
        widget = chat(page, bot_stack, "hello")
        expect(widget.log.locator(".msg.bot")).to_have_count(1)
        ids.append(widget.session_id())
        context.close()
    assert all(re.fullmatch(r"[0-9a-f]{32}", sender) for sender in ids), ids
    assert len(set(ids)) == 3


def test_phone_width_fills_the_screen_without_sideways_scrolling(
    browser: Browser, bot_stack: Stack, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    widget = chat(page, bot_stack, OUTLOOK_NEW_PHONE)
    widget.choose("Yes, I have another way")
    expect(widget.bot_says(NEW_PHONE.title)).to_be_visible()

    panel = page.get_by_role("region", name="Help with sign-in").bounding_box()
    assert panel is not None
    assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 360, 740)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    log_overflow = widget.log.evaluate("log => log.scrollWidth - log.clientWidth")
    assert log_overflow <= 0
    for control in (widget.input, page.get_by_role("button", name="Send")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["y"] + box["height"] <= 740
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "widget-phone.png")
    context.close()


def test_5_everything_works_from_the_keyboard_with_the_box_before_the_replies(
    page: Page, bot_stack: Stack
) -> None:
    page.goto(demo_url(bot_stack))
    widget = Widget(page)
    page.keyboard.press("Tab")
    expect(widget.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    expect(widget.log).to_have_attribute("aria-live", "polite")

    page.keyboard.type(OUTLOOK_NEW_PHONE)
    page.keyboard.press("Enter")
    expect(widget.replies).to_have_count(2)
    expect(widget.input).to_be_focused()
    page.keyboard.press("Tab")
    expect(widget.send_button).to_be_focused()
    page.keyboard.press("Tab")
    expect(widget.replies.first).to_be_focused()  # the first option first
    page.keyboard.press("Enter")
    expect(widget.person_says("Yes, I have another way")).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(widget.bot_says(NEW_PHONE.title)).to_be_visible()

    page.keyboard.press("Escape")
    expect(widget.launcher).to_be_focused()
    expect(widget.log).to_be_hidden()


CONTACT_EMAIL = "alex.doe@example.com"


def settled(stack: Stack, sender: str, messages: int) -> dict:  # type: ignore[type-arg]
    """The tracker once the bot has answered the person's `messages`-th message and listens again."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        state = stack.tracker(sender)
        said = [e for e in state["events"] if e["event"] == "user"]
        if len(said) == messages and state["latest_action_name"] == "action_listen":
            return state
        time.sleep(0.3)
    raise AssertionError(f"the bot did not finish answering message {messages}")


def test_a_ticket_opened_from_the_widget(page: Page, bot_stack: Stack) -> None:
    widget = chat(page, bot_stack, "I'd like to talk to a person, please")
    messages = 1
    state = settled(bot_stack, widget.session_id(), messages)
    while not state["slots"].get("ticket_id") and messages < 5:
        asked = state["slots"].get("requested_slot") or ""
        widget.say(CONTACT_EMAIL if "email" in asked else "I got a new phone and can't sign in to Outlook")
        messages += 1
        state = settled(bot_stack, widget.session_id(), messages)
    ticket_id = state["slots"]["ticket_id"]
    assert ticket_id, "no ticket was opened"
    expect(widget.bot_says(ticket_id)).to_be_visible()
    expect(widget.bot_says(ticket_id).locator(".ticket-id").first).to_have_text(ticket_id)  # never wraps


def test_2_the_counter_shows_the_limit_the_server_reads(page: Page, bot_stack: Stack) -> None:
    limit = GuardSettings.from_env().message_max_chars
    widget = chat(page, bot_stack, None)
    expect(widget.counter).to_have_text(f"0 / {limit}")
    widget.input.fill("a" * (limit + 3))
    expect(widget.counter).to_have_text(f"{limit + 3} / {limit}: 3 too many")


def test_3_another_tab_continues_the_conversation(browser: Browser, bot_stack: Stack) -> None:
    context = browser.new_context()
    first = context.new_page()
    first.goto(demo_url(bot_stack))
    widget = Widget(first)
    widget.open()
    widget.say(OUTLOOK_NEW_PHONE)
    expect(widget.replies).to_have_count(2)
    settled(bot_stack, widget.session_id(), messages=1)

    second = context.new_page()  # a new tab on the same site
    second.goto(demo_url(bot_stack))
    other = Widget(second)  # open already: it was open in the first tab
    expect(other.person_says("I changed my phone")).to_be_visible()
    expect(other.entry("I changed my phone").locator(".who")).to_have_text("You")
    expect(other.replies).to_have_text(["Yes, I have another way", "No, I'm completely locked out"])
    other.choose("Yes, I have another way")  # and the bot knows where it was
    expect(other.bot_says(NEW_PHONE.title)).to_be_visible()
    context.close()


def test_8_start_over_begins_a_new_rasa_conversation(page: Page, bot_stack: Stack) -> None:
    widget = chat(page, bot_stack, OUTLOOK_NEW_PHONE)
    expect(widget.replies).to_have_count(2)
    old = widget.session_id()
    settled(bot_stack, old, messages=1)

    widget.button("Start over").click()
    widget.button("Yes, start over").click()
    expect(widget.log.locator(".entry")).to_have_count(0)
    new = widget.session_id()
    assert new != old
    widget.say("hello")
    expect(widget.log.locator(".msg.bot")).to_have_count(1)
    fresh = settled(bot_stack, new, messages=1)
    assert fresh["slots"]["account_type"] is None  # nothing carried over from the old conversation
    assert [e["event"] for e in fresh["events"]].count("session_started") == 1

    page.reload()
    expect(widget.person_says("hello")).to_be_visible()
    expect(widget.person_says("I changed my phone")).to_have_count(0)


def test_9_a_french_message_is_answered_in_french_with_a_person_offered(page: Page, bot_stack: Stack) -> None:
    french = replies()["fr"]
    # Words the English pipeline knows ("code") and a recovery it could guess: still French.
    widget = chat(page, bot_stack, "Bonjour, je n'arrive plus à me connecter, on me demande un code")
    expect(widget.bot_says(french.text)).to_be_visible()
    expect(widget.replies).to_have_text([french.person])
    widget.choose(french.person)
    expect(widget.bot_says("email")).to_be_visible()  # the ticket form: a person will write back
