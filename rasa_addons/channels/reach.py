"""Reaching a person without being asked: agent replies, notices and reminders go out here.

A channel answers a message through the output channel it made for it; a handoff has to
write later, from another request (a helpdesk webhook) or a timer. So every message's way
back is kept as a small address (`address_of`, stored with the handoff) and turned into an
output channel again when needed (`Reach.output`). The widget's socket.io server registers
itself (`serve_socketio`): only the Rasa server a socket is connected to can emit to it.
REST conversations have no way back and are not offered a live handoff.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOOutput

from bot.settings import SlackSettings, TeamsSettings
from rasa_addons.channels.slack import SlackOutput, slack_client
from rasa_addons.channels.teams import BotConnector, TeamsOutput

logger = logging.getLogger(__name__)

ACTIVITY_FIELDS = ("serviceUrl", "conversation", "from", "recipient", "id", "channelId")
REACHABLE = ("socketio", "slack", "botframework")


def address_of(message: UserMessage) -> dict[str, Any] | None:
    """How to write to this message's person later; None when its channel cannot."""
    output = message.output_channel
    if isinstance(output, SocketIOOutput):
        return {}  # the socket.io room is the conversation id itself
    if isinstance(output, SlackOutput):
        return {"channel": output.channel}
    if isinstance(output, TeamsOutput):
        return {"activity": {key: output.activity.get(key) for key in ACTIVITY_FIELDS}}
    return None


@dataclass
class _SocketServer:
    sio: Any
    bot_message_evt: str
    namespace: str | None


@dataclass
class Reach:
    """Output channels for stored addresses, in this Rasa server."""

    socket: _SocketServer | None = None
    _teams: BotConnector | None = field(default=None, init=False)

    @cached_property
    def _slack(self) -> Any:
        return slack_client(SlackSettings.from_env())

    def _connector(self) -> BotConnector:
        if self._teams is None:
            self._teams = BotConnector(TeamsSettings.from_env())
        return self._teams

    def connected_here(self, channel: str, sender_id: str) -> bool:
        """False for a widget whose socket is on another server (or closed)."""
        if channel != "socketio":
            return channel in REACHABLE
        if self.socket is None:
            return False
        participants = self.socket.sio.manager.get_participants(self.socket.namespace or "/", sender_id)
        return any(True for _ in participants)

    def output(self, channel: str, address: Mapping[str, Any]) -> OutputChannel | None:
        if channel == "socketio" and self.socket is not None:
            return SocketIOOutput(self.socket.sio, self.socket.bot_message_evt)
        if channel == "slack" and address.get("channel"):
            return SlackOutput(self._slack, str(address["channel"]))
        if channel == "botframework" and address.get("activity"):
            return TeamsOutput(self._connector(), dict(address["activity"]))
        return None

    async def send(
        self, channel: str, sender_id: str, address: Mapping[str, Any], text: str, metadata: dict[str, Any]
    ) -> bool:
        """Sends `text`; the widget also gets `metadata` (e.g. who from the support team wrote)."""
        if channel == "socketio":
            if self.socket is None or not self.connected_here(channel, sender_id):
                return False
            body = {"text": text, "metadata": metadata}
            await self.socket.sio.emit(
                self.socket.bot_message_evt, body, room=sender_id, namespace=self.socket.namespace
            )
            return True
        output = self.output(channel, address)
        if output is None:
            return False
        await output.send_text_message(sender_id, text)
        return True


REACH = Reach()


def serve_socketio(sio: Any, bot_message_evt: str, namespace: str | None) -> None:
    """The widget's socket.io server, so handoffs can write to its rooms."""
    REACH.socket = _SocketServer(sio, bot_message_evt, namespace)
