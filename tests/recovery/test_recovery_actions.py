"""The recovery actions, run directly on rasa_sdk trackers (no server needed)."""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.recovery import (
    ActionExplainQuestion,
    ActionStepsDidNotWork,
    ValidateRecoveryForm,
)
from bot.playbook import default_playbook
from bot.replies import load_replies
from bot.settings import PROJECT_ROOT

DOMAIN: dict[str, Any] = {
    "forms": {"recovery_form": {"required_slots": ["account_type", "lockout_state", "is_admin"]}}
}


def tracker(text: str = "", **slots: Any) -> Tracker:
    return Tracker(
        sender_id="test",
        slots={"account_type": None, "lockout_state": None, "is_admin": None, "situation": None, **slots},
        latest_message={"text": text, "intent": {"name": "inform"}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "recovery_form"},
        latest_action_name="action_listen",
    )


def test_form_asks_whether_the_only_admin_for_locked_out_work_accounts() -> None:
    form = ValidateRecoveryForm()
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        form.run(dispatcher, tracker(account_type="work_school", lockout_state="locked_out"), DOMAIN)
    )
    assert SlotSet("requested_slot", "is_admin") in events


def test_form_is_done_without_the_admin_question_for_personal_accounts() -> None:
    form = ValidateRecoveryForm()
    events = asyncio.run(
        form.run(CollectingDispatcher(), tracker(account_type="personal", lockout_state="locked_out"), DOMAIN)
    )
    assert SlotSet("requested_slot", None) in events


def test_form_reads_a_typed_short_answer_to_its_open_question() -> None:
    form = ValidateRecoveryForm()
    events = asyncio.run(
        form.run(CollectingDispatcher(), tracker("the work one", requested_slot="account_type"), DOMAIN)
    )
    assert SlotSet("account_type", "work_school") in events
    assert SlotSet("requested_slot", "lockout_state") in events


def finish_form(dispatcher: CollectingDispatcher, **slots: Any) -> list[dict[str, Any]]:
    """The form's validation when the message answered its last question."""
    return list(asyncio.run(ValidateRecoveryForm().run(dispatcher, tracker(**slots), DOMAIN)))


def test_the_last_answer_serves_the_steps_and_records_the_path_in_the_same_call() -> None:
    dispatcher = CollectingDispatcher()
    events = finish_form(dispatcher, account_type="personal", lockout_state="has_other_method")
    assert events[-2:] == [
        SlotSet("requested_slot", None),
        SlotSet("recovery_path", "personal.has_other_method"),
    ]
    text = dispatcher.messages[0]["text"]
    assert "Add a new way to sign in or verify" in text
    assert "1. " in text and "https://support.microsoft.com/" in text


def test_when_steps_fail_the_next_path_is_offered() -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionStepsDidNotWork().run(
            dispatcher,
            tracker(
                account_type="personal",
                lockout_state="has_other_method",
                recovery_path="personal.has_other_method",
            ),
            {},
        )
    )
    assert SlotSet("recovery_path", "personal.locked_out") in events


def test_a_form_still_asking_serves_nothing() -> None:
    dispatcher = CollectingDispatcher()
    events = finish_form(dispatcher, account_type="work_school", lockout_state="locked_out")
    assert [m.get("response") for m in dispatcher.messages] == ["utter_ask_is_admin"]  # the question only
    assert not any(e.get("name") == "recovery_path" for e in events)


def test_an_entry_that_offers_a_ticket_says_a_person_can_help() -> None:
    dispatcher = CollectingDispatcher()
    finish_form(dispatcher, account_type="work_school", lockout_state="locked_out", is_admin=False)
    assert [m["response"] for m in dispatcher.messages[1:]] == ["utter_ticket_possible"]


def test_an_entry_without_a_ticket_offer_sends_only_its_steps() -> None:
    dispatcher = CollectingDispatcher()
    finish_form(dispatcher, account_type="personal", situation="waiting_period")
    assert len(dispatcher.messages) == 1


def test_the_open_question_is_explained() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionExplainQuestion().run(dispatcher, tracker(requested_slot="lockout_state"), {}))
    assert dispatcher.messages[0]["response"] == "utter_explain_lockout_state"


def test_the_situation_slot_takes_every_playbook_situation() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["slots"]["situation"]["values"]) == default_playbook().fact_values["situation"]
    replies = load_replies()
    for slot in default_playbook().askable:
        assert f"utter_explain_{slot}" in replies and f"utter_ask_{slot}" in replies
