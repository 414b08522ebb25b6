"""Slack and Teams pass through the same message guard as REST and socket.io (rasa_addons/guards):
a pasted secret is masked before it is stored, and the person is told not to share it."""

from __future__ import annotations

import json

import pytest
from channel_standins import Cloud, user_texts
from test_slack import SlackPerson
from test_teams import TeamsPerson

from tools.stack import Stack

pytestmark = pytest.mark.servers

PASTED = "my password is Sup3r-Secret!Pw and the code 482915 fails"
STORED = "my password is [password removed] and the code [code removed] fails"
WARNING = "I removed a password and a code from your message"


def test_a_secret_pasted_in_slack_is_masked_with_a_warning(channels_stack: Stack, cloud: Cloud) -> None:
    person = SlackPerson(channels_stack, cloud)
    person.say(PASTED)
    warning, answer = person.wait_for_replies(2)
    assert WARNING in warning.body["text"]
    assert "Sup3r" not in json.dumps([warning.body, answer.body])
    assert user_texts(channels_stack, person.user) == [STORED]


def test_a_secret_pasted_in_teams_is_masked_with_a_warning(channels_stack: Stack, cloud: Cloud) -> None:
    person = TeamsPerson(channels_stack, cloud)
    assert person.say(PASTED).status_code == 200
    warning, answer = person.wait_for_replies(2)
    assert WARNING in json.dumps(warning.body)
    assert "Sup3r" not in json.dumps([warning.body, answer.body])
    assert user_texts(channels_stack, person.user) == [STORED]
