"""`read`: the signals of a message, from the slot classifiers of tests/bot/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.understanding import Signals, SlotModel, read_signals

Read = Callable[[str], Signals]


@pytest.fixture(scope="session")
def read(slot_model: SlotModel) -> Read:
    return lambda text: read_signals(slot_model, text)
