"""The support team's side of the Rasa server: staff dashboard, /metrics and health probes.

credentials.yml lists `rasa_addons.channels.operations.StaffOperations`, so plain `rasa run`
has all of it (docs/operations.md):
    GET /webhooks/staff/              the dashboard (Chart.js, built by `make widget`)
    GET /webhooks/staff/report.json   its figures (?since=7d), as `python -m bot report`
    GET /metrics                      Prometheus metrics of this server (bot/metrics.py)
    GET /health/live                  the process answers (liveness probe)
    GET /health/ready                 model loaded, tracker store and lock store answering
The dashboard needs STAFF_DASHBOARD_TOKEN (Bearer) or STAFF_DASHBOARD_USER and
STAFF_DASHBOARD_PASSWORD (HTTP basic auth); with neither it is off and refuses.

Measuring: when the server has started (and after a new model is loaded) the agent's
`handle_message`, which every channel calls for every message, is wrapped to count the
message by channel, time the answer, and set the conversation id for the JSON log lines.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text

from bot.analytics.conversations import channel_label
from bot.analytics.report import build_report, parse_since
from bot.analytics.sources import reading_engine
from bot.jsonlogs import CONVERSATION_ID, configure_log_format
from bot.metrics import ANSWER_SECONDS, MESSAGES, exposition
from bot.settings import PROJECT_ROOT, Configuration, OperationsSettings, Settings
from rasa_addons.guards.channel import GuardedChannel

logger = logging.getLogger(__name__)

DASHBOARD_PAGE = PROJECT_ROOT / "web" / "src" / "dashboard" / "index.html"
DASHBOARD_BUNDLE = PROJECT_ROOT / "web" / "build" / "dashboard.js"
REALM = "Recovery bot staff"
METRICS_PATH, LIVE_PATH, READY_PATH = "/metrics", "/health/live", "/health/ready"  # deploy/ probes these
_MEASURED = "_recovery_bot_measured"


class StaffOperations(GuardedChannel):
    """A GuardedChannel like every configured channel, though it takes no messages."""

    @classmethod
    def name(cls) -> str:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # The first channel of credentials.yml: every variable is checked here, so that plain
        # `rasa run` stops at start-up on a bad value, naming the variable.
        Configuration.from_env()
        return cls(OperationsSettings.from_env())

    def __init__(self, settings: OperationsSettings) -> None:
        self.settings = settings
        configure_log_format(settings.log_format)
        if not settings.dashboard_on:
            logger.info("The staff dashboard is off: STAFF_DASHBOARD_TOKEN or USER and PASSWORD not set.")

    def guarded_blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        staff = _ServerWideBlueprint("staff_operations", __name__)
        staff.ctx.log_format = self.settings.log_format

        @staff.route("/", methods=["GET"])
        async def dashboard(request: Request) -> HTTPResponse:
            return self._refusal(request) or await _static(DASHBOARD_PAGE, "text/html; charset=utf-8")

        @staff.route("/dashboard.js", methods=["GET"])
        async def bundle(request: Request) -> HTTPResponse:
            refusal = self._refusal(request)
            if refusal:
                return refusal
            if not DASHBOARD_BUNDLE.exists():
                return response.text("The dashboard is not built: run `make widget`.", status=503)
            return await _static(DASHBOARD_BUNDLE, "application/javascript; charset=utf-8")

        @staff.route("/report.json", methods=["GET"])
        async def report(request: Request) -> HTTPResponse:
            refusal = self._refusal(request)
            if refusal:
                return refusal
            try:
                since = parse_since(request.args.get("since", "7d"), datetime.now(timezone.utc))
            except ValueError as error:
                return response.json({"error": str(error)}, status=400)
            figures = await asyncio.get_running_loop().run_in_executor(None, self._figures, since)
            return response.json(figures, headers={"Cache-Control": "no-store"})

        return staff

    def _figures(self, since: datetime) -> dict[str, Any]:
        settings = Settings.from_env()
        events = reading_engine(settings.tracker_db_url)
        tickets = reading_engine(settings.tickets_db_url)
        try:
            if events is None:
                return {"error": "no conversations stored yet"}
            idle = self.settings.report_idle_minutes * 60
            return build_report(events, tickets, since, idle_seconds=idle).as_dict()
        finally:
            for engine in (events, tickets):
                if engine is not None:
                    engine.dispose()

    def _refusal(self, request: Request) -> HTTPResponse | None:
        """None for staff; else why not (off: 403; no or wrong credentials: 401)."""
        settings = self.settings
        if not settings.dashboard_on:
            return response.json(
                {
                    "error": "the staff dashboard is off: set STAFF_DASHBOARD_TOKEN or "
                    "STAFF_DASHBOARD_USER and STAFF_DASHBOARD_PASSWORD"
                },
                status=403,
            )
        scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and settings.staff_token and _same(value.strip(), settings.staff_token):
            return None
        if scheme.lower() == "basic" and settings.staff_user and settings.staff_password:
            user, password = _basic_credentials(value)
            if _same(user, settings.staff_user) & _same(password, settings.staff_password):
                return None
        headers = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if settings.staff_user else {}
        return response.json({"error": "staff only"}, status=401, headers=headers)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _basic_credentials(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


class _ServerWideBlueprint(Blueprint):
    """The channel's blueprint, which also adds the server-wide routes and the measuring.

    Rasa mounts a channel's routes under /webhooks/<name>/; probes and Prometheus expect
    /health/... and /metrics at the root, so they are added to the app when it registers
    this blueprint (before the server starts), with the listener and middleware that keep
    the agent measured.
    """

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        super().register(app, options)  # type: ignore[no-untyped-call]  # Sanic's is unannotated
        if getattr(app.ctx, _MEASURED, False):
            return
        setattr(app.ctx, _MEASURED, True)
        app.add_route(_metrics, METRICS_PATH, methods=["GET"], name="recovery_bot_metrics")
        app.add_route(_live, LIVE_PATH, methods=["GET"], name="recovery_bot_live")
        app.add_route(_ready, READY_PATH, methods=["GET"], name="recovery_bot_ready")
        log_format = self.ctx.log_format

        async def measure_agent(app: Sanic, _: Any) -> None:
            configure_log_format(log_format)  # handlers Rasa or Sanic added while starting
            _measure(getattr(app.ctx, "agent", None))

        async def measure_new_agent(request: Request) -> None:
            _measure(getattr(request.app.ctx, "agent", None))  # PUT /model replaces the agent

        app.register_listener(measure_agent, "after_server_start")
        app.register_middleware(measure_new_agent, "request")


def _measure(agent: Agent | None) -> None:
    """Counts, times and names (for the logs) every message `agent` handles from now on."""
    if agent is None or getattr(agent.handle_message, _MEASURED, False):
        return
    handle_message = agent.handle_message

    @functools.wraps(handle_message)
    async def measured(message: UserMessage) -> Any:
        channel = channel_label(message.input_channel)
        conversation = CONVERSATION_ID.set(message.sender_id)
        started = time.perf_counter()
        try:
            return await handle_message(message)
        finally:
            MESSAGES.labels(channel).inc()
            ANSWER_SECONDS.labels(channel).observe(time.perf_counter() - started)
            CONVERSATION_ID.reset(conversation)

    setattr(measured, _MEASURED, True)
    agent.handle_message = measured


async def _metrics(_: Request) -> HTTPResponse:
    body, content_type = exposition()
    return response.raw(body, content_type=content_type)


async def _live(_: Request) -> HTTPResponse:
    return response.json({"status": "alive"})


async def _ready(request: Request) -> HTTPResponse:
    agent: Agent | None = getattr(request.app.ctx, "agent", None)
    checks = {
        "model": "loaded" if agent is not None and agent.is_ready() else "not loaded",
        "tracker_store": await _check(_ping_tracker_store, agent),
        "lock_store": await _check(_ping_lock_store, agent),
    }
    ready = checks["model"] == "loaded" and all(not v.startswith("failing") for v in checks.values())
    return response.json(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )


async def _check(ping: Callable[[Agent], str], agent: Agent | None) -> str:
    if agent is None:
        return "failing: no agent"
    try:
        return await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, ping, agent), timeout=3
        )
    except Exception as error:  # what failed is the answer, not an error of the probe
        return f"failing: {type(error).__name__}"


def _inner(store: Any, attribute: str) -> Any:
    """The store that does the work, inside Rasa's (and this project's) wrappers."""
    while getattr(store, attribute, None) is not None:
        store = getattr(store, attribute)
    return store


def _ping_tracker_store(agent: Agent) -> str:
    store = _inner(agent.tracker_store, "_tracker_store")
    engine = getattr(store, "engine", None)
    if engine is None:
        return f"ok ({type(store).__name__}, not checked)"
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return f"ok ({engine.dialect.name})"


def _ping_lock_store(agent: Agent) -> str:
    store = _inner(agent.lock_store, "store")
    red = getattr(store, "red", None)
    if red is None:
        return f"ok ({type(store).__name__}, in this process)"
    red.ping()
    return "ok (redis)"


async def _static(path: Any, content_type: str) -> HTTPResponse:
    return await response.file(path, mime_type=content_type, headers={"Cache-Control": "no-store"})
