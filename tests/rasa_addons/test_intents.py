"""The intent classifier's shortcut gives the probabilities of Rasa's own logistic regression."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.nlu.intents import LogisticRegressionIntents

EXAMPLES = {
    "lost_phone": ["my phone is gone", "I lost my phone", "new phone, no authenticator", "phone stolen"],
    "greet": ["hello there", "hi", "good morning", "hey bot"],
    "request_human": ["talk to a person", "a human please", "I want an agent", "real person"],
    "affirm": ["yes", "yes it did", "sure", "correct"],
}
UNSEEN = ["someone stole my phone", "hello", "can a person help", "yes please", "zzz", "hello yes person"]


def _component(cls: type, storage: LocalModelStorage, name: str, **config: object) -> object:
    context = ExecutionContext(GraphSchema({}), name)
    return cls.create({**cls.get_default_config(), **config}, storage, Resource(name), context)


def _featurized(texts: list[str], components: list[object]) -> list[Message]:
    messages = [Message({TEXT: text}) for text in texts]
    for component in components:
        component.process(messages)  # type: ignore[attr-defined]
    return messages


@pytest.fixture(params=[list(EXAMPLES), ["greet", "affirm"]], ids=["four intents", "two intents"])
def trained(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[LogisticRegressionIntents, list[object]]:
    storage = LocalModelStorage(tmp_path)
    tokenizer = _component(WhitespaceTokenizer, storage, "tokens")
    words = _component(CountVectorsFeaturizer, storage, "words")
    chars = _component(CountVectorsFeaturizer, storage, "chars", analyzer="char_wb", min_ngram=2, max_ngram=4)
    data = TrainingData(
        [Message({TEXT: text, INTENT: intent}) for intent in request.param for text in EXAMPLES[intent]]
    )
    tokenizer.process_training_data(data)  # type: ignore[attr-defined]
    for featurizer in (words, chars):
        featurizer.train(data)  # type: ignore[attr-defined]
        featurizer.process_training_data(data)  # type: ignore[attr-defined]
    classifier = _component(LogisticRegressionIntents, storage, "intents")
    classifier.train(data)  # type: ignore[attr-defined]
    return classifier, [tokenizer, words, chars]  # type: ignore[return-value]


def test_the_same_intents_and_confidences_as_rasas_classifier(
    trained: tuple[LogisticRegressionIntents, list[object]],
) -> None:
    classifier, featurizers = trained
    ours = classifier.process(_featurized(UNSEEN, featurizers))
    rasas = LogisticRegressionClassifier.process(classifier, _featurized(UNSEEN, featurizers))
    for mine, theirs in zip(ours, rasas, strict=True):
        assert mine.get(INTENT)["name"] == theirs.get(INTENT)["name"]
        assert mine.get(INTENT)["confidence"] == pytest.approx(theirs.get(INTENT)["confidence"], abs=1e-12)
        assert [r["name"] for r in mine.get(INTENT_RANKING_KEY)] == [
            r["name"] for r in theirs.get(INTENT_RANKING_KEY)
        ]
        assert [r["confidence"] for r in mine.get(INTENT_RANKING_KEY)] == pytest.approx(
            [r["confidence"] for r in theirs.get(INTENT_RANKING_KEY)], abs=1e-12
        )


def test_a_message_without_features_gets_no_intent(
    trained: tuple[LogisticRegressionIntents, list[object]],
) -> None:
    """As a message of blanks is after the project's spaCy tokenizer (tests/security sends one
    through the whole bot): scikit-learn would refuse the empty row."""
    classifier, _ = trained
    (blank,) = classifier.process([Message({TEXT: "   "})])
    assert blank.get(INTENT) == {"name": None, "confidence": 0.0}
    assert blank.get(INTENT_RANKING_KEY) == []
