"""PostgreSQL databases on the local server and the local Redis: the throwaway ones that the
benchmark, the chaos and two-server runs and every test fixture (tests/conftest.py) use, and
the named ones `make run STORE=postgres` keeps."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.settings import Settings

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


class PostgresUnavailable(RuntimeError):
    """The local PostgreSQL server (TEST_POSTGRES_ADMIN_URL) does not answer."""


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new, empty database with a random name on the local server; dropped afterwards."""
    # pool_pre_ping: the database is still dropped after a restart of PostgreSQL mid-run
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True, pool_pre_ping=True)
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        raise PostgresUnavailable(f"this needs PostgreSQL at {ADMIN_URL}: {error.orig}") from error
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ensure_postgres_database(url: str) -> None:
    """Creates the database `url` names when it does not exist yet (on the server of `url`)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


@contextmanager
def scaled_settings(prefix: str, **changes: Any) -> Iterator[Settings]:
    """A bot's own settings as deployed at scale: throwaway tracker and ticket databases on the
    local PostgreSQL, the lock store (and live sessions) in the local Redis."""
    from tools.stack import isolated_settings  # tools.stack needs this module first

    with (
        throwaway_postgres(f"{prefix}_tracker") as tracker_url,
        throwaway_postgres(f"{prefix}_tickets") as tickets_url,
        tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder,
    ):
        yield isolated_settings(
            Path(folder),
            tracker_db_url=tracker_url,
            tickets_db_url=tickets_url,
            lock_store_url=REDIS_URL,
            **changes,
        )
