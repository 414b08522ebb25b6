"""NLU component: the trained slot classifiers of bot.understanding, as entities.

Trained with the model from the labelled messages of data/ (bot/understanding/training.py says
which), it adds one entity per slot value a message states (`account_type`, `lockout_state`,
`is_admin`, `situation`); domain.yml maps each entity to the slot of the same name. The
entity's confidence is the classifier's probability; the span is the whole message, since
these are sentence-level readings.

A message that states an account, a lockout or a situation is about recovery even when the
intent classifier is unsure or calls it off-topic ("my home account", "its for my job"): such
a message gets the `recovery_intent` instead, before the FallbackClassifier runs. The
thresholds are the FallbackClassifier's, set once in config.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_EXAMPLE,
    METADATA_INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.understanding import SlotModel, read_signals
from bot.understanding.training import labels_of

MODEL_FILE = "slot_model.pkl"
SIGNAL_ENTITIES = ("account_type", "lockout_state", "is_admin", "situation")
RECOVERY_SIGNALS = ("account_type", "lockout_state", "situation")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class SlotReader(GraphComponent, EntityExtractorMixin):
    """Adds account_type / lockout_state / is_admin / situation entities read by bot.understanding."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "recovery_intent": "report_problem",
            "unsure_below": 0.45,  # set to the FallbackClassifier's threshold in config.yml
            "ambiguous_within": 0.05,  # and to its ambiguity_threshold
            "off_topic_intents": ["out_of_scope"],
            "regularisation_strength": 16.0,  # C of each logistic regression
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: SlotModel | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SlotReader:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SlotReader:
        with model_storage.read_from(resource) as directory:
            model = SlotModel.load(Path(directory) / MODEL_FILE)
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for message in training_data.intent_examples:
            metadata = message.get(METADATA) or {}
            found = labels_of(
                message.get(INTENT), metadata.get(METADATA_INTENT), metadata.get(METADATA_EXAMPLE)
            )
            if found is not None:
                texts.append(message.get(TEXT))
                labels.append(found)
        self._model = SlotModel.fit(texts, labels, strength=float(self._config["regularisation_strength"]))
        with self._storage.write_to(self._resource) as directory:
            self._model.save(Path(directory) / MODEL_FILE)
        return self._resource

    def _reroute(self, message: Message, intent: dict[str, Any]) -> None:
        """Gives a message with a recovery signal the recovery intent when the classifier doubts it."""
        ranking = message.get(INTENT_RANKING_KEY) or []
        top = [float(r.get("confidence") or 0.0) for r in ranking[:2]]
        low = float(intent.get("confidence") or 0.0) < float(self._config["unsure_below"])
        close = len(top) == 2 and top[0] - top[1] < float(self._config["ambiguous_within"])
        if not (low or close or intent.get("name") in self._config["off_topic_intents"]):
            return
        chosen = {"name": self._config["recovery_intent"], "confidence": 1.0}
        ranking = [r for r in ranking if r.get("name") != chosen["name"]]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip():
                continue
            signals = read_signals(self._model, text)
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
            message.set(
                ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True
            )
            if any(getattr(signals, name) is not None for name in RECOVERY_SIGNALS):
                self._reroute(message, message.get(INTENT) or {})
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
