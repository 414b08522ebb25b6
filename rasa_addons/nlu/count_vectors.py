"""Rasa's CountVectorsFeaturizer, giving only the sentence vector, counted without scikit-learn's
per-call overhead.

Rasa's component gives each message two feature matrices: one row per token (sequence
features, for DIET and TED) and one row for the whole message (sentence features). Nothing in
config.yml reads the sequence features: the intent classifier (rasa_addons/nlu/intents.py,
like Rasa's LogisticRegressionClassifier it extends) reads the sentence vector only. So this
one skips them, and counts the sentence vector itself: the n-grams the fitted vectorizer's own
analyzer finds, looked up in its vocabulary. scikit-learn's transform checks its input and
builds and sorts a sparse matrix twice per message, which costs several times the counting
for one text. The vectors are Rasa's, entry for entry (tests/rasa_addons/test_count_vectors.py);
training, vocabulary, OOV handling and persistence are Rasa's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cached_property

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectors(CountVectorsFeaturizer):
    """The count vectors of config.yml: sentence features only."""

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[scipy.sparse.spmatrix | None], list[scipy.sparse.spmatrix | None]]:
        sequences: list[scipy.sparse.spmatrix | None] = [None] * len(all_tokens)
        if attribute not in self._counting or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
            return sequences, [None] * len(all_tokens)
        return sequences, [
            self._sentence_vector(attribute, tokens) if tokens else None for tokens in all_tokens
        ]

    def _sentence_vector(self, attribute: str, tokens: list[str]) -> scipy.sparse.coo_matrix:
        """What `vectorizer.transform([" ".join(tokens)])` gives (as Rasa stores it: COO, sorted)."""
        analyze, vocabulary = self._counting[attribute]
        counts = Counter(
            column for column in map(vocabulary.get, analyze(" ".join(tokens))) if column is not None
        )
        columns = np.array(sorted(counts), dtype=np.int32)
        values = np.array([counts[column] for column in columns], dtype=np.int64)
        rows = np.zeros(len(columns), dtype=np.int32)
        return scipy.sparse.coo_matrix((values, (rows, columns)), shape=(1, len(vocabulary)))

    @cached_property
    def _counting(self) -> dict[str, tuple[Callable[[str], list[str]], dict[str, int]]]:
        """Each trained attribute's analyzer and vocabulary. Built at the first message: a
        component that features messages was fitted (or loaded fitted) before."""
        counting = {}
        for attribute, vectorizer in (self.vectorizers or {}).items():
            vocabulary = self._get_attribute_vocabulary(attribute)
            if vocabulary is not None:
                counting[attribute] = (vectorizer.build_analyzer(), vocabulary)
        return counting
