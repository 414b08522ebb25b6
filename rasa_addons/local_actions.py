"""The custom actions run inside the Rasa process: `ACTION_SERVER_URL=in-process`.

Rasa 3.6 sends every custom action call over HTTP to an action server: the whole tracker and
the domain JSON-encoded, a round trip, the answer decoded and checked. With ACTION_SERVER_URL
set to `in-process`, the action endpoint's requests (EndpointConfig.request, already replaced
by rasa_addons.action_client) go instead to rasa_sdk's own ActionExecutor, with the `actions`
package registered, in this process and on this event loop. The answer is what the action
server would have sent, and its failures reach Rasa as the same HTTP errors: 400 for a form
rejecting a slot (Rasa's ActionExecutionRejection), 404 for an unknown action, 500 for an
action that raised (Rasa's "failed custom action", which the message guard apologises for).

The action server's start-up duties move with the actions: when Rasa loads the tracker store
(start_if_in_process), the ticket database is upgraded to the newest migration (a second server
doing the same at the same moment is fine: the schema is checked again after a failed upgrade;
an unreachable database is tried again at each action call) and, with a helpdesk configured,
the forwarding loop starts in a background thread of this process. An action
server stays possible: any http(s) URL in ACTION_SERVER_URL is called as before
(docs/benchmarks.md has what each costs, measured).

Actions run on Rasa's event loop, so the rule of actions/__init__.py matters twice here: any
database, helpdesk or Redis call goes through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import inspect
import json
import logging
import pkgutil
import threading
from typing import Any

import ujson
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import ClientResponseError
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from bot.jsonlogs import CONVERSATION_ID
from bot.settings import Settings
from bot.tickets import DatabaseError

logger = logging.getLogger(__name__)

ACTIONS_PACKAGE = "actions"


_executor: ActionExecutor | None = None
_desk_started = False
_starting = threading.Lock()


def _executor_here() -> ActionExecutor:
    """rasa_sdk's executor with every action of the `actions` package, as the action server has.

    The modules are imported by their full names: rasa_sdk's own register_package walks the
    package with bare module names, which picks up any top-level module of the same name
    (`tickets`) elsewhere on sys.path.
    """
    global _executor
    if _executor is None:
        package = importlib.import_module(ACTIONS_PACKAGE)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{ACTIONS_PACKAGE}."):
            if module.name != f"{ACTIONS_PACKAGE}.__main__":
                importlib.import_module(module.name)
        executor = ActionExecutor()
        for action in all_subclasses(Action):
            if action.__module__.startswith(f"{ACTIONS_PACKAGE}.") and not inspect.isabstract(action):
                executor.register_action(action)
        logger.info("custom actions run in this process (%d actions)", len(executor.actions))
        _executor = executor
    return _executor


def _start_ticket_desk() -> None:
    """What the action server does before serving: the ticket schema, then forwarding.

    Tried again at the next call while the ticket database is unreachable; meanwhile the
    ticket actions answer with their own "couldn't save your ticket", the others run.
    """
    global _desk_started
    from actions.tickets import start_forwarding, ticket_desk

    with _starting:
        if _desk_started:
            return
        desk = ticket_desk()
        try:
            try:
                desk.upgrade()
            except DatabaseError:
                desk.check_schema()  # another server may have upgraded it at the same moment
        except DatabaseError as error:
            logger.warning("ticket database not ready; trying again at the next action (%s)", error)
            return
        _desk_started = True
        start_forwarding()


def _isolated(call: dict[str, Any]) -> dict[str, Any]:
    """The call as the action server would read it: nothing an action changes reaches Rasa.

    The tracker's state shares dicts with Rasa's events: a JSON copy, with ujson (Rasa's own
    dependency: 0.44 ms for a 38 KB tracker state against 1.17 ms with json, which is itself
    twice as fast as copy.deepcopy). The domain is Rasa's own dict (Domain.as_dict), the same for every call:
    copied once per domain (a new model brings a new one), shared by the actions.
    """
    isolated = dict(call, tracker=ujson.loads(ujson.dumps(call.get("tracker", {}))))
    if "domain" in call:
        isolated["domain"] = _domain_copy(call["domain"])
    return isolated


_domain_copies: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}


def _domain_copy(domain: dict[str, Any]) -> dict[str, Any]:
    cached = _domain_copies.get(id(domain))
    if cached is None or cached[0] is not domain:
        _domain_copies.clear()  # the previous model's domain, if any
        cached = _domain_copies[id(domain)] = (domain, copy.deepcopy(domain))
    return cached[1]


def start_if_in_process() -> None:
    """At start-up, with ACTION_SERVER_URL=in-process: the ticket schema, forwarding, the actions.

    The Rasa process reads the ticket database itself (the live handoff), so its schema must be
    current before the first message, as the action server makes it before serving; loading the
    actions here (the playbook, their imports) keeps that second off the first answer. Called by
    the tracker store endpoints.yml names, which every Rasa command loads (rasa_addons.stores).
    """
    if Settings.from_env().actions_in_process:
        _start_ticket_desk()
        _executor_here()


def _named(error: ActionExecutionRejection | ActionNotFoundException) -> dict[str, Any]:
    return {"error": error.message, "action_name": error.action_name}


def _failure(status: int, reason: str, body: dict[str, Any]) -> ClientResponseError:
    return ClientResponseError(status, reason, json.dumps(body))


async def run_action(call: dict[str, Any]) -> dict[str, Any] | None:
    """rasa_sdk's webhook for one action call, without HTTP: its answer or its error status."""
    if not _desk_started:
        await asyncio.to_thread(_start_ticket_desk)
    executor = _executor_here()
    sender = call.get("sender_id")
    if isinstance(sender, str):
        CONVERSATION_ID.set(sender)
    call = _isolated(call)
    try:
        result: dict[str, Any] | None = await executor.run(call)
    except ActionExecutionRejection as error:
        raise _failure(400, "Bad Request", _named(error)) from error
    except ActionNotFoundException as error:
        logger.error(error)
        raise _failure(404, "Not Found", _named(error)) from error
    except Exception as error:
        logger.exception("custom action %s failed", call.get("next_action"))
        raise _failure(500, "Internal Server Error", {"error": type(error).__name__}) from error
    return result
