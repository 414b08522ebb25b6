"""The Rasa functions rasa_addons.patches replaces are still the ones it was written for; a
changed target stops Rasa from starting instead of losing a protection (milliseconds, no server)."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import replace

import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

from rasa_addons import patches


def test_every_target_has_the_signature_the_patch_was_written_for() -> None:
    assert rasa.__version__ == patches.RASA_VERSION
    assert patches.problems() == []


def test_applying_twice_wraps_once_and_the_original_stays_reachable() -> None:
    original = patches.PATCHES[0].original()
    patches.apply()
    patches.apply()
    assert inspect.getattr_static(RemoteAction, "run").__wrapped__ is original


@pytest.mark.parametrize(
    "changed",
    [
        replace(patches.PATCHES[0], parameters=("self", "output_channel", "nlg", "tracker")),
        replace(patches.PATCHES[1], attribute="on_retrieve_error_renamed"),
        replace(patches.PATCHES[2], relies_on=(RemoteAction.run, "self._check_result(")),
    ],
    ids=["new signature", "renamed", "no longer called"],
)
def test_a_changed_target_refuses_to_start_and_says_why(changed: patches.Patch) -> None:
    with pytest.raises(patches.IncompatibleRasa, match="refusing to start") as refused:
        patches.apply((changed,))
    assert changed.target in str(refused.value) or "no longer" in str(refused.value)
    assert not isinstance(refused.value, ImportError | AttributeError)  # Rasa's store loader swallows those


def test_a_failed_tracker_read_raises_instead_of_starting_a_new_conversation() -> None:
    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id: str) -> None:
            raise ConnectionError("database down")

    patches.apply()
    store = FailSafeTrackerStore(Broken(None))
    with pytest.raises(ConnectionError):
        asyncio.run(store.retrieve("someone"))


ANSWERS = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "account_type", "value": "personal"},
            {"event": "active_loop", "name": None},
        ]
    },
    {"events": [{"event": "bot", "text": "hi", "data": {}}, {"event": "followup", "name": "utter_greet"}]},
    {"events": [{"event": "slot", "value": "personal"}]},  # no slot name
    {"events": [{"event": "slot", "name": 3, "value": "x"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "account_type"}]},  # no event type
    {"events": ["slot"]},
    {"events": {"event": "slot"}},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "today"}]},
    {"events": [], "responses": "not a list"},
    None,
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_an_action_servers_answer_gets_the_verdict_and_error_of_rasas_own_check(answer: object) -> None:
    """The patched check (each event against its type's schema) against jsonschema on the whole schema."""
    from jsonschema import ValidationError, validate

    try:
        validate(answer, RemoteAction.action_response_format_spec())
        expected = None
    except ValidationError as error:
        expected = error.message
    validate_action_result = patches._validated_once(RemoteAction._validate_action_result)
    try:
        validate_action_result(RemoteAction("a", None), answer)  # type: ignore[arg-type]
        found = None
    except ValidationError as error:
        found = error.message.split(". Failed to validate")[0]
    assert found == expected
