"""The slot classifiers trained from data/ exactly as the Rasa component trains them: once a run."""

from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT
from bot.understanding import SlotModel
from bot.understanding.training import labelled_examples


@pytest.fixture(scope="session")
def slot_model() -> SlotModel:
    pairs = labelled_examples(PROJECT_ROOT / "data")
    return SlotModel.fit([text for text, _ in pairs], [labels for _, labels in pairs])
