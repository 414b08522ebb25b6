"""How the bot opens a SQLite file (the embedded default for conversations and tickets).

- **Kept connections.** SQLAlchemy 1.4 opens a new connection for every use of a SQLite file
  (NullPool), with its PRAGMAs each time: about 1 ms per handoff check, on every message. A
  file's connections are pooled instead; the pool hands each to one thread at a time, so
  pysqlite's same-thread check is off.
- **WAL.** Readers and the writer do not block each other (the Rasa server, the action server
  and the staff CLI share the files), and a commit appends to the log instead of writing a
  rollback journal and the database, each flushed.
- **`synchronous`.** FULL keeps every commit on disk when it returns (tickets). NORMAL flushes
  the log at checkpoints only: a crash of the process loses nothing, a power cut may lose the
  last commits but never the file. Conversation events use it, as they skip PostgreSQL's flush
  (TRACKER_SYNCHRONOUS_COMMIT).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import QueuePool

Synchronous = Literal["FULL", "NORMAL"]


def is_sqlite_file(url: str | URL) -> bool:
    """True for a SQLite database in a file (not in memory)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def create_folder(url: str | URL) -> None:
    """A SQLite file's folder, created when missing (SQLite creates the file, not the folder)."""
    if is_sqlite_file(url):
        Path(str(make_url(url).database)).parent.mkdir(parents=True, exist_ok=True)


def file_engine_options(url: str | URL) -> dict[str, Any]:
    """create_engine() options for `url`: a pool of kept connections for a SQLite file (its
    folder created when missing)."""
    if not is_sqlite_file(url):
        return {}
    create_folder(url)
    return {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}


def write_ahead(engine: Engine, synchronous: Synchronous) -> None:
    """Every new connection of `engine` to a SQLite file uses WAL with `synchronous`."""
    if not is_sqlite_file(engine.url):
        return

    def _pragmas(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    event.listen(engine, "connect", _pragmas)
