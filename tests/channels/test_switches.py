"""Slack and Teams are off when their variables are unset, and a half configuration says what is missing."""

from __future__ import annotations

import pytest

from rasa_addons.channels.common import OffChannel
from rasa_addons.channels.slack import EnvSlackInput
from rasa_addons.channels.teams import TeamsInput

VARIABLES = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_TENANT_ID",
]


@pytest.fixture(autouse=True)
def unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_both_are_off_without_their_variables() -> None:
    slack, teams = EnvSlackInput.from_credentials(None), TeamsInput.from_credentials(None)
    assert isinstance(slack, OffChannel) and slack.url_prefix() == "slack"
    assert isinstance(teams, OffChannel) and teams.url_prefix() == "botframework"
    assert slack.missing == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]


def test_slack_without_a_signing_secret_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    channel = EnvSlackInput.from_credentials(None)
    assert isinstance(channel, OffChannel) and channel.missing == ["SLACK_SIGNING_SECRET"]


def test_half_configured_teams_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "app")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret")
    with pytest.raises(ValueError, match="MICROSOFT_TENANT_ID"):
        TeamsInput.from_credentials(None)
