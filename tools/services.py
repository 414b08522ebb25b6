"""A PostgreSQL cluster and a redis-server of a run's own, which it may restart freely.

`make chaos` restarts its databases on purpose; doing that to the machine's shared services
breaks everybody else's tests. These run from the Debian binaries (/usr/lib/postgresql/*/bin,
redis-server) in a folder of their own, listen on 127.0.0.1 only, keep nothing but their log
when they stop, and need no root. As root (a container), PostgreSQL runs as the `postgres` user, since initdb
and postgres refuse to run as root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tools.stack import free_port, wait_until

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class Ports:
    """Hands out ports nobody listens on, from `first`-`last` or (without a range) from the OS."""

    def __init__(self, span: str | None = None) -> None:
        self.candidates: Iterator[int] | None = None
        if span:
            first, _, last = span.partition("-")
            self.candidates = iter(range(int(first), int(last or first) + 1))

    def take(self) -> int:
        if self.candidates is None:
            return free_port()
        for port in self.candidates:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError("no free port left in the range given")


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's binaries."""
    found = sorted(Path("/").glob(POSTGRES_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name))
    if not found:
        raise RuntimeError(f"no PostgreSQL server binaries in {POSTGRES_BIN_GLOB} (Debian: postgresql)")
    return found[-1]


@dataclass
class PrivatePostgres:
    """A throwaway cluster in `folder` on `port`, trust authentication for the `postgres` role."""

    folder: Path
    port: int
    _as_user: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.folder = self.folder.resolve()  # postgres runs in its data folder
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            if not self._postgres_can_enter(self.folder):
                # A checkout inside a folder only root may enter (`mktemp -d` makes them 0700):
                # the cluster lives in the system's temporary folder instead.
                self.folder = Path(tempfile.gettempdir(), f"recovery-bot-{self.folder.name}")

    def _postgres_can_enter(self, folder: Path) -> bool:
        """Whether the postgres user can reach `folder` (its nearest existing ancestor)."""
        existing = next(path for path in (folder, *folder.parents) if path.exists())
        return subprocess.run([*self._as_user, "test", "-x", str(existing)], check=False).returncode == 0

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as_user, *command], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{Path(command[0]).name} {command[1]} failed: {done.stderr or done.stdout}")

    def _ctl(self, action: str, *options: str) -> None:
        # -l on every start: without it the server would write to (and hold open) our pipe
        self._run(
            str(postgres_bin() / "pg_ctl"),
            action,
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.folder / "postgres.log"),
            *options,
        )

    def start(self) -> None:
        """Makes the cluster (initdb) on first use, then starts it and waits until it accepts."""
        if not self.data.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._as_user:
                owner = pwd.getpwnam("postgres")
                os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._run(
                str(postgres_bin() / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            )
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c max_connections=200"
        )
        self._ctl("start", "-o", options)

    def restart(self) -> None:
        """A clean restart (fast shutdown: sessions are cut, nothing committed is lost)."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-m", "fast")

    def remove(self) -> None:
        """Stops the server and deletes its data (postgres.log stays, for the next run to append to)."""
        with contextlib.suppress(RuntimeError):  # a server that died left its postmaster.pid
            self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A redis-server on `port` that keeps nothing on disk (a restart loses every key)."""

    folder: Path
    port: int
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.folder = self.folder.resolve()  # redis-server reads its log path from inside --dir

    def url(self, database: int = 1) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
        )
        if not wait_until(self._answers, timeout=15):
            raise RuntimeError(f"redis-server did not start on port {self.port} (see {self.folder})")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=15)
        self._process = None

    def restart(self) -> None:
        """SHUTDOWN NOSAVE, as a crash of a Redis without persistence, then the same server again."""
        with contextlib.suppress(redis.ConnectionError):  # it closes the connection as it goes
            redis.Redis(port=self.port).shutdown(nosave=True)
        if self._process is not None:
            self._process.wait(timeout=15)
        self.start()


@contextmanager
def private_redis(folder: Path, port: int | None = None) -> Iterator[PrivateRedis]:
    server = PrivateRedis(folder, port or free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def private_postgres(folder: Path, port: int | None = None) -> Iterator[PrivatePostgres]:
    """A new cluster in `folder` (what a killed run left there is stopped and removed first)."""
    cluster = PrivatePostgres(folder, port or free_port())
    cluster.remove()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
