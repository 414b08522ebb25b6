"""Rasa's LogisticRegressionClassifier, made to answer a message with no words as well.

A message of blanks (or of characters the count vectorizers drop) has no features, and
scikit-learn refuses a row with no columns: Rasa's component raised and the person got the
apology for an internal failure. Such a message now gets no intent with confidence 0, so the
FallbackClassifier marks it not understood, as it did with DIET
(tests/security/test_hostile_input.py sends them).

skops, which Rasa's classifier loads its model with, is imported here with the root logger's
level kept: importing it lists every scikit-learn estimator by importing all of scikit-learn,
and one module on the way (numpy.distutils, through setuptools' distutils log) sets the root
logger to WARNING, which silenced every INFO line after the model had loaded (tests/operations
checks the JSON log lines). This module is imported before the model loads, so Rasa's own
import of skops finds it done.
"""

from __future__ import annotations

import logging

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


def _import_skops_keeping_the_log_level() -> None:
    root = logging.getLogger()
    level = root.level
    import skops.io  # noqa: F401

    root.setLevel(level)


_import_skops_keeping_the_log_level()


def _has_features(message: Message) -> bool:
    sparse, dense = message.get_sparse_features(TEXT)[1], message.get_dense_features(TEXT)[1]
    return any(found is not None and found.features.shape[-1] > 0 for found in (sparse, dense))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntents(LogisticRegressionClassifier):
    """The intents of config.yml (a logistic regression over the count vectors)."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Each message's intent ranking; no intent for a message without features."""
        readable = [message for message in messages if _has_features(message)]
        if readable:
            super().process(readable)
        read = {id(message) for message in readable}
        for message in messages:
            if id(message) not in read:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages
