"""The one place every channel's message passes: limits, secret masking, and no silent failures.

Rasa hands every input channel a callable for its messages (`InputChannel.blueprint(
on_new_message)`); each channel of this project wraps it with `guarded()` (the GuardedChannel
mixin, rasa_addons/guards/channel.py). Before the message is parsed, stored or logged, the guard
  - refuses it with a clear answer when its conversation or its client address is over the
    rate limit, or when it is longer than MESSAGE_MAX_CHARS;
  - strips control characters and masks secrets (bot.redaction) in its text and metadata, and
    tells the person not to share them;
  - replaces any client-sent `client` metadata with a pseudonymous key of the client address
    (the action server's ticket limits read it), and keeps a valid client message id
    (`message_id`, rasa_addons/channels/resent.py) unmasked, dropping an invalid one.
After it is handled, a failure on the way (a custom action, the tracker store) gets a short
apology instead of silence.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import UserMessage

from bot.jsonlogs import CONVERSATION_ID
from bot.metrics import RATE_LIMIT_REFUSALS, channel_label
from bot.ratelimit import RateLimit, limit_storage
from bot.redaction import Redaction, redact, redact_data, secrets_named
from bot.settings import GuardSettings, Settings
from rasa_addons.channels.resent import MESSAGE_ID_KEY, valid_message_id
from rasa_addons.guards.client import CLIENT_ADDRESS, client_key
from rasa_addons.patches import noting_action_failures

logger = logging.getLogger(__name__)

REPLIES_FILE = Path(__file__).with_name("replies.yml")
CLIENT_METADATA_KEY = "client"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Replies:
    """What the guard answers instead of the bot (texts from the replies file)."""
    secret_masked: str
    slow_down: str
    too_long: str
    unavailable: str

    @classmethod
    def load(cls, path: Path = REPLIES_FILE) -> Replies:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(**{name: " ".join(str(text).split()) for name, text in spec.items()})


def clean_text(text: str) -> str:
    """Printable, encodable text: control characters and lone surrogates (PostgreSQL and UTF-8
    refuse them) become spaces and "?"."""
    return _CONTROL.sub(" ", text).encode("utf-8", "replace").decode("utf-8")


def _clean_data(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): _clean_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_data(item) for item in value]
    return value


class MessageGuard:
    """Limits message rates and sizes and masks secrets before a message reaches the bot."""
    def __init__(self, settings: GuardSettings, replies: Replies, redis_url: str = "") -> None:
        self.settings = settings
        self.replies = replies
        storage = limit_storage(redis_url)  # Redis: one count for every server
        self.per_sender = RateLimit(settings.messages_per_sender_per_minute, 60.0, storage, "msg-sender")
        self.per_client = RateLimit(settings.messages_per_client_per_minute, 60.0, storage, "msg-client")

    @classmethod
    def from_env(cls) -> MessageGuard:
        return cls(GuardSettings.from_env(), Replies.load(), Settings.from_env().lock_store_url)

    def _waits(self, message: UserMessage) -> list[float | None]:
        waits = [self.per_sender.hit(f"{message.input_channel}:{message.sender_id}")]
        address = CLIENT_ADDRESS.get()
        if address:
            waits.append(self.per_client.hit(client_key(address)))
        return waits

    async def refusal(self, message: UserMessage) -> str | None:
        """Why the bot will not read `message` (said to the person), or None."""
        # counted in Redis with several servers: a worker thread keeps the event loop free
        remote = self.per_sender.remote
        waits = await asyncio.to_thread(self._waits, message) if remote else self._waits(message)
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            logger.info("rate limit: refused a message on %s", message.input_channel)
            RATE_LIMIT_REFUSALS.labels(channel_label(message.input_channel)).inc()
            return self.replies.slow_down.format(seconds=max(1, math.ceil(wait)))
        if len(message.text or "") > self.settings.message_max_chars:
            return self.replies.too_long.format(limit=self.settings.message_max_chars)
        return None

    def mask(self, message: UserMessage) -> Redaction:
        """Masks secrets in `message` in place; returns what its text held."""
        redaction = redact(clean_text(message.text or ""))
        if message.text is not None:
            message.text = redaction.text
        sent = dict(message.metadata) if isinstance(message.metadata, dict) else {}
        message_id = valid_message_id(sent.pop(MESSAGE_ID_KEY, None))  # an id is no secret: kept as sent
        metadata = redact_data(_clean_data(sent))
        metadata.pop(CLIENT_METADATA_KEY, None)
        if message_id:
            metadata[MESSAGE_ID_KEY] = message_id
        address = CLIENT_ADDRESS.get()
        if address:
            metadata[CLIENT_METADATA_KEY] = client_key(address)
        message.metadata = metadata or None
        return redaction


async def _say(message: UserMessage, text: str) -> None:
    await message.output_channel.send_response(message.sender_id, {"text": text})


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def guarded(on_new_message: OnNewMessage, guard: MessageGuard) -> OnNewMessage:
    """`on_new_message` behind the guard: refused, masked, and apologised for when it fails."""

    @functools.wraps(on_new_message)
    async def guarded_on_new_message(message: UserMessage) -> Any:
        CONVERSATION_ID.set(message.sender_id)  # for this message's log lines, the guard's too
        refusal = await guard.refusal(message)
        if refusal:
            await _say(message, refusal)
            return None
        redaction = guard.mask(message)
        if redaction.masked:
            await _say(message, guard.replies.secret_masked.format(what=secrets_named(redaction.kinds)))
        with noting_action_failures() as failed:
            try:
                return await on_new_message(message)
            except Exception:
                logger.exception("handling a message on %s failed", message.input_channel)
                failed.append("the message handling")
            finally:
                if failed:
                    logger.warning("apologised for a failure: %s", ", ".join(failed))
                    await _say(message, guard.replies.unavailable)
        return None

    guarded_on_new_message.__guarded__ = True  # type: ignore[attr-defined]
    return guarded_on_new_message
