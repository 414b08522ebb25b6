"""The Rasa NLU component over bot.understanding: entities out, and the intent it reroutes."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.nlu.recovery_signals import RecoverySignals


def processed(text: str, intent: str, confidence: float, runner_up: float = 0.01) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": runner_up}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []})
    component = RecoverySignals(RecoverySignals.get_default_config())
    return component.process([message])[0]


def signal_entities(message: Message) -> dict[str, Any]:
    return {e["entity"]: e["value"] for e in message.get("entities")}


def test_signals_become_entities() -> None:
    message = processed("I got a new phone and I'm completely locked out", "report_problem", 0.9)
    assert signal_entities(message) == {"lockout_state": "locked_out", "situation": "new_phone"}


@pytest.mark.parametrize(
    ("intent", "confidence", "runner_up"),
    [("out_of_scope", 0.9, 0.01), ("greet", 0.2, 0.01), ("state_has_other_method", 0.5, 0.48)],
)
def test_a_doubted_message_with_a_recovery_signal_is_about_recovery(
    intent: str, confidence: float, runner_up: float
) -> None:
    message = processed("the authenticator was on my old phone", intent, confidence, runner_up)
    assert message.get("intent")["name"] == "report_problem"
    assert message.get("intent_ranking")[0]["name"] == "report_problem"


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [
        ("what's the weather like", "out_of_scope", 0.9),  # no signal: stays off-topic
        ("no, I'm completely locked out", "deny", 0.9),  # a confident answer keeps its intent
    ],
)
def test_other_messages_keep_their_intent(text: str, intent: str, confidence: float) -> None:
    assert processed(text, intent, confidence).get("intent")["name"] == intent
