"""A slow ticket database holds up only the conversation waiting for it (actions/__init__.py).

The real action server runs on a SQLite ticket database that another process keeps locked
(as the staff CLI or the forwarding thread may): one conversation's status look-up waits for
the lock, and meanwhile another conversation's action is answered at once.
"""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tools.stack import Stack, isolated_settings

pytestmark = pytest.mark.servers

LOCK_SECONDS = 4.0


def call(url: str, action: str, sender: str, **slots: Any) -> tuple[float, list[dict[str, Any]]]:
    """Posts one action call as Rasa does; the seconds it took and the responses."""
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": {"text": "", "intent": {}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    started = time.monotonic()
    answer = requests.post(
        url, json={"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}}, timeout=60
    )
    answer.raise_for_status()
    return time.monotonic() - started, answer.json()["responses"]


def held_up(settings: Any, action: str, sender: str, **slots: Any) -> tuple[float, float, list[Any]]:
    """`action` called while another process holds the ticket database's write lock, and meanwhile
    another conversation's call: the seconds each took, and the held-up call's responses."""
    url = settings.action_server_url
    held = sqlite3.connect(
        str(Path(settings.tickets_db_url.removeprefix("sqlite:///"))), isolation_level=None
    )
    held.execute("BEGIN IMMEDIATE")  # what a long write elsewhere does
    try:
        with ThreadPoolExecutor(2) as pool:
            waiting = pool.submit(call, url, action, sender, **slots)
            time.sleep(0.5)  # the held-up call is now waiting for the lock
            other_seconds, other = call(url, "action_cancel_ticket", "b")
            assert not waiting.done()
            time.sleep(LOCK_SECONDS - 0.5)
            held.execute("COMMIT")
            waited_seconds, responses = waiting.result()
    finally:
        held.close()
    assert [r["response"] for r in other] == ["utter_ticket_cancelled"]
    return other_seconds, waited_seconds, responses


def test_a_locked_database_delays_only_the_conversation_that_needs_it(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path)
    with Stack(settings, rasa_ports=(), log_dir=tmp_path / "logs").running():
        call(settings.action_server_url, "action_ticket_status", "warm-up", lookup_ticket_id="RB-ZZZZZZ")
        other_seconds, waited_seconds, looked_up = held_up(
            settings, "action_ticket_status", "a", lookup_ticket_id="RB-ZZZZZZ"
        )
    assert other_seconds < 1.0, f"the other conversation waited {other_seconds:.1f}s"
    assert waited_seconds >= LOCK_SECONDS - 0.5
    assert [r["response"] for r in looked_up] == ["utter_ticket_not_found"]


def test_the_ticket_forms_last_turn_waits_for_the_database_without_holding_up_others(tmp_path: Path) -> None:
    """The form's last answer opens the ticket and writes the case note for the handoff offer: a
    locked database delays that person only."""
    settings = isolated_settings(tmp_path)
    with Stack(settings, rasa_ports=(), log_dir=tmp_path / "logs").running():
        call(settings.action_server_url, "action_ticket_status", "warm-up", lookup_ticket_id="RB-ZZZZZZ")
        other_seconds, waited_seconds, answered = held_up(
            settings, "validate_ticket_form", "a", contact_email="pat@example.com",
            account_type="personal", lockout_state="fully_locked_out", ticket_description="new phone",
        )  # fmt: skip
    assert other_seconds < 1.0, f"the other conversation waited {other_seconds:.1f}s"
    assert waited_seconds >= LOCK_SECONDS - 0.5
    assert [r["response"] for r in answered] == ["utter_ticket_opened", "utter_handoff_by_email"]
