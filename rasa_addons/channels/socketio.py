"""Rasa's socket.io channel with session persistence that works with python-socketio 5.10+.

Rasa 3.6 calls `AsyncServer.enter_room` without awaiting it, but python-socketio 5.x made it
a coroutine (5.18 is installed with Rasa here): the socket never joins its session's room, so
with `session_persistence: true` no bot answer reaches the page. This channel replaces only
the `session_request` handler: it awaits `enter_room`, and accepts a session id only when it
looks like one the widget makes (128 random bits as hex); anything else gets a fresh random
id, which `session_confirm` tells the client. Each message is handled with its client's
address known to the message guard (rasa_addons/guards), for the per-address rate limit; a
message the widget sends again with its `metadata.message_id` gets its first answers (resent.py).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.settings import GuardSettings
from rasa_addons.channels import resent
from rasa_addons.channels.reach import serve_socketio
from rasa_addons.guards.channel import GuardedChannel
from rasa_addons.guards.client import CLIENT_ADDRESS, address_of

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def accepted_session_id(requested: Any) -> str:
    """The requested session id when it is unguessable enough, else a fresh one."""
    if isinstance(requested, str) and SESSION_ID.match(requested):
        return requested
    return secrets.token_hex(16)


class PersistentSocketIOInput(GuardedChannel, SocketIOInput):
    """Rasa's Socket.IO channel behind the message guard, with session persistence that works."""
    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().guarded_blueprint(on_new_message)
        resent.install()  # the widget's resends (its `metadata.message_id`)
        settings = GuardSettings.from_env()
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint

        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = accepted_session_id((data or {}).get("session_id"))
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("Socket %s joined its conversation.", sid)

        sio.on("session_request", session_request, namespace=self.namespace)

        handle_utterance = sio.handlers[self.namespace or "/"][self.user_message_evt]

        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            request = sio.get_environ(sid, namespace=self.namespace)["sanic.request"]
            CLIENT_ADDRESS.set(address_of(request, settings))
            await handle_utterance(sid, data)

        sio.on(self.user_message_evt, user_uttered, namespace=self.namespace)
        serve_socketio(sio, self.bot_message_evt, self.namespace)  # agent replies (docs/handoff.md)
        return blueprint
