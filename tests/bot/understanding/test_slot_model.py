"""SlotModel.read's own arithmetic gives what scikit-learn's transform and predict_proba give."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.understanding import SlotModel
from bot.understanding.model import prepared

TEXTS = [
    "lost my phone and the authenticator app with it, cant get into my outlook",
    "I'm the only admin of our Microsoft 365 tenant and MFA locks me out",
    "new number, old one gone; I can still sign in with a security key though",
    "school account, the code never arrives",
    "hi",
    "",
    "   ",
    "zzqx vvbn",  # no known n-gram at all
    "Ça ne marche pas 🙂 — help!!!",
    "work work work work work work",  # repeated words: the sublinear term frequency
    "my hotmail " * 300,  # a very long message
]


def scikit_learn_reading(model: SlotModel, text: str) -> dict[str, dict[str, float]]:
    row = model.features.transform([prepared(text)])
    return {
        slot: dict(
            zip(map(str, classifier.classes_), map(float, classifier.predict_proba(row)[0]), strict=True)
        )
        for slot, classifier in model.classifiers.items()
    }


@pytest.mark.parametrize("text", TEXTS, ids=[text[:30] for text in TEXTS])
def test_every_probability_is_scikit_learns(slot_model: SlotModel, text: str) -> None:
    expected = scikit_learn_reading(slot_model, text)
    read = slot_model.read(text)
    assert read.keys() == expected.keys()
    for slot, probabilities in expected.items():
        assert read[slot] == pytest.approx(probabilities, abs=1e-9), slot


def test_a_model_that_has_read_saves_and_loads_alike(slot_model: SlotModel, tmp_path: Path) -> None:
    before = slot_model.read(TEXTS[0])
    slot_model.save(tmp_path / "model.pkl")
    loaded = SlotModel.load(tmp_path / "model.pkl")
    assert "_ngram_weighting" not in vars(loaded)
    assert loaded.read(TEXTS[0]) == before
