"""Ticket store fixtures: every store test runs on SQLite and on the local PostgreSQL.

PostgreSQL (127.0.0.1:5432, or TEST_POSTGRES_ADMIN_URL) gets one throwaway database per run
(tools.databases, through tests/conftest.py), dropped at the end; tests empty its tables after
themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from local_http import LocalHTTPServer
from pytest_httpserver import HTTPServer
from sqlalchemy import create_engine

from bot.settings import HelpdeskSettings
from bot.tickets import migrate
from bot.tickets.db import Database
from bot.tickets.models import deliveries, delivery_attempts, tickets
from bot.tickets.request import Message, TicketRequest
from tools.stack import free_port


@pytest.fixture(scope="session")
def postgres_url(new_postgres_database: Callable[[str], str]) -> str:
    """One migrated throwaway database for the run (tests/conftest.py makes and drops it)."""
    url = new_postgres_database("tickets_test")
    engine = create_engine(url, future=True)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty ticket database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
        database = Database(url)
        migrate.upgrade(database.engine)
        database.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    database = Database(url)
    with database.session() as session:
        for table in (delivery_attempts, deliveries, tickets):
            session.execute(table.delete())
    database.dispose()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def helpdesk() -> Iterator[HTTPServer]:
    """A real local HTTP server playing the helpdesk (threaded, so slow answers block nothing)."""
    server = LocalHTTPServer(host="127.0.0.1", port=free_port(), threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def _helpdesk_settings(kind: str, url: str, **overrides: object) -> HelpdeskSettings:
    values: dict[str, object] = {
        "kind": kind,
        "url": url,
        "user": "bot@example.com",
        "token": "api-token",
        "webhook_secret": "s3cret-signing-key",
        "jira_service_desk_id": "10",
        "jira_request_type_id": "25",
        "timeout_seconds": 1.5,  # short, yet long enough for a first request on a busy CI machine
        "retry_base_seconds": 15.0,
        "retry_max_seconds": 600.0,
        "forward_interval_seconds": 0.05,
    }
    values.update(overrides)
    return HelpdeskSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings_for() -> Callable[..., HelpdeskSettings]:
    """Helpdesk settings of a kind and URL: short timeouts, test credentials."""
    return _helpdesk_settings


@pytest.fixture
def make_request() -> Callable[..., TicketRequest]:
    def _make(**fields: object) -> TicketRequest:
        values: dict[str, object] = {
            "channel": "rest",
            "sender_id": "conversation-1",
            "session": "1700000000.0",
            "contact_email": "jane@example.com",
            "account_type": "work_school",
            "lockout_state": "locked_out",
            "is_admin": False,
            "recovery_path": "work_school.locked_out",
            "description": "New phone, the Authenticator app is gone.",
            "transcript": (
                Message("person", "I got a new phone and my work account wants the Authenticator code"),
                Message("bot", "Can you still sign in or verify another way?"),
                Message("person", "no"),
            ),
        }
        values.update(fields)
        return TicketRequest(**values)  # type: ignore[arg-type]

    return _make
