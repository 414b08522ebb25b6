"""The trained part of understanding: one small classifier per slot over shared n-gram features.

Each slot (account_type, lockout_state, is_admin, situation) is a sentence-level label, not a
span, so it is learnt as a text classification with "none" (the message does not say) as a
class of its own. The features are word 1-2-grams and character 2-5-grams within words,
TF-IDF weighted: typos, fragments and run-on stories share most of their character n-grams
with the clean phrasing. Training examples are the labelled messages of data/ (see
training.py); what a slot's value is finally taken to be is decided in that slot's module.
"""

from __future__ import annotations

import pickle
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from bot.understanding.email import with_mail_kinds
from bot.understanding.vocabulary import marked

NONE = "none"  # the class of a message that does not say
SLOTS = ("account_type", "lockout_state", "is_admin", "situation")
# Slots with many rare values, learnt with each value weighted by its rarity.
BALANCED = frozenset({"situation"})


def prepared(text: str) -> str:
    """The text the classifiers see: straight apostrophes, addresses by kind, names marked."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return marked(with_mail_kinds(text))


_DENIED_MARKS = re.compile(r"\bnot(?:accountkind|adminrole|near)[a-z]+\b")


def without_denied_marks(text: str) -> str:
    """For the character n-grams: "notaccountkindworkschool" must not look like work."""
    return _DENIED_MARKS.sub(" ", text)


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"[a-z0-9']+", sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    preprocessor=without_denied_marks,
                ),
            ),
        ]
    )


@dataclass(frozen=True)
class _NgramWeighting:
    """One fitted TfidfVectorizer, reduced to what weighing one text needs."""

    analyze: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: np.ndarray[Any, Any]
    sublinear: bool
    offset: int  # where this vectorizer's n-grams start in the joined features

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer, offset: int) -> _NgramWeighting:
        assert vectorizer.norm == "l2" and vectorizer.use_idf and not vectorizer.binary
        return cls(
            vectorizer.build_analyzer(),
            vectorizer.vocabulary_,
            vectorizer.idf_,
            bool(vectorizer.sublinear_tf),
            offset,
        )

    def weighted(self, text: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The joined-feature rows of the n-grams `text` has, and their TF-IDF values
        (L2-normalised, as TfidfVectorizer.transform gives them)."""
        counts = Counter(row for row in map(self.vocabulary.get, self.analyze(text)) if row is not None)
        rows = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear:
            values = np.log(values) + 1.0
        values *= self.idf[rows]
        norm = np.sqrt(values @ values)
        return rows + self.offset, values / norm if norm > 0 else values


Probabilities = dict[str, float]
"""A classifier's probability for each value of one slot, NONE included."""


@dataclass
class SlotModel:
    """Fitted features and one logistic regression per slot."""

    features: FeatureUnion
    classifiers: dict[str, LogisticRegression]

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[Mapping[str, str]], strength: float = 16.0
    ) -> SlotModel:
        """Learns from `texts`; labels[i][slot] is a value or NONE for every slot in SLOTS."""
        features = _features()
        matrix = features.fit_transform([prepared(t) for t in texts])
        classifiers = {}
        for slot in SLOTS:
            targets = [label[slot] for label in labels]
            weight = "balanced" if slot in BALANCED else None
            classifiers[slot] = LogisticRegression(C=strength, max_iter=3000, class_weight=weight).fit(
                matrix, targets
            )
        return cls(features, classifiers)

    def read(self, text: str) -> dict[str, Probabilities]:
        """Every slot's probabilities for `text`.

        The arithmetic of TfidfVectorizer.transform and LogisticRegression.predict_proba for
        one text, for all slots at once: each n-gram's weight row times its TF-IDF value,
        summed. scikit-learn's own calls build and check sparse matrices (and FeatureUnion
        dispatches through joblib), which costs several times the sum itself for one message.
        tests/bot/understanding/test_slot_model.py holds it to scikit-learn's results.
        """
        weights, intercepts = self._stacked
        scores, seen = intercepts.copy(), prepared(text)
        for ngrams in self._ngram_weighting:
            rows, values = ngrams.weighted(seen)
            scores += values @ weights[rows]
        readings, start = {}, 0
        for slot, classifier in self.classifiers.items():
            classes = list(map(str, classifier.classes_))
            width = 1 if len(classes) == 2 else len(classes)
            own = scores[start : start + width]
            start += width
            if width == 1:
                positive = 1.0 / (1.0 + np.exp(-own[0]))
                probabilities = np.array([1.0 - positive, positive])
            else:
                exp = np.exp(own - own.max())
                probabilities = exp / exp.sum()
            readings[slot] = dict(zip(classes, map(float, probabilities), strict=True))
        return readings

    @cached_property
    def _stacked(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Every classifier's weights side by side (one column per score, one row per n-gram of
        the joined features), and their intercepts."""
        weights = np.ascontiguousarray(np.hstack([c.coef_.T for c in self.classifiers.values()]))
        intercepts = np.concatenate([c.intercept_ for c in self.classifiers.values()])
        return weights, intercepts

    @cached_property
    def _ngram_weighting(self) -> list[_NgramWeighting]:
        found, offset = [], 0
        for _, vectorizer in self.features.transformer_list:
            found.append(_NgramWeighting.of(vectorizer, offset))
            offset += len(vectorizer.vocabulary_)
        return found

    def __getstate__(self) -> dict[str, Any]:
        """What is pickled: the fitted parts, not what `read` derives from them."""
        return {"features": self.features, "classifiers": self.classifiers}

    def save(self, path: Path) -> None:
        """Writes the model to `path`."""
        path.write_bytes(pickle.dumps(self))

    @staticmethod
    def load(path: Path) -> SlotModel:
        """The model written to `path` by `save`."""
        model: Any = pickle.loads(path.read_bytes())
        assert isinstance(model, SlotModel)
        return model
