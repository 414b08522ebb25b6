"""The SQL tracker store through database trouble: no dead pooled connections, no amnesia.

- Every pooled connection is checked before use (pool_pre_ping), so the first request after a
  database restart or a dropped connection does not fail on a dead connection.
- Rasa's FailSafeTrackerStore answers a failed read with "no conversation", and the person
  would be greeted as someone new in the middle of their recovery. A failed read raises
  instead; the message guard then apologises and the person sends the message again.
"""

from __future__ import annotations

import functools
from typing import Any, NoReturn

import rasa.core.tracker_store
from rasa.core.tracker_store import FailSafeTrackerStore


def _with_pre_ping(create_engine_kwargs: Any) -> Any:
    @functools.wraps(create_engine_kwargs)
    def with_pre_ping(url: Any) -> dict[str, Any]:
        return {**create_engine_kwargs(url), "pool_pre_ping": True}

    return with_pre_ping


def _raise(store: FailSafeTrackerStore, error: Exception) -> NoReturn:
    raise error


def install() -> None:
    kwargs = rasa.core.tracker_store.create_engine_kwargs
    if not hasattr(kwargs, "__wrapped__"):
        rasa.core.tracker_store.create_engine_kwargs = _with_pre_ping(kwargs)
    FailSafeTrackerStore.on_tracker_store_retrieve_error = _raise
