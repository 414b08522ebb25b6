"""GuardedChannel: the input channel mixin that puts every message behind the message guard.

Rasa loads the channels credentials.yml names and calls each one's `blueprint(on_new_message)`
with the callable that hands a message to the agent (rasa.core.channels.channel.register).
GuardedChannel.blueprint wraps that callable with the process's MessageGuard and passes the
guarded one to `guarded_blueprint`, which a channel overrides to build its routes (or inherits,
to use its Rasa base class's routes). It also makes the server's other protections ready
before the first message: log masking and rasa_addons.patches. Every way of starting Rasa
with this project's credentials.yml (`rasa run`, `rasa shell`, `python -m rasa_addons run`)
loads them; tests/rasa_addons/test_guarded_channels.py checks that every configured channel
is a GuardedChannel that does not replace `blueprint`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint

from bot.redaction_logs import install_log_masking
from rasa_addons import patches
from rasa_addons.guards.messages import MessageGuard, OnNewMessage, guarded


@cache
def message_guard() -> MessageGuard:
    """The process's guard: one set of limits for all its channels."""
    return MessageGuard.from_env()


def prepare_server() -> None:
    """The protections that are not per message: log masking and the checked Rasa patches."""
    install_log_masking()
    patches.apply()


class GuardedChannel(InputChannel):
    """Put first among a channel's bases; override `guarded_blueprint`, never `blueprint`."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        prepare_server()
        already = getattr(on_new_message, "__guarded__", False)
        return self.guarded_blueprint(on_new_message if already else guarded(on_new_message, message_guard()))

    def guarded_blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The channel's routes; they hand messages to `on_new_message`, which is guarded."""
        blueprint: Blueprint = super().blueprint(on_new_message)
        return blueprint


def is_guarded(channel: Any) -> bool:
    """Whether `channel` is a GuardedChannel that keeps GuardedChannel's `blueprint`."""
    return isinstance(channel, GuardedChannel) and type(channel).blueprint is GuardedChannel.blueprint
