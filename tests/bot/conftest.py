"""The slot classifiers trained from data/ exactly as the Rasa component trains them.

Fitted once for the whole run, and kept in var/cache/ under a digest of everything the fit
reads (data/, bot/understanding/, the scikit-learn version): the next run reuses it until one
of those changes. tests/nlu/test_slot_reader_component.py still fits through Rasa every run.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import sklearn

from bot.settings import PROJECT_ROOT
from bot.understanding import SlotModel
from bot.understanding.training import labelled_examples

CACHE_DIR = PROJECT_ROOT / "var" / "cache" / "slot-model"
INPUTS = ("data", "bot/understanding")


def _inputs_digest() -> str:
    digest = hashlib.sha256(sklearn.__version__.encode())
    for folder in INPUTS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".yml", ".yaml", ".py"):
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def slot_model() -> SlotModel:
    cached = CACHE_DIR / f"{_inputs_digest()}.pkl"
    if cached.exists():
        return SlotModel.load(cached)
    pairs = labelled_examples(PROJECT_ROOT / "data")
    model = SlotModel.fit([text for text, _ in pairs], [labels for _, labels in pairs])
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")  # xdist workers may write at once
    model.save(partial)
    partial.replace(cached)
    return model
