"""The sentence-only count vectors are Rasa's own sentence vectors, entry for entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.nlu.count_vectors import SentenceCountVectors

TRAINING = [
    ("my phone is gone and so is the authenticator", "lost_phone"),
    ("I lost my phone, the phone had the app", "lost_phone"),
    ("hello there", "greet"),
    ("talk to a person please", "request_human"),
    ("my oov is gone", "lost_phone"),  # the OOV token, as a training example must hold it
]
UNSEEN = [
    "phone phone phone gone",  # a word counted three times
    "the authenticator app is on my old phone",
    "Hello THERE",  # case
    "zzz qqq",  # nothing in the vocabulary
    "téléphone perdu",  # accents
]
CONFIGS = {
    "words": {},
    "words with an OOV token": {"OOV_token": "oov"},
    "word bigrams": {"min_ngram": 1, "max_ngram": 2},
    "characters in words": {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
}


def _trained_and_loaded(
    cls: type, storage: LocalModelStorage, name: str, config: dict[str, object]
) -> object:
    context = ExecutionContext(GraphSchema({}), name)
    full = {**cls.get_default_config(), **config}
    data = TrainingData([Message({TEXT: text, INTENT: intent}) for text, intent in TRAINING])
    WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("t"), context
    ).process_training_data(data)
    cls.create(full, storage, Resource(name), context).train(data)
    return cls.load(full, storage, Resource(name), context)  # as a served model has it


def _features(component: object, text: str) -> list[tuple[str, object]]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    message = Message({TEXT: text})
    tokenizer.process([message])
    component.process([message])  # type: ignore[attr-defined]
    return [(found.type, found.features) for found in message.features if found.attribute == TEXT]


@pytest.mark.parametrize("name", CONFIGS)
def test_the_sentence_vector_is_rasas_and_there_is_nothing_else(name: str, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    rasas = _trained_and_loaded(CountVectorsFeaturizer, storage, "rasa", CONFIGS[name])
    ours = _trained_and_loaded(SentenceCountVectors, storage, "ours", CONFIGS[name])
    for text in UNSEEN:
        expected = [features for kind, features in _features(rasas, text) if kind == FEATURE_TYPE_SENTENCE]
        found = _features(ours, text)
        assert [kind for kind, _ in found] == [FEATURE_TYPE_SENTENCE], text
        assert found[0][1].shape == expected[0].shape
        assert (found[0][1].toarray() == expected[0].toarray()).all(), text
        assert found[0][1].dtype == expected[0].dtype
