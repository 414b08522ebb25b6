"""A message the client sends again is answered from the tracker, not handled a second time.

A client that got no answer (the connection dropped, the server it reached was killed, a
timeout) cannot know whether its message was handled: the server may have saved the turn,
even opened a ticket, and died before replying. Handled again, the message would move the
conversation one step too far. So the REST channel and the widget let the client give each
message an id, `metadata.message_id` (a UUID; the same id when it sends that message again).
The message guard keeps a valid id out of secret masking and drops an invalid one; REST
refuses an invalid one with 400 (rest.py).

`answer_if_resent` runs inside the conversation's lock, before the bot (an interceptor of
rasa_addons.patches): when the conversation's tracker already holds a user message with that
id, it sends the bot messages that followed it (what the client never received) through the
message's own output channel, in that channel's usual format, and the message is not handled
again. The lock matters: a resend that reaches another server while the first one is still
handling the message waits for it, then finds the turn saved. Only the current session of the
tracker is searched; a resend comes seconds after the first send.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event, UserUttered

from rasa_addons import patches

logger = logging.getLogger(__name__)

MESSAGE_ID_KEY = "message_id"
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MESSAGE_ID_RULE = '8 to 64 letters, digits, "-" or "_" (a UUID, new for each message)'


def valid_message_id(value: Any) -> str | None:
    """`value` when it is a message id a client may send, else None."""
    return value if isinstance(value, str) and MESSAGE_ID.match(value) else None


def message_id_of(message: UserMessage) -> str | None:
    """The client's id of `message`, when it gave a valid one."""
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    return valid_message_id(metadata.get(MESSAGE_ID_KEY))


def replies_after(events: Iterable[Event], message_id: str) -> list[dict[str, Any]] | None:
    """The bot messages that answered the user message `message_id`, or None when no user
    message has that id."""
    replies: list[dict[str, Any]] | None = None
    for event in events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if (event.metadata or {}).get(MESSAGE_ID_KEY) == message_id:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            replies.append(event.message())
    return replies


async def answer_if_resent(processor: MessageProcessor, message: UserMessage) -> bool:
    """Answers a message already handled with its earlier replies; True when it did."""
    message_id = message_id_of(message)
    if message_id is None:
        return False
    tracker = await processor.tracker_store.retrieve(message.sender_id)
    replies = replies_after(tracker.events, message_id) if tracker else None
    if replies is None:
        return False
    logger.info("a resent message (%s): %d earlier replies sent again", message.input_channel, len(replies))
    for reply in replies:
        await message.output_channel.send_response(message.sender_id, reply)
    return True


def install() -> None:
    """From now on a resent message is answered from the tracker (before any other interceptor)."""
    patches.intercept_messages(answer_if_resent, first=True)
