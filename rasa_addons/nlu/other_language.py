"""NLU component: a message written in another language than English is one the bot does not understand.

The English pipeline before it reads words it knows in any language ("Outlook", "code") and may
pick a recovery intent for "je ne reçois plus le code". When bot.language tells confidently that
the message is in one of the languages it has a reply for, this component sets the intent to
`nlu_fallback` (so the 'not understood' rule runs action_not_understood) and adds the language
to the parse data (`language`, an ISO 639-1 code) for that action to answer in. Entities read
before stay: an account type named in French is still an account type.

It runs after the components that read slots and may change the intent (SlotReader),
and before the FallbackClassifier (config.yml).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import LANGUAGE_KEY, detect_language, replies, warm_up

NOT_UNDERSTOOD = "nlu_fallback"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguage(GraphComponent):
    """Marks a message in another language as not understood, with its language."""

    # Nothing to configure or store: Rasa's constructor arguments are not needed.
    @classmethod
    def create(cls, *_: Any, **__: Any) -> OtherLanguage:
        return cls()

    @classmethod
    def load(cls, *_: Any, **__: Any) -> OtherLanguage:
        warm_up()  # a server loading its model: the language models load now, not in a message
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if text.startswith("/"):  # a button's payload
                continue
            language = detect_language(text)
            if language not in replies():
                continue
            chosen = {"name": NOT_UNDERSTOOD, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != NOT_UNDERSTOOD]
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
            message.set(LANGUAGE_KEY, language, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
