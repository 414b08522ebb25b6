"""The support team's side of a running bot: dashboard in Chromium, /metrics, health, JSON logs.

One stack (a Rasa server and an action server, SQLite stores) has real conversations over
REST and in the web widget; then staff look at the dashboard and Prometheus scrapes both
servers.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from playwright.sync_api import Browser, expect, sync_playwright
from prometheus_client.parser import text_string_to_metric_families

from bot.settings import PROJECT_ROOT
from rasa_addons.channels.operations import DASHBOARD_BUNDLE
from tests.browser.widget_page import Widget
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings, wait_until

pytestmark = pytest.mark.servers

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
STAFF_USER = "staff"
STAFF_PASSWORD = secrets.token_urlsafe(16)
STAFF_TOKEN = secrets.token_urlsafe(24)
MESSAGES_PER_MINUTE = 12
ANSI = re.compile(r"\x1b\[[0-9;]*m")
REST_GREEN, WIDGET_BLUE, WORKED_GREEN, P50_TEAL = (22, 163, 74), (37, 99, 235), (22, 163, 74), (13, 148, 136)
NOT_WORKED_RED = (220, 38, 38)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir = tmp_path_factory.mktemp("ops")
    env = {
        **ONE_ADDRESS_LOAD_ENV,
        "STAFF_DASHBOARD_USER": STAFF_USER,
        "STAFF_DASHBOARD_PASSWORD": STAFF_PASSWORD,
        "STAFF_DASHBOARD_TOKEN": STAFF_TOKEN,
        "REPORT_IDLE_MINUTES": "0",  # a conversation without an outcome counts as left at once
        "RATE_LIMIT_PER_SENDER": str(MESSAGES_PER_MINUTE),
        "LOG_FORMAT": "json",
    }
    with Stack(isolated_settings(var_dir), extra_env=env, log_dir=var_dir / "logs").running() as running:
        yield running


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


@pytest.fixture(scope="module")
def conversations(stack: Stack) -> dict[str, str]:
    """Real conversations over REST; returns their senders by what happened."""
    senders = {
        name: uuid.uuid4().hex for name in ("worked", "worked_second", "ticket", "left", "lost", "flood")
    }
    stack.say(senders["worked"], "my hotmail wants a code but I can still get one by email")
    assert "glad you're back in" in texts(stack.say(senders["worked"], "yes"))
    stack.say(senders["worked_second"], "my hotmail wants a code but I can still get one by email")
    stack.say(senders["worked_second"], "no, that didn't work")
    assert "glad you're back in" in texts(stack.say(senders["worked_second"], "yes"))
    assert "email address" in texts(stack.say(senders["ticket"], "I want to talk to a person"))
    stack.say(senders["ticket"], f"my email is {senders['ticket']}@example.com")
    stack.say(senders["ticket"], "new phone and I cannot get the code for my work account any more")
    assert stack.tracker(senders["ticket"])["slots"]["ticket_id"]
    stack.say(senders["left"], "lost my phone with the authenticator")
    stack.say(senders["lost"], "zorblax quimble frot")
    for _ in range(MESSAGES_PER_MINUTE + 1):
        answer = texts(stack.say(senders["flood"], "hello"))
    assert "slow down" in answer.lower() or "wait" in answer.lower()
    return senders


def staff_get(stack: Stack, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(f"{stack.url()}/webhooks/staff/{path}", timeout=60, **kwargs)


def test_the_dashboard_is_for_staff_only(stack: Stack) -> None:
    assert staff_get(stack, "").status_code == 401
    assert staff_get(stack, "report.json", auth=(STAFF_USER, "wrong")).status_code == 401
    assert staff_get(stack, "report.json", headers={"Authorization": "Bearer nope"}).status_code == 401
    page = staff_get(stack, "", auth=(STAFF_USER, STAFF_PASSWORD))
    assert page.status_code == 200 and "staff dashboard" in page.text
    token = staff_get(stack, "report.json", headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert token.status_code == 200 and "totals" in token.json()


def test_report_json_has_the_conversations(stack: Stack, conversations: dict[str, str]) -> None:
    report = staff_get(stack, "report.json?since=1d", auth=(STAFF_USER, STAFF_PASSWORD)).json()
    totals = report["totals"]
    assert totals["conversations"] >= len(conversations)
    assert totals["contained"] >= 2 and totals["tickets"] >= 1
    assert totals["latency_p50_ms"] > 0
    paths = {row["path"]: row for row in report["paths"]}
    assert paths["personal.has_other_method"]["served"] >= 2
    assert paths["personal.has_other_method"]["did_not_work"] >= 1
    assert any(row["text"] == "zorblax quimble frot" for row in report["not_understood"])
    assert report["dropoffs"], "the conversation left at the first question is a drop-off"
    # "Did that get you back in?": yes (worked), no then yes on the next path (worked_second)
    feedback = report["feedback"]
    assert feedback["helped"] >= 2 and feedback["not_helped"] >= 1
    back_in = {
        row["path"]: row
        for row in feedback["rows"]
        if row["question"] == "Did that get you back in?" and row["channel"] == "rest"
    }
    assert back_in["personal.has_other_method"]["helped"] >= 1
    assert back_in["personal.has_other_method"]["not_helped"] >= 1
    assert report["handoffs"]["started"] == 0  # over REST the team answers by email only


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the dashboard test drives Debian's Chromium")
    if not DASHBOARD_BUNDLE.exists():
        pytest.fail("web/build/dashboard.js is missing: run `make widget` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def _pixels_near(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    return sum(
        1
        for pixel in image.convert("RGB").getdata()
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
    )


def test_the_dashboard_draws_the_figures_in_chromium(
    stack: Stack, conversations: dict[str, str], browser: Browser
) -> None:
    widget_page = browser.new_page()
    widget_page.set_default_timeout(60_000)
    widget_page.goto(f"{stack.url()}/webhooks/widget/demo")
    widget = Widget(widget_page)
    widget.open()
    widget.say("lost my phone with the authenticator")
    expect(widget.log.locator(".msg.bot").last).to_be_visible()
    sender = widget.session_id()
    assert wait_until(lambda: len(stack.tracker(sender)["events"]) > 3, timeout=60)
    widget_page.close()

    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        http_credentials={"username": STAFF_USER, "password": STAFF_PASSWORD},
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{stack.url()}/webhooks/staff/")
    page.wait_for_selector("body[data-ready='true']")
    expect(page.get_by_role("status")).to_contain_text("conversations in this period")
    expect(page.locator("#kpis")).to_contain_text("Containment")
    expect(page.locator("#feedback")).to_contain_text("said it helped")
    expect(page.locator("#feedback-table")).to_contain_text("Did that get you back in?")
    expect(page.locator("#not-understood")).to_contain_text("zorblax quimble frot")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot)

    def chart(canvas_id: str) -> Image.Image:
        box = page.locator(f"#{canvas_id}").bounding_box()
        assert box, f"{canvas_id} is not shown"
        return image.crop(
            (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
        )

    conversations_chart = chart("chart-conversations")
    assert _pixels_near(conversations_chart, REST_GREEN) > 300, "no REST bar in the conversations chart"
    assert _pixels_near(conversations_chart, WIDGET_BLUE) > 100, "no widget bar in the conversations chart"
    assert _pixels_near(chart("chart-paths"), WORKED_GREEN) > 200, "no 'worked' bar in the paths chart"
    feedback_chart = chart("chart-feedback")
    assert _pixels_near(feedback_chart, WORKED_GREEN) > 200, "no 'helped' bar in the feedback chart"
    assert _pixels_near(feedback_chart, NOT_WORKED_RED) > 100, "no 'did not help' bar in the feedback chart"
    assert _pixels_near(chart("chart-latency"), P50_TEAL) > 20, "no p50 point in the latency chart"
    context.close()


def metrics_of(url: str, **kwargs: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = requests.get(url, timeout=30, **kwargs)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def test_prometheus_scrapes_both_servers(stack: Stack, conversations: dict[str, str]) -> None:
    rasa = metrics_of(f"{stack.url()}/metrics")
    assert rasa[("recovery_bot_messages_total", (("channel", "rest"),))] >= 20
    assert rasa[("recovery_bot_answer_seconds_count", (("channel", "rest"),))] >= 20
    assert rasa[("recovery_bot_answer_seconds_bucket", (("channel", "rest"), ("le", "+Inf")))] >= 20
    assert rasa[("recovery_bot_rate_limit_refusals_total", (("channel", "rest"),))] >= 1
    actions = metrics_of(f"http://127.0.0.1:{stack.settings.action_port}/metrics")
    assert actions[("recovery_bot_paths_served_total", (("path", "personal.has_other_method"),))] >= 2
    assert actions[("recovery_bot_paths_served_total", (("path", "personal.locked_out"),))] >= 1
    assert actions[("recovery_bot_tickets_opened_total", (("channel", "rest"),))] == 1
    assert actions[("recovery_bot_outbox_up", ())] == 1
    assert actions[("recovery_bot_outbox_pending", ())] == 0  # no helpdesk: tickets stay local


def test_liveness_and_readiness(stack: Stack) -> None:
    assert requests.get(f"{stack.url()}/health/live", timeout=10).json() == {"status": "alive"}
    ready = requests.get(f"{stack.url()}/health/ready", timeout=10)
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["model"] == "loaded"
    assert checks["tracker_store"] == "ok (sqlite)"
    assert checks["lock_store"].startswith("ok")


def test_json_logs_carry_the_conversation_and_no_personal_data(
    stack: Stack, conversations: dict[str, str]
) -> None:
    log = (stack.log_dir or stack.settings.var_dir / "logs") / f"rasa-{stack.settings.rasa_port}.log"
    records = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        line = ANSI.sub("", line)  # Rasa prints coloured lines to the same stream
        if line.startswith("{"):
            records.append(json.loads(line))
    refusals = [r for r in records if r["message"].startswith("rate limit: refused")]
    assert refusals and {r.get("conversation_id") for r in refusals} == {conversations["flood"]}
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any("channel is off" in r["message"] for r in records)  # other channels' start-up lines too
    everything = log.read_text(encoding="utf-8", errors="replace")
    assert f"{conversations['ticket']}@example.com" not in everything
    action_log = log.with_name(f"actions-{stack.settings.action_port}.log").read_text(encoding="utf-8")
    action_records = [json.loads(line) for line in action_log.splitlines() if line.startswith("{")]
    assert any("action server on" in r["message"] for r in action_records)
    # the form's lines during the action calls of a conversation carry its id
    assert set(conversations.values()) & {r.get("conversation_id") for r in action_records}
    assert f"{conversations['ticket']}@example.com" not in action_log
