"""The only replacements of Rasa functions this project makes, checked before they are made.

Rasa 3.6 offers no extension point for these six, so they stay patches:

- `RemoteAction.run` notes a custom action that failed (action server down, an error in it)
  for the message guard's apology (Rasa's processor logs the failure and goes on as if the
  action had returned nothing, `MessageProcessor._run_action`); after the first failure, the
  other custom actions of that message are skipped instead of trying the server again;
- `FailSafeTrackerStore.on_tracker_store_retrieve_error` raises instead of answering a failed
  read with "no conversation" (the person would be greeted as someone new in the middle of
  their recovery); the guard apologises and the person sends the message again;
- `RemoteAction._validate_action_result` checks the action server's answer with a validator
  built once instead of once per call (about 30 ms per call; RasaHQ/rasa#11717), each event
  against its own type's part of the schema (2 ms less per call; the same verdicts);
- `EndpointConfig.request` sends through one pooled, kept-alive session per endpoint instead of
  a new connection per call to the action server (rasa_addons/action_client.py);
- `MessageProcessor.handle_message` first offers the message to the registered interceptors
  (`intercept_messages`): the live handoff (rasa_addons/handoff_relay.py) takes the messages of
  a conversation an agent holds, and rasa_addons/channels/resent.py answers a resent message
  from the tracker, inside the conversation's lock and after the message guard;
- `DaskGraphRunner.run` runs the model's nodes in an order planned once, without dask
  (rasa_addons/graph_runner.py).

Contract: `apply()` is idempotent and is called by Rasa's own loading of configured classes
(every input channel of credentials.yml, rasa_addons.channels.guarded; the tracker store of
endpoints.yml, rasa_addons.stores), so `rasa run`, `rasa shell` and `python -m rasa_addons`
all get them. Before replacing anything it checks the installed Rasa version and each
target's signature (and that Rasa still calls the hook the patch relies on); when they differ
it raises IncompatibleRasa, and Rasa does not start. tests/rasa_addons/test_patches.py pins
the targets. Another module that must patch Rasa adds a `Patch` to PATCHES here.

Over 300 lines: every replacement of Rasa and the checks that guard them stay in one file, so
one look shows all that an upgrade of Rasa must re-check; a replacement longer than a few lines
lives in its own module (action_client.py, graph_runner.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NoReturn

import rasa
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from rasa_addons.action_client import pooled_request
from rasa_addons.graph_runner import sequential_run

RASA_VERSION = "3.6.21"  # the version whose internals every patch below was written against


class IncompatibleRasa(RuntimeError):
    """A patch target changed: the protection it carries would be lost, so Rasa must not start.

    Deliberately not an ImportError or AttributeError, which Rasa's loader of custom stores
    would swallow (falling back to an in-memory store).
    """


@dataclass(frozen=True)
class Patch:
    """Replaces `owner.attribute` with `replacement(original)` when `owner` is as expected."""

    owner: type
    attribute: str
    parameters: tuple[str, ...]  # the signature the replacement was written for
    replacement: Callable[[Any], Any]
    why: str
    relies_on: tuple[Callable[..., Any], str] | None = None  # (caller, text its source must hold)

    @property
    def target(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.attribute}"

    def original(self) -> Any:
        current = inspect.getattr_static(self.owner, self.attribute, None)
        return getattr(current, "__wrapped__", current)

    def problem(self) -> str | None:
        """Why this patch cannot be applied safely, or None."""
        original = self.original()
        if original is None:
            return f"{self.target} no longer exists"
        found = tuple(inspect.signature(original).parameters)
        if found != self.parameters:
            return f"{self.target} takes {found}, the patch was written for {self.parameters}"
        if self.relies_on is not None:
            caller, text = self.relies_on
            if text not in inspect.getsource(caller):
                return f"{caller.__qualname__} no longer does `{text}`, which patching {self.target} needs"
        return None

    def apply(self) -> None:
        current = inspect.getattr_static(self.owner, self.attribute)
        if getattr(current, "__patched_by__", None) is self:
            return
        replacement = self.replacement(self.original())
        replacement.__patched_by__ = self
        replacement.__wrapped__ = self.original()
        setattr(self.owner, self.attribute, replacement)


# --- custom actions that fail are noted for the guard's apology -------------------------------

_FAILED: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


@contextmanager
def noting_action_failures() -> Iterator[list[str]]:
    """The names of the custom actions that failed inside the block (the message guard's)."""
    failed: list[str] = []
    token = _FAILED.set(failed)
    try:
        yield failed
    finally:
        _FAILED.reset(token)


def _noting_failures(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
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

    return functools.wraps(run)(noted_run)


# --- a failed tracker read is an error, not a new conversation ------------------------------


def _raising(_: Callable[..., Any]) -> Callable[[FailSafeTrackerStore, Exception], NoReturn]:
    def raise_retrieve_error(store: FailSafeTrackerStore, error: Exception) -> NoReturn:
        raise error

    return raise_retrieve_error


# --- the action server's answers checked with a validator built once ------------------------


@functools.cache
def _action_result_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@functools.cache
def _event_validators() -> dict[str, Validator]:
    """A validator per event type: the schema of an event with only its type's branch.

    The schema says an event must match exactly one of 23 branches (`oneOf`), one per event
    type, each fixing `event` to its type's name: checking all of them for each event was
    nearly all of the 2 ms a check took. An event matching its own type's branch (and the
    common part) matches no other, so checking that branch alone gives the same verdict.
    """
    schema = RemoteAction.action_response_format_spec()
    items = schema["properties"]["events"]["items"]
    common = {key: value for key, value in items.items() if key != "oneOf"}
    validator_class = validator_for(schema)
    return {
        branch["properties"]["event"]["const"]: validator_class({"allOf": [common, branch]})
        for branch in items["oneOf"]
    }


def _valid_at_once(result: Any) -> bool:
    """True when `result` is certainly valid, checking each event against its type only."""
    if not isinstance(result, dict) or not isinstance(events := result.get("events", []), list):
        return False
    validators = _event_validators()
    for event in events:
        validator = validators.get(str(event.get("event"))) if isinstance(event, dict) else None
        if validator is None or not validator.is_valid(event):
            return False
    return bool(_action_result_validator().is_valid({**result, "events": []}))


def _validated_once(_: Callable[..., Any]) -> Callable[[RemoteAction, dict[str, Any]], bool]:
    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        """RemoteAction._validate_action_result with the validators built once (same errors)."""
        if _valid_at_once(result):
            return True
        error = best_match(_action_result_validator().iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    return validate_action_result


# --- messages a support agent holds never reach the bot ---------------------------------------

MessageInterceptor = Callable[[MessageProcessor, UserMessage], Awaitable[bool]]
_INTERCEPTORS: list[MessageInterceptor] = []


def intercept_messages(interceptor: MessageInterceptor, first: bool = False) -> None:
    """From now on `interceptor` sees each message before the bot (`first`: before the other
    interceptors too); True means it took it."""
    if interceptor not in _INTERCEPTORS:
        _INTERCEPTORS.insert(0 if first else len(_INTERCEPTORS), interceptor)


def _intercepting(handle_message: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def handle_message_unless_taken(
        processor: MessageProcessor, message: UserMessage
    ) -> list[dict[str, Any]] | None:
        for interceptor in _INTERCEPTORS:
            if await interceptor(processor, message):
                return [] if isinstance(message.output_channel, CollectingOutputChannel) else None
        result: list[dict[str, Any]] | None = await handle_message(processor, message)
        return result

    return functools.wraps(handle_message)(handle_message_unless_taken)


PATCHES = (
    Patch(
        RemoteAction,
        "run",
        ("self", "output_channel", "nlg", "tracker", "domain"),
        _noting_failures,
        "a failed custom action gets an apology instead of silence",
        relies_on=(MessageProcessor._run_action, "except Exception:"),
    ),
    Patch(
        FailSafeTrackerStore,
        "on_tracker_store_retrieve_error",
        ("self", "error"),
        _raising,
        "a failed tracker read gets an apology instead of a fresh conversation",
        relies_on=(FailSafeTrackerStore.retrieve, "self.on_tracker_store_retrieve_error(e)"),
    ),
    Patch(
        RemoteAction,
        "_validate_action_result",
        ("self", "result"),
        _validated_once,
        "the action server's answers are validated without rebuilding the schema validator",
        relies_on=(RemoteAction.run, "self._validate_action_result("),
    ),
    Patch(
        EndpointConfig,
        "request",
        ("self", "method", "subpath", "content_type", "compress", "kwargs"),
        lambda _: pooled_request,
        "calls to the action server reuse kept-alive connections",
        relies_on=(RemoteAction.run, "await self.action_endpoint.request("),
    ),
    Patch(
        MessageProcessor,
        "handle_message",
        ("self", "message"),
        _intercepting,
        "a conversation held by a support agent gets the agent, not the bot",
        relies_on=(Agent.handle_message, "self.processor.handle_message("),
    ),
    Patch(
        DaskGraphRunner,
        "run",
        ("self", "inputs", "targets"),
        sequential_run,
        "the model's graph runs without dask's per-run planning",
        relies_on=(DaskGraphRunner.run, "dask.get(run_graph, run_targets)"),
    ),
)


def problems(patches: tuple[Patch, ...] = PATCHES) -> list[str]:
    """Everything that stops the patches from being applied safely (empty: all is well)."""
    found = [] if rasa.__version__ == RASA_VERSION else [f"Rasa {rasa.__version__} is installed"]
    return found + [problem for patch in patches if (problem := patch.problem())]


def apply(patches: tuple[Patch, ...] = PATCHES) -> None:
    """Applies every patch, or raises IncompatibleRasa (naming each problem) and applies none."""
    found = problems(patches)
    if found:
        raise IncompatibleRasa(
            f"rasa_addons.patches was written for Rasa {RASA_VERSION}; refusing to start without its "
            f"protections: {'; '.join(found)}. Check each patch against the new Rasa and update "
            "RASA_VERSION and the signatures in rasa_addons/patches.py (docs/reliability.md)."
        )
    for patch in patches:
        patch.apply()
