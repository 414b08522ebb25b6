"""read_signals over all four slots at once, and the situation values it can give."""

from __future__ import annotations

import pytest

from bot.playbook import default_playbook
from bot.settings import PROJECT_ROOT
from bot.understanding import SlotModel, read_signals
from bot.understanding.model import NONE
from bot.understanding.training import labelled_examples


@pytest.fixture(scope="module")
def model() -> SlotModel:
    pairs = labelled_examples(PROJECT_ROOT / "data")
    return SlotModel.fit([text for text, _ in pairs], [labels for _, labels in pairs])


def test_situation_values_are_exactly_the_playbook_facts(model: SlotModel) -> None:
    classes = set(model.classifiers["situation"].classes_) - {NONE}
    assert classes == set(default_playbook().fact_values["situation"])


def test_several_facts_in_one_story(model: SlotModel) -> None:
    text = (
        "Long story, sorry. Our office has one Microsoft 365 admin and that's me. Last week my phone was "
        "stolen on the train and the authenticator was on it, so now I can't sign in at all."
    )
    signals = read_signals(model, text)
    assert (signals.account_type, signals.lockout_state, signals.is_admin) == (
        "work_school",
        "locked_out",
        True,
    )


def test_a_greeting_says_nothing(model: SlotModel) -> None:
    signals = read_signals(model, "hi there")
    assert (signals.account_type, signals.lockout_state, signals.is_admin, signals.situation) == (None,) * 4
