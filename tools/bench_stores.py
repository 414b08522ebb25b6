"""`python -m tools.bench --stores`: what reading and saving a conversation costs per message.

Each tracker store option runs the same conversations on the local PostgreSQL and Redis, in
this one process: per message, the store reads the conversation, the turn's events are added
(the user message with its parse data, a form's slots, the bot's answer), and the store saves
it, as Rasa's processor does. The options take turns conversation by conversation, so the
noise of a shared machine falls on all of them alike. Figures: milliseconds per message
(read + save), median and p95, and the last message's (the longest tracker).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered

from rasa_addons.importer import project_domain
from tools.databases import REDIS_URL, throwaway_postgres
from tools.load import percentile

TURNS = 8
CONVERSATIONS = 40
ANSWER = "Here is what to do. " * 40  # about the length of a served playbook entry


def _turn(number: int) -> list[Event]:
    intents = [{"name": f"intent_{i}", "confidence": 0.9 / (i + 1)} for i in range(10)]
    parse = {
        "intent": intents[0],
        "entities": [{"entity": "account_type", "value": "personal", "extractor": "RecoverySignals"}],
        "intent_ranking": intents,
        "text": f"message {number} about a lost phone and a work account",
    }
    return [
        UserUttered(parse["text"], intents[0], parse["entities"], parse),
        SlotSet("account_type", "personal"),
        ActionExecuted("recovery_form"),
        SlotSet("requested_slot", "lockout_state"),
        BotUttered(ANSWER, {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
        ActionExecuted("action_listen"),
    ]


def _session_start() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


async def _conversation(store: TrackerStore) -> list[float]:
    """Milliseconds per message (read + save) of one conversation of TURNS messages."""
    sender, timings = uuid.uuid4().hex, []
    for number in range(TURNS):
        started = time.perf_counter()
        tracker = await store.retrieve(sender)
        if tracker is None:
            tracker = await store.create_tracker(sender)
            events = _session_start() + _turn(number)
        else:
            events = _turn(number)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


@contextmanager
def _stores(domain: Domain) -> Iterator[dict[str, Callable[[], TrackerStore]]]:
    from rasa_addons.tracker_store import LiveTrackerStore

    with ExitStack() as stack:
        sql_url = stack.enter_context(throwaway_postgres("bench_store_sql"))
        live_url = stack.enter_context(throwaway_postgres("bench_store_live"))
        broker_url = stack.enter_context(throwaway_postgres("bench_store_broker"))
        sql_only_url = stack.enter_context(throwaway_postgres("bench_store_sqlonly"))
        redis_host, _, rest = REDIS_URL.removeprefix("redis://").partition(":")
        port, _, db = rest.partition("/")
        redis_args = {"host": redis_host, "port": int(port or 6379), "db": int(db or 0)}
        sql = SQLTrackerStore(domain, host=sql_url)
        redis_only = RedisTrackerStore(domain, key_prefix=f"bench{uuid.uuid4().hex[:6]}:", **redis_args)
        broker = SQLEventBroker(host=broker_url)
        redis_broker = RedisTrackerStore(
            domain, event_broker=broker, key_prefix=f"bench{uuid.uuid4().hex[:6]}:", **redis_args
        )
        live = LiveTrackerStore(domain, redis_url=REDIS_URL, host=live_url)
        sql_only = LiveTrackerStore(domain, redis_url="", host=sql_only_url)
        yield {
            "SQLTrackerStore (PostgreSQL), Rasa's": lambda: sql,
            "RedisTrackerStore, Rasa's (history lost with Redis)": lambda: redis_only,
            "RedisTrackerStore + SQLEventBroker, Rasa's": lambda: redis_broker,
            "LiveTrackerStore without Redis (PostgreSQL only)": lambda: sql_only,
            "LiveTrackerStore: Redis live + PostgreSQL record": lambda: live,
        }
        for store in (sql, live, sql_only):
            store.engine.dispose()
        broker.engine.dispose()


def run_store_bench() -> int:
    domain = project_domain()
    timings: dict[str, list[list[float]]] = {}
    with _stores(domain) as stores:
        for name, store in stores.items():  # warm-up: connections, tables
            asyncio.run(_conversation(store()))
            timings[name] = []
        for _ in range(CONVERSATIONS):
            for name, store in stores.items():
                timings[name].append(asyncio.run(_conversation(store())))
    print(f"\n{CONVERSATIONS} conversations of {TURNS} messages per store; ms per message (read + save)")
    print(f"{'':52} {'median':>7} {'p95':>7} {'last msg':>9}")
    for name, runs in timings.items():
        flat = [t for run in runs for t in run]
        last = statistics.median(run[-1] for run in runs)
        print(f"{name:52} {statistics.median(flat):7.2f} {percentile(flat, 0.95):7.2f} {last:9.2f}")
    return 0
