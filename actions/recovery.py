"""Recovery conversation actions: the form's questions and serving playbook steps.

One call to the action server per message (docs/benchmarks.md): the form's validation also
serves the steps when the last question is answered, so no second action runs after it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import AskingFormValidation
from actions.handoff import ActionRecordFeedback
from bot.metrics import PATHS_SERVED
from bot.playbook import Facts, PlaybookEntry, default_playbook
from bot.rendering import entry_markdown
from bot.understanding.answers import read_short_answer


def facts_of(tracker: Tracker) -> Facts:
    """The playbook facts currently held in slots."""
    return {name: tracker.get_slot(name) for name in default_playbook().fact_values}


def serve_matching(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Sends the steps of the playbook entry that fits the known facts (the fallback if none)."""
    entry = default_playbook().match(facts_of(tracker))
    if entry is None:
        dispatcher.utter_message(response="utter_fallback")
        return []
    return serve(dispatcher, entry)


def serve(dispatcher: CollectingDispatcher, entry: PlaybookEntry) -> list[EventType]:
    """Sends the entry's steps; where self-service may not be enough, says a person can help."""
    dispatcher.utter_message(text=entry_markdown(entry))
    PATHS_SERVED.labels(entry.id).inc()
    if entry.offer_ticket:
        dispatcher.utter_message(response="utter_ticket_possible")
    return [SlotSet("recovery_path", entry.id)]


class ValidateRecoveryForm(AskingFormValidation):
    """Asks only the questions the playbook needs, reads typed short answers, and serves the
    steps in the same call once nothing is missing."""

    def name(self) -> str:
        return "validate_recovery_form"

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        return serve_matching(dispatcher, tracker)

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType:
        """The playbook's next question; None ends the form."""
        return SlotSet("requested_slot", default_playbook().next_question(facts_of(tracker)))

    def _short_answer(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot or tracker.get_slot(slot) is not None:
            return {}
        value = read_short_answer(slot, tracker.latest_message.get("text") or "")
        return {} if value is None else {slot: value}

    async def extract_account_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._short_answer("account_type", tracker)

    async def extract_lockout_state(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._short_answer("lockout_state", tracker)

    async def extract_is_admin(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._short_answer("is_admin", tracker)


class ActionExplainQuestion(Action):
    """Explains the open question in plain words; the form then asks it again."""

    def name(self) -> str:
        return "action_explain_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asked = tracker.get_slot("requested_slot")
        if asked not in default_playbook().askable:
            dispatcher.utter_message(response="utter_fallback")
        elif tracker.get_slot(asked) is None:  # else the message answered it after all
            dispatcher.utter_message(response=f"utter_explain_{asked}")
        return []


class ActionStepsDidNotWork(Action):
    """Records the "no" to the steps (as action_record_feedback does a "yes"), then offers the
    entry's fallback path, or a person when there is none: one call for the turn."""

    def name(self) -> str:
        return "action_steps_did_not_work"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await ActionRecordFeedback().record(dispatcher, tracker)
        playbook = default_playbook()
        served = playbook.find(tracker.get_slot("recovery_path") or "")
        if served and served.if_this_fails:
            dispatcher.utter_message(response="utter_try_next_path")
            return [
                *serve(dispatcher, playbook.get(served.if_this_fails)),
                FollowupAction("utter_ask_steps_worked"),
            ]
        dispatcher.utter_message(response="utter_offer_ticket")
        return []
