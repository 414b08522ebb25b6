"""Who may see the dashboard, and what readiness says when a store is down (no server needed)."""

from __future__ import annotations

import asyncio
import base64
import json
from types import SimpleNamespace
from typing import Any

import redis
from sqlalchemy import create_engine

from bot.settings import OperationsSettings, replace
from rasa_addons.channels.operations import StaffOperations, _ready
from tools.stack import free_port

OFF = OperationsSettings(
    staff_token="", staff_user="", staff_password="", report_idle_minutes=30, log_format="text"
)


def request(authorization: str | None = None) -> Any:
    return SimpleNamespace(headers={"Authorization": authorization} if authorization else {})


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_without_credentials_configured_the_dashboard_is_off_for_everyone() -> None:
    channel = StaffOperations(OFF)
    for attempt in (None, basic("", ""), "Bearer ", "Bearer anything"):
        refusal = channel._refusal(request(attempt))
        assert refusal is not None and refusal.status == 403
        assert "STAFF_DASHBOARD_TOKEN" in json.loads(refusal.body)["error"]


def test_a_user_without_a_password_does_not_turn_it_on() -> None:
    assert (
        StaffOperations(replace(OFF, staff_user="staff"))._refusal(request(basic("staff", ""))).status == 403
    )


def test_basic_auth_and_token() -> None:
    channel = StaffOperations(replace(OFF, staff_user="staff", staff_password="s3cret", staff_token="t" * 32))
    assert channel._refusal(request(basic("staff", "s3cret"))) is None
    assert channel._refusal(request("Bearer " + "t" * 32)) is None
    for wrong in (basic("staff", "guess"), basic("admin", "s3cret"), "Bearer " + "t" * 31, "Basic %%%", None):
        refusal = channel._refusal(request(wrong))
        assert refusal is not None and refusal.status == 401
        assert refusal.headers["WWW-Authenticate"].startswith("Basic ")


def test_readiness_fails_when_the_tracker_store_or_lock_store_is_down() -> None:
    dead_port = free_port()
    agent = SimpleNamespace(
        is_ready=lambda: True,
        tracker_store=SimpleNamespace(
            engine=create_engine(f"postgresql://postgres@127.0.0.1:{dead_port}/x", future=True)
        ),
        lock_store=SimpleNamespace(store=SimpleNamespace(red=redis.Redis(port=dead_port, socket_timeout=1))),
    )
    answer = asyncio.run(_ready(SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))))
    assert answer.status == 503
    checks = json.loads(answer.body)["checks"]
    assert checks["model"] == "loaded"
    assert checks["tracker_store"].startswith("failing: OperationalError")
    assert checks["lock_store"].startswith("failing: ConnectionError")
