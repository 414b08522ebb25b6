"""The held-out set (messages.yml, conversations.yml) is never trained on, not even reworded.

A training example of data/ that is nearly the same text as a held-out message (same words,
a letter or a word changed) would make `make evaluate` measure memory instead of
understanding. Short replies ("no, still locked out") are left out: there are only so many
ways to say them.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT
from bot.understanding.training import examples_of

EVALUATION_DIR = PROJECT_ROOT / "tests" / "evaluation"
MIN_WORDS = 5
TOO_CLOSE = 0.9  # difflib ratio of the normalised texts


def _normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _load(name: str) -> Any:
    return yaml.safe_load((EVALUATION_DIR / name).read_text(encoding="utf-8"))


def _training_texts() -> list[str]:
    texts = []
    for path in sorted(Path(PROJECT_ROOT / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                texts += [_normalised(text) for text, _ in examples_of(block)]
    return texts


def _held_out_texts() -> list[str]:
    messages = [m["text"] for m in _load("messages.yml")["messages"]]
    turns = [turn for c in _load("conversations.yml")["conversations"] for turn in c["turns"]]
    return [_normalised(t) for t in messages + turns if len(t.split()) >= MIN_WORDS]


def test_no_training_example_is_a_held_out_message_reworded() -> None:
    training = _training_texts()
    too_close = []
    for held in _held_out_texts():
        for example in training:
            matcher = SequenceMatcher(None, held, example)
            # the two quick upper bounds first: the exact ratio is slow
            bounds = matcher.real_quick_ratio() >= TOO_CLOSE and matcher.quick_ratio() >= TOO_CLOSE
            if bounds and matcher.ratio() >= TOO_CLOSE:
                too_close.append((held, example))
    assert too_close == []
