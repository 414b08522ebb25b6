"""`python -m tools.bench --breakdown`: where one message's milliseconds go, measured in process.

This bot's model runs inside this process with its real endpoints (the tracker and lock stores
on the local PostgreSQL and Redis, the custom actions in this process as deployed by default,
or with `--action-server` an action server as its own process), and
so does the starter bot's model with its in-memory stores. One person at a time plays the
benchmark's dialogues; Rasa's own steps are timed by wrapping them: reading the message (NLU),
the lock, reading and saving the conversation, choosing actions (policies) and the custom
action calls. Milliseconds per message, mean over all messages, with the number of custom
action calls per message. PERF_ROUNDS sets the rounds of the dialogues (4).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from bot.settings import IN_PROCESS_ACTIONS
from tools.databases import REDIS_URL, scaled_settings
from tools.dialogues import RECOVERY_DIALOGUES, STARTER_DIALOGUES, Dialogue
from tools.stack import ONE_ADDRESS_LOAD_ENV, Stack

ROUNDS = int(__import__("os").environ.get("PERF_ROUNDS", "4"))  # each dialogue this many times
STEPS = ("NLU (parse)", "lock", "read conversation", "policies", "custom action calls", "save conversation")


class Timings:
    def __init__(self) -> None:
        self.ms: collections.Counter[str] = collections.Counter()
        self.calls = 0
        self.messages = 0

    def timed(self, step: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.ms[step] += 1000 * (time.perf_counter() - started)

        return wrapper

    def timed_sync(self, step: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.ms[step] += 1000 * (time.perf_counter() - started)

        return wrapper


@contextmanager
def _instrumented(timings: Timings, store_class: type, lock_class: type) -> Iterator[None]:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    originals: list[tuple[type, str, Any]] = []

    def wrap(owner: type, name: str, wrapper: Any) -> None:
        originals.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, wrapper)

    wrap(MessageProcessor, "parse_message", timings.timed("NLU (parse)", MessageProcessor.parse_message))
    wrap(
        MessageProcessor,
        "predict_next_with_tracker_if_should",
        timings.timed_sync("policies", MessageProcessor.predict_next_with_tracker_if_should),
    )
    run = RemoteAction.run

    async def counted_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        timings.calls += 1
        return await run(self, *args, **kwargs)

    wrap(RemoteAction, "run", timings.timed("custom action calls", counted_run))
    wrap(store_class, "retrieve", timings.timed("read conversation", store_class.retrieve))
    wrap(store_class, "save", timings.timed("save conversation", store_class.save))
    lock = lock_class.lock

    def timed_lock(self: Any, *args: Any, **kwargs: Any) -> Any:
        held = lock(self, *args, **kwargs)

        @asynccontextmanager
        async def measured() -> AsyncIterator[Any]:
            started = time.perf_counter()
            ticket = await held.__aenter__()
            timings.ms["lock"] += 1000 * (time.perf_counter() - started)
            try:
                yield ticket
            finally:
                started = time.perf_counter()
                await held.__aexit__(None, None, None)
                timings.ms["lock"] += 1000 * (time.perf_counter() - started)

        return measured()

    wrap(lock_class, "lock", timed_lock)
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            if original is None:
                delattr(owner, name)  # it was inherited
            else:
                setattr(owner, name, original)


async def _play(agent: Any, dialogues: tuple[Dialogue, ...], timings: Timings) -> float:
    """Mean ms per message of agent.handle_message over ROUNDS of the dialogues."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    total = 0.0
    for round_number in range(ROUNDS + 1):  # the first round warms up
        if round_number == 1:
            timings.ms.clear()
            timings.calls = timings.messages = 0
            total = 0.0
        for dialogue in dialogues:
            sender = uuid.uuid4().hex
            for turn in dialogue.turns:
                text = turn.message.replace("{sender}", sender)
                started = time.perf_counter()
                await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
                total += 1000 * (time.perf_counter() - started)
                timings.messages += 1
    return total / timings.messages


def _breakdown(model: Path, endpoints: Path | None, dialogues: tuple[Dialogue, ...]) -> tuple[float, Timings]:
    from rasa.core.agent import load_agent
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    async def run() -> tuple[float, Timings]:
        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)  # as `rasa run` logs by default
        agent = await load_agent(
            str(model), endpoints=AvailableEndpoints.read_endpoints(str(endpoints) if endpoints else None)
        )
        store = (
            agent.tracker_store._tracker_store
            if hasattr(agent.tracker_store, "_tracker_store")
            else agent.tracker_store
        )
        lock_store = agent.lock_store
        timings = Timings()
        with _instrumented(timings, type(store), type(lock_store)):
            assert isinstance(store, TrackerStore) and isinstance(lock_store, LockStore)
            total = await _play(agent, dialogues, timings)
        return total, timings

    return asyncio.run(run())


def run_breakdown(action_server: bool = False) -> int:
    """Both bots' breakdown; this bot runs its actions in process unless `action_server`."""
    from bot.settings import PROJECT_ROOT
    from tools.bench import STARTER_DIR, our_model, starter_model

    ours, starter = our_model(False), starter_model(False)
    results: dict[str, tuple[float, Timings]] = {}
    with ExitStack() as stack:
        in_process = {} if action_server else {"action_server_url": IN_PROCESS_ACTIONS}
        settings = stack.enter_context(scaled_settings("breakdown", **in_process))
        tracker_url, tickets_url = settings.tracker_db_url, settings.tickets_db_url
        actions = Stack(settings, rasa_ports=(), extra_env=ONE_ADDRESS_LOAD_ENV)
        stack.enter_context(actions.running())
        os.environ.update(
            ONE_ADDRESS_LOAD_ENV,
            RASA_TELEMETRY_ENABLED="false",
            ACTION_SERVER_URL=settings.action_server_url,
            ACTION_SERVER_TOKEN="",
            TRACKER_DB_URL=tracker_url,
            TICKETS_DB_URL=tickets_url,
            LOCK_STORE_URL=REDIS_URL,
            SPACY_MODEL_DIR=str(settings.spacy_model_dir),
        )
        name = "action server" if action_server else "actions in process"
        results[f"this bot (PostgreSQL + Redis, {name})"] = _breakdown(
            ours.path, PROJECT_ROOT / "endpoints.yml", RECOVERY_DIALOGUES
        )
        results["starter bot (in memory)"] = _breakdown(
            starter.path, STARTER_DIR / "endpoints.yml", STARTER_DIALOGUES
        )
    print(f"\nms per message, one person at a time, in process; mean over {ROUNDS} rounds of the dialogues")
    names = list(results)
    print(f"{'':28}" + "".join(f"{name[:24]:>26}" for name in names))
    for step in STEPS:
        print(
            f"{step:28}" + "".join(f"{results[n][1].ms[step] / results[n][1].messages:26.1f}" for n in names)
        )
    other = [results[n][0] - sum(results[n][1].ms[s] for s in STEPS) / results[n][1].messages for n in names]
    print(f"{'everything else':28}" + "".join(f"{value:26.1f}" for value in other))
    print(f"{'total (handle_message)':28}" + "".join(f"{results[n][0]:26.1f}" for n in names))
    print(
        f"{'custom action calls / msg':28}"
        + "".join(f"{results[n][1].calls / results[n][1].messages:26.2f}" for n in names)
    )
    return 0
