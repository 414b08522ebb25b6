"""The Rasa NLU component over bot.understanding: trained from slot metadata, entities out, rerouting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.settings import PROJECT_ROOT
from rasa_addons.nlu.slot_reader import SlotReader

Trained = tuple[LocalModelStorage, Resource]


def context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]


pytestmark = pytest.mark.slow  # trains a Rasa model: left to make test


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """SlotReader trained on data/ through Rasa's own loader, as `rasa train` does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("slot_reader")
    component = SlotReader.create(SlotReader.get_default_config(), storage, resource, context())
    files = sorted((PROJECT_ROOT / "data").rglob("nlu.yml"))
    component.train(TrainingData().merge(*(load_data(str(f)) for f in files)))
    return storage, resource


@pytest.fixture(scope="module")
def reader(trained: Trained) -> SlotReader:
    storage, resource = trained
    return SlotReader.load(SlotReader.get_default_config(), storage, resource, context())


def processed(
    reader: SlotReader, text: str, intent: str, confidence: float, runner_up: float = 0.01
) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": runner_up}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []})
    return reader.process([message])[0]


def signal_entities(message: Message) -> dict[str, Any]:
    return {e["entity"]: e["value"] for e in message.get("entities")}


def test_the_trained_model_is_stored(trained: Trained) -> None:
    storage, resource = trained
    with storage.read_from(resource) as directory:
        assert (Path(directory) / "slot_model.pkl").stat().st_size > 0


def test_signals_become_entities(reader: SlotReader) -> None:
    message = processed(
        reader, "locked out of my hotmail, the code goes to my old number", "report_problem", 0.9
    )
    entities = signal_entities(message)
    assert entities["account_type"] == "personal"
    assert entities["lockout_state"] == "locked_out"
    assert {e["extractor"] for e in message.get("entities")} == {"SlotReader"}


@pytest.mark.parametrize(
    ("intent", "confidence", "runner_up"),
    [("out_of_scope", 0.9, 0.01), ("greet", 0.2, 0.01), ("state_has_other_method", 0.5, 0.48)],
)
def test_a_doubted_message_with_a_recovery_signal_is_about_recovery(
    reader: SlotReader, intent: str, confidence: float, runner_up: float
) -> None:
    text = "my hotmail is locked, the authenticator was on my old phone"
    message = processed(reader, text, intent, confidence, runner_up)
    assert message.get("intent")["name"] == "report_problem"
    assert message.get("intent_ranking")[0]["name"] == "report_problem"


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [
        ("what's the weather like", "out_of_scope", 0.9),  # no signal: stays off-topic
        ("no, I'm completely locked out", "deny", 0.9),  # a confident answer keeps its intent
    ],
)
def test_other_messages_keep_their_intent(
    reader: SlotReader, text: str, intent: str, confidence: float
) -> None:
    assert processed(reader, text, intent, confidence).get("intent")["name"] == intent


def test_an_empty_message_is_left_alone(reader: SlotReader) -> None:
    assert signal_entities(processed(reader, "   ", "greet", 0.9)) == {}
