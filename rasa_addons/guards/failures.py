"""Custom actions that fail while a message is handled are noted, so the person hears about it.

Rasa logs a failed custom action (action server down, or an error in it) and goes on as if it
had returned nothing: on the REST channel the person gets an empty answer, elsewhere silence.
`noting_action_failures()` collects the failures of the message being handled; after the first,
the other custom actions of that message are skipped instead of trying the server again.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.exceptions import RasaException

_FAILED: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


@contextmanager
def noting_action_failures() -> Iterator[list[str]]:
    """The names of the custom actions that failed inside the block."""
    failed: list[str] = []
    token = _FAILED.set(failed)
    try:
        yield failed
    finally:
        _FAILED.reset(token)


def _noting(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(run)
    async def noted_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        failed = _FAILED.get()
        if failed:
            raise RasaException(f"skipped custom action '{self.name()}': {failed[0]} failed before it")
        try:
            return await run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # a form declining a slot: part of the conversation, not a failure
        except RasaException:
            if failed is not None:
                failed.append(self.name())
            raise

    return noted_run


def install() -> None:
    if not hasattr(RemoteAction.run, "__wrapped__"):
        RemoteAction.run = _noting(RemoteAction.run)
