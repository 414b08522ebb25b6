"""Throwaway PostgreSQL databases and the local Redis: the one helper the benchmark, the chaos
and two-server runs and every test fixture (tests/conftest.py) use."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


class PostgresUnavailable(RuntimeError):
    """The local PostgreSQL server (TEST_POSTGRES_ADMIN_URL) does not answer."""


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new, empty database with a random name on the local server; dropped afterwards."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
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
