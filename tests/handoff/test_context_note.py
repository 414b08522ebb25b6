"""The note a handoff puts on the ticket: the case, the path and how it went, the conversation."""

from __future__ import annotations

from bot.handoff.context import context_note

EVENTS = [
    {"event": "user", "text": "lost my phone, work account, I'm the only admin"},
    {
        "event": "bot",
        "text": "Are you the only administrator?",
        "data": {"buttons": [{"title": "Yes, I'm the only admin", "payload": '/inform{"is_admin":true}'}]},
    },
    {"event": "user", "text": '/inform{"is_admin":true}'},
    {"event": "action", "name": "action_steps_did_not_work"},
    {"event": "user", "text": "my password is Hunter2!x by the way"},
    {"event": "bot", "text": "Noted, Hunter2!x: I will not ask for it again"},  # a bot line repeating it
]
SLOTS = {
    "account_type": "work_school",
    "lockout_state": "locked_out",
    "is_admin": True,
    "situation": "authenticator_lost",
    "recovery_path": "work_school.admin_locked_out",
}


def test_the_note_has_the_case_the_path_the_channel_and_the_clicks_as_titles() -> None:
    note = context_note(EVENTS, SLOTS, "slack", live=True, hours="every day")
    assert "slack channel" in note and "a live chat" in note
    assert "Account: work or school account" in note and "Only admin of the organisation: yes" in note
    assert "Situation: authenticator_lost" in note
    assert "Path tried: work_school.admin_locked_out; outcome: self-service cannot work" in note
    assert "Person: Yes, I'm the only admin" in note  # the click, as the person saw it
    assert "Hunter2" not in note


def test_a_failed_path_and_an_email_answer() -> None:
    slots = {**SLOTS, "is_admin": False}
    note = context_note(EVENTS, slots, "socketio", live=False, hours="Monday to Friday, 09:00-17:00")
    assert "outcome: the person said the steps did not work" in note
    assert "an answer by email (live chat hours: Monday to Friday, 09:00-17:00)" in note
