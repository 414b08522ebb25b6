"""The slot classifiers trained from data/ exactly as the Rasa component trains them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.settings import PROJECT_ROOT
from bot.understanding import Signals, SlotModel, read_signals
from bot.understanding.training import labelled_examples

Read = Callable[[str], Signals]


@pytest.fixture(scope="session")
def slot_model() -> SlotModel:
    pairs = labelled_examples(PROJECT_ROOT / "data")
    return SlotModel.fit([text for text, _ in pairs], [labels for _, labels in pairs])


@pytest.fixture(scope="session")
def read(slot_model: SlotModel) -> Read:
    return lambda text: read_signals(slot_model, text)
