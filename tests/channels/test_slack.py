"""Slack, end to end: signed events posted to a real Rasa server, replies captured at the stand-in."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from channel_standins import (
    BOT_USER,
    NEW_PHONE,
    OUTLOOK_NEW_PHONE,
    SUPPORT_CHANNEL,
    Captured,
    Cloud,
    slack_dm_event,
    slack_signature,
    user_texts,
)

from tools.stack import Stack

pytestmark = pytest.mark.servers


class SlackPerson:
    """One person writing to the bot in a direct message, as Slack would deliver it."""

    def __init__(self, stack: Stack, cloud: Cloud) -> None:
        self.stack = stack
        self.cloud = cloud
        self.user = "U" + secrets.token_hex(5).upper()
        self.channel = "D" + secrets.token_hex(5).upper()

    def event(self, text: str) -> dict[str, Any]:
        return slack_dm_event(self.user, self.channel, text)

    def post(self, body: bytes, content_type: str = "application/json", **headers: str) -> requests.Response:
        timestamp = int(time.time())
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": slack_signature(body, timestamp),
        }
        signed.update(headers)
        return requests.post(
            f"{self.stack.url()}/webhooks/slack/webhook", data=body, headers=signed, timeout=30
        )

    def say(self, text: str) -> dict[str, Any]:
        event = self.event(text)
        assert self.post(json.dumps(event).encode()).status_code == 200
        return event

    def click(self, message: Captured, title: str) -> requests.Response:
        actions = next(b for b in message.body["blocks"] if b["type"] == "actions")
        button = next(e for e in actions["elements"] if e["text"]["text"] == title)
        payload = {
            "type": "block_actions",
            "user": {"id": self.user},
            "channel": {"id": self.channel},
            "message": {
                "ts": message.answer["ts"],
                "text": message.body["text"],
                "blocks": message.body["blocks"],
            },
            "actions": [{**button, "block_id": "choices"}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, content_type="application/x-www-form-urlencoded")

    def replies(self) -> list[Captured]:
        return self.cloud.requests(self._is_reply)

    def wait_for_replies(self, count: int) -> list[Captured]:
        return self.cloud.wait_for(self._is_reply, count)

    def _is_reply(self, captured: Captured) -> bool:
        return captured.path.endswith("chat.postMessage") and captured.body.get("channel") == self.channel


@pytest.fixture
def person(channels_stack: Stack, cloud: Cloud) -> SlackPerson:
    return SlackPerson(channels_stack, cloud)


def sections(message: Captured) -> list[str]:
    return [b["text"]["text"] for b in message.body["blocks"] if b["type"] == "section"]


def test_a_conversation_gets_block_kit_buttons_then_mrkdwn_steps(person: SlackPerson, cloud: Cloud) -> None:
    person.say(OUTLOOK_NEW_PHONE)
    (question,) = person.wait_for_replies(1)
    assert question.headers["Authorization"] == "Bearer xoxb-test-token"
    assert "another way" in sections(question)[0]
    actions = [b for b in question.body["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions[0]["elements"]] == [
        "Yes, I have another way",
        "No, I'm completely locked out",
    ]

    assert person.click(question, "Yes, I have another way").status_code == 200
    update = cloud.wait_for(
        lambda c: c.path.endswith("chat.update") and c.body.get("channel") == person.channel
    )
    assert not [b for b in update[0].body["blocks"] if b["type"] == "actions"]
    assert "You chose: *Yes, I have another way*" in json.dumps(update[0].body["blocks"])

    steps = person.wait_for_replies(3)[1]
    title_and_steps = sections(steps)[0]
    assert title_and_steps.startswith(f"*{NEW_PHONE.title}*\n1. ")
    assert f"\n{len(NEW_PHONE.steps)}. " in title_and_steps
    source = NEW_PHONE.sources[0]
    assert any(f"<{source.url}|{source.title}>" in s for s in sections(steps))
    assert "Did that get you back in?" in sections(person.wait_for_replies(3)[2])[0]


def test_a_retried_event_is_answered_once(person: SlackPerson) -> None:
    event = person.say("hello")
    body = json.dumps(event).encode()
    retry = person.post(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    person.wait_for_replies(1)
    person.say("thank you")
    person.wait_for_replies(2)
    assert len(person.replies()) == 2
    assert user_texts(person.stack, person.user) == ["hello", "thank you"]


def test_a_double_click_on_a_button_is_answered_once(person: SlackPerson, cloud: Cloud) -> None:
    person.say(OUTLOOK_NEW_PHONE)
    question = person.wait_for_replies(1)[0]
    assert person.click(question, "Yes, I have another way").status_code == 200
    assert person.click(question, "Yes, I have another way").status_code == 200
    person.wait_for_replies(3)
    person.say("thanks")
    person.wait_for_replies(4)
    assert user_texts(person.stack, person.user) == [
        OUTLOOK_NEW_PHONE,
        '/inform{"lockout_state":"has_other_method"}',
        "thanks",
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""},
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 6 * 60)},
    ],
    ids=["unsigned", "wrongly-signed", "stale"],
)
def test_requests_not_signed_by_slack_are_refused(person: SlackPerson, headers: dict[str, str]) -> None:
    body = json.dumps(person.event("hello")).encode()
    if headers.get("X-Slack-Request-Timestamp"):
        stale = int(headers["X-Slack-Request-Timestamp"])  # correctly signed, but 6 minutes old
        headers = {**headers, "X-Slack-Signature": slack_signature(body, stale)}
    assert person.post(body, **headers).status_code == 401
    person.say("thank you")
    person.wait_for_replies(1)
    assert user_texts(person.stack, person.user) == ["thank you"]


def test_the_url_verification_challenge_is_answered(person: SlackPerson) -> None:
    answer = person.post(json.dumps({"type": "url_verification", "challenge": "c-123"}).encode())
    assert answer.json() == {"challenge": "c-123"}


def test_a_rate_limited_reply_is_sent_after_retry_after(person: SlackPerson, cloud: Cloud) -> None:
    cloud.refuse_next("chat.postMessage", 1)
    person.say("hello")
    person.wait_for_replies(2)  # the refused attempt and the retry
    attempts = person.replies()
    assert attempts[0].body == attempts[1].body
    assert len(attempts) == 2


def test_slack_is_off_without_its_variables(bot_stack: Stack) -> None:
    health = requests.get(f"{bot_stack.url()}/webhooks/slack/", timeout=10).json()
    assert health["status"] == "off"
    assert (
        requests.post(f"{bot_stack.url()}/webhooks/slack/webhook", data=b"{}", timeout=10).status_code == 404
    )


def test_a_mention_that_also_arrives_as_a_channel_message_is_answered_once(person: SlackPerson) -> None:
    mention = person.event(f"<@{BOT_USER}> hello")
    mention["event"].update(type="app_mention", channel=SUPPORT_CHANNEL)
    mention["event"].pop("channel_type")
    message = json.loads(json.dumps(mention))
    message["event_id"] = "Ev" + secrets.token_hex(6).upper()
    message["event"].update(type="message", channel_type="channel")
    person.channel = SUPPORT_CHANNEL
    before = len(person.replies())
    assert person.post(json.dumps(mention).encode()).status_code == 200
    assert person.post(json.dumps(message).encode()).status_code == 200
    person.wait_for_replies(before + 1)
    assert user_texts(person.stack, person.user) == ["hello"]
