"""The hardened bot as deployed behind a proxy: one action server protected by a token, two Rasa
servers (PostgreSQL and SQLite tracker stores), a webhook helpdesk that records what it gets.

Every server logs at DEBUG into its own file, so the secret search reads the most talkative logs.
TRUSTED_PROXY_HEADER=X-Forwarded-For makes the servers read the client address from that header, which lets
the tests play many clients (and one busy client) from this machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from secure_stack import ACTION_TOKEN, RecordingHelpdesk, SecureBot

from bot.settings import replace
from tools.stack import DEFAULT_MODEL, Stack, free_port, isolated_settings


@pytest.fixture(scope="session")
def secure_bot(
    tmp_path_factory: pytest.TempPathFactory, new_postgres_database: Callable[[str], str]
) -> Iterator[SecureBot]:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir = tmp_path_factory.mktemp("secure")
    helpdesk = RecordingHelpdesk()
    helpdesk.server.start()
    settings = isolated_settings(var_dir, tracker_db_url=new_postgres_database("tracker_secure"))
    env = {
        "HELPDESK": "webhook",
        "HELPDESK_URL": f"http://127.0.0.1:{helpdesk.server.port}/tickets",
        "HELPDESK_WEBHOOK_SECRET": "secure-test-signing-secret",
        "TICKETS_FORWARD_INTERVAL_SECONDS": "0.5",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "LOG_LEVEL": "DEBUG",
    }
    sqlite_settings = replace(
        settings, rasa_port=free_port(), tracker_db_url=f"sqlite:///{var_dir / 'tracker.db'}"
    )
    main = Stack(settings, extra_env=env, log_dir=var_dir / "logs")
    second = Stack(sqlite_settings, extra_env=env, log_dir=var_dir / "logs", start_action_server=False)
    try:
        with ThreadPoolExecutor(2) as pool:  # both load the model at once
            for started in [pool.submit(main.start), pool.submit(second.start)]:
                started.result()
        yield SecureBot([main, second], helpdesk, env, var_dir)
    finally:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(Stack.stop, [main, second]))
        helpdesk.server.stop()
