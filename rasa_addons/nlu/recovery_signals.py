"""NLU component that turns a message into the contract's slot values, as entities.

It runs after the spaCy entity extractor and the intent classifier, hands the text, the
spaCy mentions and the intent to `bot.understanding.read_signals`, and adds one entity
per value found (`account_type`, `lockout_state`, `is_admin`, `situation`). domain.yml maps each
entity to the slot of the same name.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding import Mention, read_signals

SPACY_EXTRACTOR = "SpacyEntityExtractor"
SIGNAL_ENTITIES = ("account_type", "lockout_state", "is_admin", "situation")


def _mentions(entities: list[dict[str, Any]]) -> list[Mention]:
    return [
        Mention(label=e["entity"], text=e["value"], start=e["start"], end=e["end"])
        for e in entities
        if e.get("extractor") == SPACY_EXTRACTOR and "start" in e
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class RecoverySignals(GraphComponent, EntityExtractorMixin):
    """Adds account_type / lockout_state / is_admin entities read by bot.understanding."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RecoverySignals:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES, [])
            intent = message.get(INTENT) or {}
            signals = read_signals(
                text,
                _mentions(entities),
                intent=intent.get("name"),
                intent_confidence=float(intent.get("confidence") or 0.0),
            )
            found = [
                {
                    "entity": name,
                    "value": getattr(signals, name),
                    "start": 0,
                    "end": len(text),
                    "confidence": 1.0,
                }
                for name in SIGNAL_ENTITIES
                if getattr(signals, name) is not None
            ]
            message.set(ENTITIES, entities + self.add_extractor_name(found), add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
