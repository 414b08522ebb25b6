"""A small asyncio load client for Rasa's REST channel (`POST /webhooks/rest/webhook`).

The same client drives this bot and Rasa's starter bot in the benchmark, and the
two-server tests: each conversation is a scripted `Dialogue`, sent one message at a time
(as a person would), every message to the next server of a round-robin.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tools.dialogues import Dialogue

REQUEST_TIMEOUT_SECONDS = 60.0


@dataclass
class Sample:
    """One message: its round trip, and whether the answer came and said what was expected."""

    seconds: float
    error: str = ""  # transport error or HTTP status; empty when an answer came
    unexpected: bool = False  # an answer came, without the turn's expected phrase


@dataclass
class Conversation:
    sender: str
    dialogue: Dialogue
    samples: list[Sample] = field(default_factory=list)
    answers: list[list[dict[str, Any]]] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return len(self.samples) == len(self.dialogue.turns) and not any(
            s.error or s.unexpected for s in self.samples
        )


class RoundRobin:
    """Hands out the servers' base URLs in turn (the load balancer, in process)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._urls: Iterator[str] = itertools.cycle(list(urls))

    def next(self) -> str:
        return next(self._urls)


def answer_text(answer: list[dict[str, Any]]) -> str:
    return "\n".join(str(message.get("text", "")) for message in answer)


async def say(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    message: str,
    metadata: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], float]:
    """Sends one message; returns the bot's messages and the round trip in seconds."""
    started = time.perf_counter()
    body = {"sender": sender, "message": message, **({"metadata": metadata} if metadata else {})}
    async with session.post(f"{url}/webhooks/rest/webhook", json=body) as reply:
        reply.raise_for_status()
        body = await reply.json()
    return list(body), time.perf_counter() - started


async def converse(
    session: aiohttp.ClientSession, servers: RoundRobin, dialogue: Dialogue, sender: str | None = None
) -> Conversation:
    """Plays `dialogue` turn by turn; stops at the first error or unexpected answer."""
    conversation = Conversation(sender or uuid.uuid4().hex, dialogue)
    for turn in dialogue.turns:
        message = turn.message.replace("{sender}", conversation.sender)
        started = time.perf_counter()
        try:
            answer, seconds = await say(session, servers.next(), conversation.sender, message)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            conversation.samples.append(Sample(time.perf_counter() - started, error=repr(error)))
            break
        unexpected = turn.expect.lower() not in answer_text(answer).lower()
        conversation.samples.append(Sample(seconds, unexpected=unexpected))
        conversation.answers.append(answer)
        if unexpected:
            break
    return conversation


def client_session(connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
    )


@dataclass
class LoadResult:
    conversations: list[Conversation]
    seconds: float  # wall-clock time of the whole run

    @property
    def samples(self) -> list[Sample]:
        return [s for c in self.conversations for s in c.samples]

    @property
    def latencies(self) -> list[float]:
        return [s.seconds for s in self.samples if not s.error]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.error)

    @property
    def unexpected(self) -> int:
        return sum(1 for s in self.samples if s.unexpected)

    @property
    def messages_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def run_load(
    urls: Sequence[str], dialogues: Sequence[Dialogue], users: int, conversations_per_user: int
) -> LoadResult:
    """`users` people chatting at once, each holding `conversations_per_user` conversations in a row."""
    servers = RoundRobin(urls)
    async with client_session(users) as session:

        async def person(index: int) -> list[Conversation]:
            held = []
            for n in range(conversations_per_user):
                dialogue = dialogues[(index + n) % len(dialogues)]
                held.append(await converse(session, servers, dialogue))
            return held

        started = time.perf_counter()
        people = await asyncio.gather(*(person(i) for i in range(users)))
        seconds = time.perf_counter() - started
    return LoadResult([c for held in people for c in held], seconds)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
