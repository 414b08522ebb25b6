"""read_signals over all four slots at once, and the situation values it can give."""

from __future__ import annotations

from bot.playbook import default_playbook
from bot.understanding import SlotModel, read_signals
from bot.understanding.model import NONE


def test_situation_values_are_exactly_the_playbook_facts(slot_model: SlotModel) -> None:
    classes = set(slot_model.classifiers["situation"].classes_) - {NONE}
    assert classes == set(default_playbook().fact_values["situation"])


def test_several_facts_in_one_story(slot_model: SlotModel) -> None:
    text = (
        "Long story, sorry. Our office has one Microsoft 365 admin and that's me. Last week my phone was "
        "stolen on the train and the authenticator was on it, so now I can't sign in at all."
    )
    signals = read_signals(slot_model, text)
    assert (signals.account_type, signals.lockout_state, signals.is_admin) == (
        "work_school",
        "locked_out",
        True,
    )


def test_a_greeting_says_nothing(slot_model: SlotModel) -> None:
    signals = read_signals(slot_model, "hi there")
    assert (signals.account_type, signals.lockout_state, signals.is_admin, signals.situation) == (None,) * 4
