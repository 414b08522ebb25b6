"""Helpdesk webhooks are verified each helpdesk's way and read into agent events; support hours."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from helpdesk_standins import SECRETS, signed_headers

from bot.handoff.hours import SupportHours
from bot.handoff.models import CLOSED, HANDBACK, REPLY
from bot.handoff.webhooks import NotVerified, UnreadablePayload, agent_events, verify

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
ZENDESK_REPLY = {
    "ticket_id": "41",
    "status": "open",
    "comment": {
        "id": "900",
        "body": "Hi, I'm Sam. Can you see the sign-in page?",
        "public": True,
        "author": "Sam",
        "created_at": "2026-12-03T09:58:00Z",
    },
}


@pytest.mark.parametrize("kind", ["zendesk", "jira", "servicenow"])
def test_each_helpdesk_is_verified_its_way(kind: str) -> None:
    body = b'{"any": "body"}'
    verify(kind, SECRETS[kind], signed_headers(kind, body), body)
    for headers in (signed_headers(kind, body, secret="a guess"), {}):
        with pytest.raises(NotVerified):
            verify(kind, SECRETS[kind], headers, body)


@pytest.mark.parametrize("kind", ["zendesk", "jira"])
def test_a_body_changed_on_the_way_is_refused(kind: str) -> None:
    body = b'{"any": "body"}'
    with pytest.raises(NotVerified):
        verify(kind, SECRETS[kind], signed_headers(kind, body), body + b" ")


def test_without_a_secret_every_webhook_is_refused() -> None:
    body = b"{}"
    with pytest.raises(NotVerified):
        verify("zendesk", "", signed_headers("zendesk", body), body)


def test_a_public_zendesk_reply_becomes_one_redacted_event() -> None:
    payload = {**ZENDESK_REPLY, "comment": {**ZENDESK_REPLY["comment"], "body": "Your code is 123456"}}
    (event,) = agent_events("zendesk", json.dumps(payload).encode(), "#bot", NOW)
    assert (event.kind, event.reference, event.author) == (REPLY, "41", "Sam")
    assert "123456" not in event.body
    assert event.written_at == datetime(2026, 12, 3, 9, 58, tzinfo=timezone.utc)


def test_internal_notes_and_the_bots_own_notes_never_reach_the_person() -> None:
    note = {**ZENDESK_REPLY, "comment": {**ZENDESK_REPLY["comment"], "public": False}}
    assert agent_events("zendesk", json.dumps(note).encode(), "#bot", NOW) == []
    own = {
        **ZENDESK_REPLY,
        "comment": {**ZENDESK_REPLY["comment"], "body": "[mfa-recovery-bot] The person wrote"},
    }
    assert agent_events("zendesk", json.dumps(own).encode(), "#bot", NOW) == []
    jira_internal = {
        "webhookEvent": "comment_created",
        "issue": {"key": "SD-1"},
        "comment": {
            "id": "1",
            "body": "internal",
            "jsdPublic": False,
            "created": "2026-12-03T09:00:00.000+0000",
        },
    }
    assert agent_events("jira", json.dumps(jira_internal).encode(), "#bot", NOW) == []


def test_the_resume_command_hands_back_after_the_text() -> None:
    payload = {**ZENDESK_REPLY, "comment": {**ZENDESK_REPLY["comment"], "body": "You're all set. #BOT"}}
    events = agent_events("zendesk", json.dumps(payload).encode(), "#bot", NOW)
    assert [(e.kind, e.body) for e in events] == [(REPLY, "You're all set."), (HANDBACK, "")]
    hashtag = {**ZENDESK_REPLY, "comment": {**ZENDESK_REPLY["comment"], "body": "see #botany"}}
    assert [e.kind for e in agent_events("zendesk", json.dumps(hashtag).encode(), "#bot", NOW)] == [REPLY]


def test_closing_is_read_from_each_helpdesk() -> None:
    zendesk = {"ticket_id": "41", "status": "solved"}
    jira = {
        "timestamp": 1_796_292_000_000,
        "webhookEvent": "jira:issue_updated",
        "issue": {"key": "SD-1", "fields": {"status": {"statusCategory": {"key": "done"}}}},
        "changelog": {"id": "77", "items": [{"field": "status"}]},
    }
    servicenow = {"number": "INC0000001", "state": "6"}
    for kind, payload in (("zendesk", zendesk), ("jira", jira), ("servicenow", servicenow)):
        (event,) = agent_events(kind, json.dumps(payload).encode(), "#bot", NOW)
        assert event.kind == CLOSED


def test_a_body_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(UnreadablePayload):
        agent_events("zendesk", b"not json", "#bot", NOW)
    with pytest.raises(UnreadablePayload):
        agent_events("jira", b'{"webhookEvent": "comment_created"}', "#bot", NOW)
    with pytest.raises(UnreadablePayload):  # a trigger that sends the comment as plain text
        agent_events("zendesk", b'{"ticket_id": "41", "comment": "hello"}', "#bot", NOW)


def test_support_hours_in_their_own_time_zone() -> None:
    hours = SupportHours.parse("Mon-Fri 09:00-17:00", "America/New_York")
    thursday_9am_new_york = datetime(2026, 12, 3, 14, 0, tzinfo=timezone.utc)
    assert hours.is_open(thursday_9am_new_york)
    assert not hours.is_open(datetime(2026, 12, 3, 13, 59, tzinfo=timezone.utc))
    friday_evening = datetime(2026, 12, 4, 23, 0, tzinfo=timezone.utc)
    opening = hours.next_opening(friday_evening)
    assert opening is not None and opening.strftime("%A %H:%M") == "Monday 09:00"
    assert hours.describe() == "Monday to Friday, 09:00-17:00 (America/New_York time)"


def test_always_never_and_nonsense_hours() -> None:
    assert SupportHours.parse("always", "UTC").is_open(NOW)
    never = SupportHours.parse("never", "UTC")
    assert not never.is_open(NOW) and never.next_opening(NOW) is None
    assert SupportHours.parse("Sat-Sun 10:00-14:00", "UTC").days == frozenset({5, 6})
    with pytest.raises(ValueError, match="SUPPORT_HOURS"):
        SupportHours.parse("weekdays 9 to 5", "UTC")
