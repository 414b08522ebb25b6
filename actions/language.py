"""The answer to a message the bot did not understand: in the person's language when it is not English."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.language import LANGUAGE_KEY, reply_in

ASK_FOR_A_PERSON = "/request_human"  # the payload of utter_fallback's "Talk to a person" button


class ActionNotUnderstood(Action):
    """utter_fallback; for a message in another language (the NLU's `language`), its reply."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reply = reply_in(tracker.latest_message.get(LANGUAGE_KEY))
        if reply is None:
            dispatcher.utter_message(response="utter_fallback")
        else:
            dispatcher.utter_message(
                text=reply.text, buttons=[{"title": reply.person, "payload": ASK_FOR_A_PERSON}]
            )
        return []
