"""Connecting to the ticket database (any SQLAlchemy URL; SQLite by default)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.postgres import one_round_trip_engine
from bot.sqlite import file_engine_options, write_ahead

SQLITE_BUSY_TIMEOUT_SECONDS = 30


class DatabaseError(RuntimeError):
    """The ticket database cannot be reached or is not set up; the message says what to do."""


def _serialise_sqlite_writes(engine: Engine) -> None:
    """Every SQLite transaction starts with BEGIN IMMEDIATE.

    pysqlite would otherwise begin lazily, and a transaction that reads before it writes can
    fail with "database is locked" when another process wrote in between (the action
    server and the staff CLI share the file). Waiting for the lock up front avoids that.
    """

    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", _connect)
    event.listen(engine, "begin", _begin)


def engine_for(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created when missing."""
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    options = file_engine_options(url)
    connect_args: dict[str, Any] = options.pop("connect_args", {})
    if is_sqlite:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_SECONDS
    engine: Engine = create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args, **options)
    if is_sqlite:
        _serialise_sqlite_writes(engine)
        write_ahead(engine, "FULL")
    return engine


def display_url(url: str) -> str:
    """`url` with any password hidden, for messages."""
    return str(make_url(url).render_as_string(hide_password=True))


class Database:
    """An engine and its sessions; `with db.session() as s:` commits on success."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = engine_for(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction, committed when the block ends without an error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for one Core read on every message's path (the live-handoff check),
        whose caller waits out a database restart: on PostgreSQL one round trip
        (bot/postgres.py); elsewhere the engine's own."""
        with (self._reads or self.engine).connect() as connection:
            yield connection

    @cached_property
    def _reads(self) -> Engine | None:
        if self.engine.dialect.name != "postgresql":
            return None
        return one_round_trip_engine(self.url)

    def dispose(self) -> None:
        """Closes the database connections."""
        self.engine.dispose()
        reads = self.__dict__.get("_reads")  # only if a read made them
        if reads is not None:
            reads.dispose()
