"""NLU component that turns a message into the contract's slot values, as entities.

It runs after the spaCy entity extractor and the intent classifier, hands the text, the
spaCy mentions and the intent to `bot.understanding.read_signals`, and adds one entity
per value found (`account_type`, `lockout_state`, `is_admin`, `situation`). domain.yml maps each
entity to the slot of the same name.

A message that names the account, the lockout or a situation is about recovery even when the
intent classifier is unsure or calls it off-topic ("my home account", "its for my job"): such
a message gets the `recovery_intent` instead, before the FallbackClassifier runs.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding import Mention, read_signals

SPACY_EXTRACTOR = "SpacyEntityExtractor"
SIGNAL_ENTITIES = ("account_type", "lockout_state", "is_admin", "situation")
RECOVERY_SIGNALS = ("account_type", "lockout_state", "situation")


def _mentions(entities: list[dict[str, Any]]) -> list[Mention]:
    return [
        Mention(label=e["entity"], text=e["value"], start=e["start"], end=e["end"])
        for e in entities
        if e.get("extractor") == SPACY_EXTRACTOR and "start" in e
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class RecoverySignals(GraphComponent, EntityExtractorMixin):
    """Adds account_type / lockout_state / is_admin entities read by bot.understanding."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "recovery_intent": "report_problem",
            "unsure_below": 0.45,  # the FallbackClassifier's threshold
            "ambiguous_within": 0.05,  # and its ambiguity_threshold
            "off_topic_intents": ["out_of_scope"],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    def _reroute(self, message: Message, intent: dict[str, Any]) -> None:
        """Gives a message with a recovery signal the recovery intent when DIET doubts it."""
        ranking = message.get(INTENT_RANKING_KEY) or []
        top = [float(r.get("confidence") or 0.0) for r in ranking[:2]]
        low = float(intent.get("confidence") or 0.0) < float(self._config["unsure_below"])
        close = len(top) == 2 and top[0] - top[1] < float(self._config["ambiguous_within"])
        unsure = low or close
        if not (unsure or intent.get("name") in self._config["off_topic_intents"]):
            return
        chosen = {"name": self._config["recovery_intent"], "confidence": 1.0}
        ranking = [r for r in ranking if r.get("name") != chosen["name"]]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RecoverySignals:
        return cls(config)

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
            if any(getattr(signals, name) is not None for name in RECOVERY_SIGNALS):
                self._reroute(message, intent)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
