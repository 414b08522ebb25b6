"""Rasa's LogisticRegressionClassifier, made cheaper per message and to answer a message with no
words as well.

Per message, Rasa's component combines the message's features (sequence ones too, which it
does not use) into new sparse matrices and calls scikit-learn's predict_proba, whose input
checks cost more than the arithmetic: 0.68 ms per message, against 0.21 ms for this one
(median of 750 calls on the dev messages, 4 December; docs/benchmarks.md). This one
multiplies each featurizer's sentence vector by its part of the model's weights and takes
the softmax, the arithmetic of predict_proba for a multinomial model (what Rasa trains: lbfgs,
more than two intents); the probabilities are the same (tests/rasa_addons/test_intents.py). A
model of another shape, or dense features, go through Rasa's own path.

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
from functools import cached_property
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import issparse
from sklearn.utils.extmath import softmax


def _import_skops_keeping_the_log_level() -> None:
    root = logging.getLogger()
    level = root.level
    import skops.io  # noqa: F401

    root.setLevel(level)


_import_skops_keeping_the_log_level()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntents(LogisticRegressionClassifier):
    """The intents of config.yml (a logistic regression over the count vectors)."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Each message's intent ranking; no intent for a message without features."""
        for message in messages:
            probabilities = self._probabilities(message)
            if probabilities is None:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            named = zip(self.clf.classes_, probabilities, strict=True)
            ranking = sorted(
                ({"name": name, "confidence": value} for name, value in named),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            length = self.config[RANKING_LENGTH]
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages

    def _probabilities(self, message: Message) -> np.ndarray[Any, Any] | None:
        """The intents' probabilities, in the order of `clf.classes_`; None without features."""
        blocks = [
            found.features
            for found in message.features
            if found.attribute == TEXT and found.type == FEATURE_TYPE_SENTENCE
        ]
        width = sum(block.shape[-1] for block in blocks)
        if width == 0:
            return None
        if self._weights is None or width != self._weights.shape[0] or not all(map(issparse, blocks)):
            return self.clf.predict_proba(self._create_X([message]))[0]  # type: ignore[no-any-return]
        scores = self.clf.intercept_.copy()
        start = 0
        for block in blocks:
            row = block.tocoo()  # Rasa's sparse features are COO already: its entries, no matrix product
            scores += row.data @ self._weights[start + row.col]
            start += block.shape[-1]
        return softmax(scores[np.newaxis, :], copy=False)[0]  # type: ignore[no-any-return]

    @cached_property
    def _weights(self) -> np.ndarray[Any, Any] | None:
        """The weights, one column per intent, when predict_proba is the softmax of the scores
        (scikit-learn's rule for multi_class="auto"); None otherwise."""
        clf = self.clf
        multinomial = clf.multi_class == "multinomial" or (
            clf.multi_class == "auto" and len(clf.classes_) > 2 and clf.solver != "liblinear"
        )
        return np.ascontiguousarray(clf.coef_.T) if multinomial else None
