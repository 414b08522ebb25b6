"""The protections hold when Rasa is started the way its docs and Helm chart do: plain `rasa run`.

One action server and two Rasa servers, each started as `python -m rasa run` with only the
environment endpoints.yml names (no launcher), sharing PostgreSQL (conversations) and Redis
(locks and limits). A pasted recovery code is masked in the tracker, an oversized message is
refused, and the two servers enforce one limit per conversation, not one each.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from rasa_addons.guards.messages import Replies
from tools.databases import REDIS_URL, throwaway_postgres
from tools.stack import DEFAULT_MODEL, Stack, free_port, isolated_settings

pytestmark = pytest.mark.servers

PER_SENDER = 6  # RATE_LIMIT_PER_SENDER for this stack: small, so the test stays short
REPLIES = Replies.load()
CODE = "7KQ4-9XWD-P2MH-3RTL-8VNC"


@pytest.fixture(scope="module")
def plain_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir = tmp_path_factory.mktemp("plain-rasa")
    with throwaway_postgres("plain_tracker") as tracker_url:
        settings = isolated_settings(var_dir, tracker_db_url=tracker_url, lock_store_url=REDIS_URL)
        stack = Stack(
            settings,
            rasa_ports=(free_port(), free_port()),
            extra_env={"RATE_LIMIT_PER_SENDER": str(PER_SENDER), "CLIENT_KEY_SECRET": secrets.token_hex(16)},
            log_dir=var_dir / "logs",
        )
        with stack.running():
            yield stack


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def user_texts(stack: Stack, sender: str, server: int = 0) -> list[str]:
    return [e.get("text") or "" for e in stack.tracker(sender, server)["events"] if e["event"] == "user"]


def test_the_servers_are_plain_rasa_run(plain_rasa: Stack) -> None:
    for name, pid in plain_rasa.pids().items():
        if name.startswith("rasa-"):
            assert command_line(pid)[1:4] == ["-m", "rasa", "run"]


def test_a_pasted_code_is_masked_in_the_tracker_and_an_oversized_message_refused(plain_rasa: Stack) -> None:
    sender = f"plain-{secrets.token_hex(4)}"
    answers = plain_rasa.say(sender, f"I lost my phone, my recovery code is {CODE}")
    assert REPLIES.secret_masked.split("{")[0] in answers[0]["text"]
    oversized = plain_rasa.say(sender, "I lost my phone " + "x" * 5000, server=1)
    assert [a["text"] for a in oversized] == [REPLIES.too_long.format(limit=2000)]
    for server in (0, 1):
        texts = user_texts(plain_rasa, sender, server)
        assert texts and not any(CODE[:9] in t for t in texts), texts
        assert "my recovery code is [recovery code removed]" in texts[0]
        assert not any("x" * 100 in t for t in texts)  # refused before Rasa read or stored it


def test_two_servers_on_redis_count_one_limit_per_conversation(plain_rasa: Stack) -> None:
    sender = f"limit-{secrets.token_hex(4)}"
    slow_down = REPLIES.slow_down.split("{")[0][:30]
    allowed = ["\n".join(a.get("text", "") for a in plain_rasa.say(sender, "hello", server=n % 2))
               for n in range(PER_SENDER)]
    assert not any(slow_down in a for a in allowed)
    for server in (0, 1):  # each server alone would allow PER_SENDER more
        refused = plain_rasa.say(sender, "hello", server=server)
        assert [slow_down in a["text"] for a in refused] == [True]
