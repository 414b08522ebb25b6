"""Two Rasa servers and one action server sharing PostgreSQL (conversations, tickets) and Redis (locks).

Messages of one conversation go to either server, as behind a load balancer without
sticky sessions: the conversation must continue as if there were one server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.tickets import Database, TicketStore
from tools.databases import REDIS_URL, throwaway_postgres
from tools.dialogues import RECOVERY_DIALOGUES, Dialogue
from tools.load import Conversation, RoundRobin, answer_text, client_session, converse, run_load, say
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, free_port, isolated_settings

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    """The stack, and the URL of its ticket database."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir = tmp_path_factory.mktemp("two-servers")
    with (
        throwaway_postgres("scale_tracker") as tracker_url,
        throwaway_postgres("scale_tickets") as tickets_url,
    ):
        settings = isolated_settings(
            var_dir, tracker_db_url=tracker_url, tickets_db_url=tickets_url, lock_store_url=REDIS_URL
        )
        stack = Stack(
            settings,
            rasa_ports=(free_port(), free_port()),
            extra_env=ONE_ADDRESS_LOAD_ENV,
            log_dir=var_dir / "logs",
        )
        with stack.running():
            yield stack, tickets_url


def urls(stack: Stack) -> list[str]:
    return [stack.url(0), stack.url(1)]


def user_messages(events: list[dict[str, Any]]) -> list[str]:
    return [event["text"] for event in events if event["event"] == "user"]


def sent_messages(conversation: Conversation) -> list[str]:
    return [turn.message.replace("{sender}", conversation.sender) for turn in conversation.dialogue.turns]


def tickets_of(tickets_url: str) -> dict[str, int]:
    """Tickets per sender id."""
    database = Database(tickets_url)
    try:
        counts: dict[str, int] = {}
        for record in TicketStore(database).records():
            counts[record.ticket.sender_id] = counts.get(record.ticket.sender_id, 0) + 1
        return counts
    finally:
        database.dispose()


def play(stack: Stack, dialogue: Dialogue) -> Conversation:
    async def alternately() -> Conversation:
        async with client_session(1) as session:
            return await converse(session, RoundRobin(urls(stack)), dialogue)

    return asyncio.run(alternately())


def test_one_conversation_alternating_between_servers_ends_with_one_ticket(
    two_servers: tuple[Stack, str],
) -> None:
    stack, tickets_url = two_servers
    dialogue = RECOVERY_DIALOGUES[0]
    conversation = play(stack, dialogue)

    said = [answer_text(answer) for answer in conversation.answers]
    assert conversation.completed, said
    for server in (0, 1):
        state = stack.tracker(conversation.sender, server)
        assert user_messages(state["events"]) == sent_messages(conversation)
        assert state["slots"]["recovery_path"] == dialogue.recovery_path
        assert state["slots"]["ticket_id"] in said[-1]
    assert tickets_of(tickets_url).get(conversation.sender) == 1


def test_fifty_conversations_at_once_across_both_servers_lose_no_turn(two_servers: tuple[Stack, str]) -> None:
    stack, tickets_url = two_servers
    result = asyncio.run(run_load(urls(stack), RECOVERY_DIALOGUES, users=50, conversations_per_user=1))

    assert len(result.conversations) == 50
    assert [c.sender for c in result.conversations if not c.completed] == []
    tickets = tickets_of(tickets_url)
    for index, conversation in enumerate(result.conversations):
        state = stack.tracker(conversation.sender, index % 2)
        assert user_messages(state["events"]) == sent_messages(conversation), conversation.sender
        assert state["slots"]["recovery_path"] == conversation.dialogue.recovery_path
        assert tickets.get(conversation.sender, 0) == int(conversation.dialogue.opens_ticket)


def test_two_messages_of_one_conversation_at_the_same_moment_are_answered_one_after_the_other(
    two_servers: tuple[Stack, str],
) -> None:
    """The shared lock: without it both servers would change the conversation at once."""
    stack, _ = two_servers
    sender = uuid.uuid4().hex
    first, second = "I got a new phone and my hotmail asks for the authenticator code", "yes"

    async def both_at_once() -> None:
        async with client_session(2) as session:
            await asyncio.gather(
                say(session, stack.url(0), sender, first), say(session, stack.url(1), sender, second)
            )

    asyncio.run(both_at_once())
    events = stack.tracker(sender)["events"]
    assert sorted(user_messages(events)) == sorted([first, second])
    # each message is read and answered, and the bot listens again, before the next one is read
    kinds = [event["event"] if event["event"] == "user" else event.get("name") for event in events]
    later = [i for i, kind in enumerate(kinds) if kind == "user"][1]
    assert kinds[later - 1] == "action_listen", kinds
    assert kinds[-1] == "action_listen", kinds


def test_one_message_sent_to_both_servers_at_once_with_its_id_is_handled_once_and_answered_twice(
    two_servers: tuple[Stack, str],
) -> None:
    """A resend reaching the other server while the first one still answers (issue 15)."""
    stack, _ = two_servers
    sender, message = uuid.uuid4().hex, "I got a new phone and my hotmail asks for the authenticator code"
    metadata = {"message_id": str(uuid.uuid4())}

    async def both_at_once() -> list[list[dict[str, Any]]]:
        async with client_session(2) as session:
            answers = await asyncio.gather(
                *(say(session, stack.url(server), sender, message, metadata) for server in (0, 1))
            )
        return [replies for replies, _ in answers]

    first, other = asyncio.run(both_at_once())
    assert first and [m.get("text") for m in other] == [m.get("text") for m in first]
    assert user_messages(stack.tracker(sender)["events"]) == [message]
