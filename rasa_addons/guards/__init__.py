"""Hardening of the Rasa server, installed by `python -m rasa_addons` before Rasa starts.

- messages.py: every channel's message is rate limited, size checked and has its secrets
  masked before Rasa parses, stores or logs it; failures get an apology, not silence;
- failures.py: notes custom actions that fail (action server down) for that apology;
- bot.redaction_logs: no log line carries a secret, an email address or a phone number;
- the SQL tracker store checks a pooled connection before using it (pool_pre_ping), so the
  first request after a database restart does not fail on a dead connection.
The REST channel (rasa_addons/channels/rest.py) adds the body size limit and input checks.
"""

from __future__ import annotations

import functools
from typing import Any

import rasa.core.tracker_store

from bot.redaction_logs import install_log_masking
from bot.settings import GuardSettings
from rasa_addons.guards import failures, messages


def _pre_ping(create_engine_kwargs: Any) -> Any:
    @functools.wraps(create_engine_kwargs)
    def with_pre_ping(url: Any) -> dict[str, Any]:
        return {**create_engine_kwargs(url), "pool_pre_ping": True}

    return with_pre_ping


def install(settings: GuardSettings) -> None:
    install_log_masking()
    messages.install(settings)
    failures.install()
    kwargs = rasa.core.tracker_store.create_engine_kwargs
    if not hasattr(kwargs, "__wrapped__"):
        rasa.core.tracker_store.create_engine_kwargs = _pre_ping(kwargs)
