"""Teams, end to end: activities signed with a local key, replies posted to a local serviceUrl."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import pytest
import requests
from channel_standins import (
    APP_ID,
    NEW_PHONE,
    OUTLOOK_NEW_PHONE,
    TENANT_ID,
    Captured,
    Cloud,
    bot_framework_token,
    teams_activity,
    user_texts,
)
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.stack import Stack

pytestmark = pytest.mark.servers


class TeamsPerson:
    """One person chatting with the bot in Teams, as the Bot Connector would deliver it."""

    def __init__(self, stack: Stack, cloud: Cloud) -> None:
        self.stack = stack
        self.cloud = cloud
        self.service_url = cloud.url("/teams/")
        self.user = "29:" + secrets.token_hex(8)
        self.conversation = "a:" + secrets.token_hex(8)

    def activity(self, text: str) -> dict[str, Any]:
        return teams_activity(self.service_url, self.user, self.conversation, text)

    def post(self, activity: dict[str, Any], token: str | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return requests.post(
            f"{self.stack.url()}/webhooks/botframework/webhook", json=activity, headers=headers, timeout=30
        )

    def say(self, text: str) -> requests.Response:
        return self.post(self.activity(text), bot_framework_token(self.cloud, self.service_url))

    def wait_for_replies(self, count: int) -> list[Captured]:
        return self.cloud.wait_for(self._is_reply, count)

    def replies(self) -> list[Captured]:
        return self.cloud.requests(self._is_reply)

    def _is_reply(self, captured: Captured) -> bool:
        return captured.path.startswith(f"/teams/v3/conversations/{self.conversation}/")


@pytest.fixture
def person(channels_stack: Stack, cloud: Cloud) -> TeamsPerson:
    return TeamsPerson(channels_stack, cloud)


def test_a_conversation_gets_a_hero_card_then_markdown_steps(person: TeamsPerson, cloud: Cloud) -> None:
    assert person.say(OUTLOOK_NEW_PHONE).status_code == 200
    (question,) = person.wait_for_replies(1)
    assert question.headers["Authorization"] == "Bearer connector-token"
    assert question.body["replyToId"]
    (card,) = question.body["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.hero"
    assert "another way" in card["content"]["text"]
    yes = card["content"]["buttons"][0]
    assert (yes["type"], yes["title"], yes["displayText"]) == (
        "messageBack",
        "Yes, I have another way",
        "Yes, I have another way",
    )

    assert person.say(yes["text"]).status_code == 200  # Teams sends the button's text back
    steps = person.wait_for_replies(3)[1]
    assert steps.body["textFormat"] == "markdown"
    assert steps.body["text"].startswith(f"**{NEW_PHONE.title}**\n\n1. ")
    assert f"\n\n{len(NEW_PHONE.steps)}. " in steps.body["text"]
    source = NEW_PHONE.sources[0]
    assert f"[{source.title}]({source.url})" in steps.body["text"]
    question = person.wait_for_replies(3)[2]
    assert question.body["attachments"][0]["content"]["text"] == "Did that get you back in?"


def test_the_token_comes_from_the_tenant_and_is_reused(person: TeamsPerson, cloud: Cloud) -> None:
    person.say("hello")
    person.wait_for_replies(1)
    person.say("thank you")
    person.wait_for_replies(2)
    tokens = cloud.requests(lambda c: c.path.endswith("/oauth2/v2.0/token"))
    assert [t.path for t in tokens] == [f"/login/{TENANT_ID}/oauth2/v2.0/token"]
    assert tokens[0].body == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": "test-app-password",
        "scope": "https://api.botframework.com/.default",
    }


def _other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


REFUSED = {
    "unsigned": lambda cloud, url: None,
    "wrongly-signed": lambda cloud, url: bot_framework_token(cloud, url, key=_other_key()),
    "unknown-key": lambda cloud, url: bot_framework_token(cloud, url, kid="someone-elses-key"),
    "expired": lambda cloud, url: bot_framework_token(
        cloud, url, exp=int(time.time()) - 400, nbf=int(time.time()) - 4000
    ),
    "not-yet-valid": lambda cloud, url: bot_framework_token(cloud, url, nbf=int(time.time()) + 900),
    "wrong-audience": lambda cloud, url: bot_framework_token(cloud, url, aud=str(uuid.uuid4())),
    "wrong-issuer": lambda cloud, url: bot_framework_token(cloud, url, iss="https://sts.windows.net/evil/"),
    "other-service-url": lambda cloud, url: bot_framework_token(cloud, "https://evil.example/"),
}


@pytest.mark.parametrize("forge", REFUSED.values(), ids=REFUSED.keys())
def test_activities_not_from_the_bot_connector_are_refused(person: TeamsPerson, forge: Any) -> None:
    assert person.post(person.activity("hello"), forge(person.cloud, person.service_url)).status_code == 401
    person.say("thank you")
    person.wait_for_replies(1)
    assert len(person.replies()) == 1
    assert user_texts(person.stack, person.user) == ["thank you"]


def test_a_token_within_the_clock_skew_is_accepted(person: TeamsPerson) -> None:
    token = bot_framework_token(person.cloud, person.service_url, exp=int(time.time()) - 60)
    assert person.post(person.activity("hello"), token).status_code == 200
    person.wait_for_replies(1)


def test_a_redelivered_activity_is_answered_once(person: TeamsPerson) -> None:
    activity = person.activity("hello")
    token = bot_framework_token(person.cloud, person.service_url)
    assert person.post(activity, token).status_code == 200
    assert person.post(activity, token).status_code == 200
    person.say("thank you")
    person.wait_for_replies(2)
    assert user_texts(person.stack, person.user) == ["hello", "thank you"]


def test_a_rate_limited_reply_is_retried(person: TeamsPerson, cloud: Cloud) -> None:
    cloud.refuse_next("/teams/v3/conversations/", 1)
    person.say("hello")
    attempts = person.wait_for_replies(2)
    assert attempts[0].body == attempts[1].body


def test_teams_is_off_without_its_variables(bot_stack: Stack) -> None:
    health = requests.get(f"{bot_stack.url()}/webhooks/botframework/", timeout=10).json()
    assert health["status"] == "off"


def test_an_activity_from_a_channel_the_key_is_not_endorsed_for_is_refused(person: TeamsPerson) -> None:
    activity = {**person.activity("hello"), "channelId": "webchat"}
    token = bot_framework_token(person.cloud, person.service_url)
    assert person.post(activity, token).status_code == 401
