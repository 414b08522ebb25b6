"""The action server's /metrics and its log lines' conversation id (docs/operations.md).

GET /metrics: paths served and tickets opened (counted where the actions do them) and the
ticket outbox read from the ticket database at each scrape. With ACTION_SERVER_TOKEN set it
needs the same bearer token as every other route (actions/hardening.py).
"""

from __future__ import annotations

import json
from functools import cache

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot.analytics.sources import EMPTY_OUTBOX, OutboxState, read_outbox, reading_engine
from bot.jsonlogs import CONVERSATION_ID
from bot.metrics import OutboxCollector, exposition
from bot.settings import Settings


@cache
def _tickets_engine() -> Engine | None:
    return reading_engine(Settings.from_env().tickets_db_url)


def _outbox() -> OutboxState:
    engine = _tickets_engine()
    return EMPTY_OUTBOX if engine is None else read_outbox(engine)


OUTBOX = OutboxCollector(_outbox)


async def metrics(_: Request) -> HTTPResponse:
    """GET /metrics: the action server's Prometheus figures."""
    body, content_type = exposition([OUTBOX])
    return response.raw(body, content_type=content_type)


async def name_conversation(request: Request) -> None:
    """An action call's sender id becomes the conversation id of its log lines."""
    if request.path != "/webhook":
        return
    try:
        sender = json.loads(request.body or b"{}").get("sender_id")
    except (ValueError, AttributeError):
        return
    if isinstance(sender, str):
        CONVERSATION_ID.set(sender)


def attach_observability(app: Sanic) -> None:
    """Adds /metrics and the conversation id of log lines to the action server."""
    app.add_route(metrics, "/metrics", methods=["GET"], name="recovery_bot_metrics")
    app.register_middleware(name_conversation, "request")
