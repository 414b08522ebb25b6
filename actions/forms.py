"""Forms whose validation asks the next question itself.

Rasa's form asks for a slot with `utter_ask_<slot>` only when the domain holds that response;
with none it asks nothing, leaving the question to a custom action (rasa/core/actions/forms.py,
`_ask_for_slot`). The questions are replies (data/<feature>/replies.yml, not domain responses
no story names), so the validation, which runs on every turn of the form anyway, asks them:
no second call to the action server per question.
"""

from __future__ import annotations

from abc import abstractmethod

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

REQUESTED_SLOT = "requested_slot"


def requested_in(events: list[EventType]) -> tuple[bool, str | None]:
    """Whether the events set the slot the form asks next, and to which (None: the form ends)."""
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            return True, event.get("value")
    return False, None


class AskingFormValidation(FormValidationAction):
    """Validates, names the next slot (the first required one still empty) and asks for it
    with `utter_ask_<slot>`, after any message the validation sent; when none is left, does
    the form's work (`finish`) in the same call."""

    @abstractmethod  # abstract, so that rasa_sdk does not register this base as an action
    def name(self) -> str:
        """validate_<form>."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = list(await super().run(dispatcher, tracker, domain))
        named, asked = requested_in(events)
        if asked:
            self.ask(asked, dispatcher, tracker)
        elif named:  # the form ends with this message
            events += await self.finish(dispatcher, tracker)
        return events

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """What the form does, in the same call, once nothing is missing (its events)."""
        return []

    def ask(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Asks for `slot`; a form whose question depends on the conversation overrides this."""
        dispatcher.utter_message(response=f"utter_ask_{slot}")

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = (slot for slot in required if tracker.slots.get(slot) is None)
        return SlotSet(REQUESTED_SLOT, next(missing, None))
