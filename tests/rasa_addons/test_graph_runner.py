"""The trained model reads messages and chooses actions the same without dask (graph_runner.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.agent import Agent, load_agent
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import patches
from tools.stack import DEFAULT_MODEL

pytestmark = pytest.mark.slow  # loads the trained model

MESSAGES = (
    "hi",
    "I got a new phone and my Outlook account keeps asking for the authenticator code",
    "work account, I'm the only admin of our Microsoft 365 and I'm locked out",
    "zorblax quimble frot",
    "je n'arrive plus à me connecter à mon compte",
)


async def _readings(agent: Agent) -> list[tuple[dict[str, Any], str | None, list[float]]]:
    """What the model makes of each message: the parse, and the policies' next action."""
    found = []
    for text in MESSAGES:
        parsed = await agent.parse_message(text)
        tracker = DialogueStateTracker.from_events(
            "graph-runner", [ActionExecuted("action_listen"), UserUttered(text, parsed)], agent.domain.slots
        )
        prediction = agent.processor._predict_next_with_tracker(tracker)  # type: ignore[union-attr]
        found.append((parsed, prediction.policy_name, prediction.probabilities))
    return found


def test_the_model_reads_the_same_with_and_without_dask() -> None:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    patches.apply()
    sequential = DaskGraphRunner.run
    assert getattr(sequential, "__patched_by__", None) is not None
    agent = asyncio.run(load_agent(str(DEFAULT_MODEL)))
    try:
        ours = asyncio.run(_readings(agent))
        DaskGraphRunner.run = sequential.__wrapped__  # type: ignore[attr-defined]
        with_dask = asyncio.run(_readings(agent))
    finally:
        DaskGraphRunner.run = sequential  # type: ignore[method-assign]
    assert ours == with_dask
    assert ours[1][0]["intent"]["name"] != ours[3][0]["intent"]["name"]  # not one fixed answer


def test_an_input_named_like_a_node_is_refused_as_with_dask() -> None:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    patches.apply()
    agent = asyncio.run(load_agent(str(DEFAULT_MODEL)))
    runner = agent.processor.graph_runner  # type: ignore[union-attr]
    node = next(iter(runner._graph_schema.nodes))
    with pytest.raises(GraphRunError):
        runner.run(inputs={node: "clash"})
