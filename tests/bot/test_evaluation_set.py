"""The held-out evaluation set (tests/evaluation) is well formed and kept apart from training."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.playbook import default_playbook
from bot.settings import PROJECT_ROOT
from bot.understanding.training import examples_of

EVALUATION_DIR = PROJECT_ROOT / "tests" / "evaluation"
CONTRACT = {
    "account_type": {None, "personal", "work_school"},
    "lockout_state": {None, "has_other_method", "locked_out"},
    "is_admin": {None, True, False},
}


def load(name: str) -> Any:
    return yaml.safe_load((EVALUATION_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages() -> list[dict[str, Any]]:
    return [m for m in load("messages.yml")["messages"] if "account_type" in m]


def test_enough_messages_of_every_kind(messages: list[dict[str, Any]]) -> None:
    assert len(messages) >= 150 - 30  # plus the dialogue messages scored on intent only
    assert len(load("messages.yml")["messages"]) >= 150
    for slot, values in CONTRACT.items():
        seen = {m.get(slot) for m in messages}
        assert seen == values, f"{slot}: the set needs every value, including unsaid"


def test_values_keep_to_the_contract(messages: list[dict[str, Any]]) -> None:
    situations = default_playbook().fact_values["situation"]
    for message in messages:
        for slot, values in CONTRACT.items():
            assert message.get(slot) in values, message
        assert message.get("situation") in {None, *situations}, message


def test_conversations_expect_existing_paths() -> None:
    ids = {entry.id for entry in default_playbook().entries}
    for conversation in load("conversations.yml")["conversations"]:
        assert conversation["recovery_path"] in ids, conversation["name"]


def test_no_evaluation_message_is_training_data() -> None:
    training = set()
    for path in (PROJECT_ROOT / "data").glob("**/nlu.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            training |= {text.lower() for text, _ in examples_of(block)}
    held_out = {m["text"].strip().lower() for m in load("messages.yml")["messages"]}
    for conversation in load("conversations.yml")["conversations"]:
        held_out |= {turn.strip().lower() for turn in conversation["turns"]}
    overlap = {text for text in held_out & training if len(text.split()) > 2}
    assert overlap == set()  # one- and two-word replies ("work", "yep") are bound to repeat
