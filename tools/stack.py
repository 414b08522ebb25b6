"""Starts the action server and the Rasa server, waits until both answer, stops both.

`python -m tools.stack run` is what `make run` calls; tests, the evaluation and the
benchmark use `Stack` to bring up real servers on ports of their choosing.

Over 300 lines: `Stack` is one lifecycle (start both servers, wait, keep their logs, stop
them), and the two commands below are its thin callers.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import requests
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT, Settings, replace
from tools.databases import ensure_postgres_database

DEFAULT_MODEL = PROJECT_ROOT / "models" / "recovery-bot.tar.gz"

# Tests, the evaluation and the benchmark play many people at once from this one machine, so
# the limits per client address (docs/security.md) would throttle them all
# together: their stacks add this to `extra_env`. Limits per conversation stay on.
ONE_ADDRESS_LOAD_ENV = {"RATE_LIMIT_PER_CLIENT": "0", "TICKETS_PER_CLIENT": "0"}


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests that run servers side by side)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Polls `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def isolated_settings(var_dir: Path, **changes: Any) -> Settings:
    """Settings for a bot of its own: free ports, SQLite stores in `var_dir`, a random API token.

    `changes` replace any of these (database URLs, lock store, token) or other fields.
    """
    action_port = free_port()
    settings = replace(
        Settings.from_env(),
        var_dir=var_dir,
        rasa_port=free_port(),
        action_port=action_port,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
        tracker_db_url=f"sqlite:///{var_dir / 'tracker.db'}",
        tickets_db_url=f"sqlite:///{var_dir / 'tickets.db'}",
        rasa_auth_token=secrets.token_hex(16),
    )
    return replace(settings, **changes)


@dataclass
class Stack:
    """One action server and one or more Rasa servers sharing its settings."""

    settings: Settings
    model: Path = DEFAULT_MODEL
    rasa_ports: tuple[int, ...] | None = None  # None: settings.rasa_port; (): no Rasa server
    extra_env: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    start_action_server: bool = True  # unless the settings run the actions in process
    echo: bool = False  # also copy the servers' output to this terminal (make run VERBOSE=1)
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, init=False)
    _names: list[str] = field(default_factory=list, init=False)

    @property
    def runs_action_server(self) -> bool:
        return self.start_action_server and not self.settings.actions_in_process

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.rasa_port,) if self.rasa_ports is None else self.rasa_ports

    def url(self, index: int = 0) -> str:
        return f"http://{self.settings.rasa_host}:{self.ports[index]}"

    def say(self, sender: str, message: str, server: int = 0) -> list[dict[str, Any]]:
        """The bot's answers to one message over the REST channel."""
        reply = requests.post(
            f"{self.url(server)}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        reply.raise_for_status()
        return list(reply.json())

    def tracker(self, sender: str, server: int = 0) -> dict[str, Any]:
        """A conversation's tracker through Rasa's HTTP API (the stack needs an auth token)."""
        reply = requests.get(
            f"{self.url(server)}/conversations/{sender}/tracker",
            params={"token": self.settings.rasa_auth_token},
            timeout=30,
        )
        reply.raise_for_status()
        return dict(reply.json())

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            RECOVERY_BOT_VAR_DIR=str(self.settings.var_dir),
            SPACY_MODEL_DIR=str(self.settings.spacy_model_dir),
            TRACKER_DB_URL=self.settings.tracker_db_url,
            TICKETS_DB_URL=self.settings.tickets_db_url,
            LOCK_STORE_URL=self.settings.lock_store_url,
        )
        env.update(self.extra_env)
        env["SANIC_HOST"] = self.settings.action_host
        env["ACTION_PORT"] = str(self.settings.action_port)
        env["ACTION_SERVER_URL"] = self.settings.action_server_url
        env.setdefault("ACTION_SERVER_TOKEN", "")  # endpoints.yml sends it (empty: none)
        env.setdefault("RASA_TELEMETRY_ENABLED", "false")
        return env

    def _spawn(self, name: str, command: list[str]) -> None:
        log_dir = self.log_dir or self.settings.var_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=self._env(),
            stdout=subprocess.PIPE if self.echo else log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.echo:
            threading.Thread(target=_copy_lines, args=(process, log, name), daemon=True).start()
        self._processes.append(process)
        self._names.append(name)

    def start(self, timeout: float = 180.0) -> None:
        python = sys.executable
        if self.runs_action_server:
            self._spawn(
                f"actions-{self.settings.action_port}",
                # actions/__main__.py: rasa_sdk's server plus the ticket forwarding loop
                [python, "-m", "actions", "--actions", "actions", "--port", str(self.settings.action_port)],
            )
        for port in self.ports:
            command = [  # plain `rasa run`: Rasa loads every protection from the two files
                python,
                "-m",
                "rasa",
                "run",
                "--model",
                str(self.model),
                "--interface",
                self.settings.rasa_host,
                "--port",
                str(port),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
                "--cors",
                "*",
            ]
            if self.settings.rasa_auth_token:
                command += ["--enable-api", "--auth-token", self.settings.rasa_auth_token]
            self._spawn(f"rasa-{port}", command)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        urls = [f"{self.url(i)}/" for i in range(len(self.ports))]
        if self.runs_action_server:
            urls.append(f"http://{self.settings.action_host}:{self.settings.action_port}/health")
        deadline = time.monotonic() + timeout
        pending = list(urls)
        while pending:
            for process in self._processes:
                if process.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"a server exited with code {process.returncode} while starting; "
                        f"see the logs in {self.log_dir or self.settings.var_dir / 'logs'}"
                    )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"not answering after {timeout:.0f}s: {pending}")
            pending = [u for u in pending if not is_up(u)]
            if pending:
                time.sleep(0.5)

    def pids(self) -> dict[str, int]:
        """Each running server's process id by name (`actions-<port>`, `rasa-<port>`)."""
        return {name: process.pid for name, process in zip(self._names, self._processes, strict=True)}

    def alive(self) -> bool:
        return all(process.poll() is None for process in self._processes)

    def stop(self) -> None:
        """Asks every server to stop (SIGTERM), then kills what is still running after 15s."""
        for process in self._processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self._processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._processes.clear()
        self._names.clear()

    @contextmanager
    def running(self, timeout: float = 180.0) -> Iterator[Stack]:
        self.start(timeout)
        try:
            yield self
        finally:
            self.stop()


def _copy_lines(process: subprocess.Popen[bytes], log: BinaryIO, name: str) -> None:
    """Writes what a server prints to its log file and, prefixed with its name, to stdout."""
    assert process.stdout is not None
    for line in process.stdout:
        log.write(line)
        log.flush()
        sys.stdout.write(f"[{name}] {line.decode(errors='replace')}")
        sys.stdout.flush()


def is_up(url: str) -> bool:
    """True when `url` answers 200 within two seconds."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _short(text: str) -> str:
    """`text` with this checkout's path left out (sqlite:///var/tracker.db)."""
    return text.replace(f"{PROJECT_ROOT}/", "")


def _store(url: str) -> str:
    return _short(make_url(url).render_as_string(hide_password=True)) if url else "in memory"


def _print_how_to_chat(stack: Stack) -> None:
    url, settings = stack.url(), stack.settings
    actions = "in the Rasa process" if settings.actions_in_process else f"on port {settings.action_port}"
    print(
        f"\nThe recovery bot is ready: Rasa {url}, actions {actions}.\n"
        f"  Browser:   {url}/webhooks/widget/demo   (click \"Help with sign-in\")\n"
        f"  Terminal:  make shell   (in another terminal)\n"
        f"  HTTP:      curl -s {url}/webhooks/rest/webhook -d '{{\"sender\": \"me\", "
        f'"message": "I lost my phone"}}\'\n'
        f"  Stores:    conversations {_store(settings.tracker_db_url)}, "
        f"lock {_store(settings.lock_store_url)}\n"
        f"             tickets {_store(settings.tickets_db_url)}\n"
        f"  Logs:      {_short(str(settings.var_dir / 'logs'))}/   Stop: Ctrl-C",
        flush=True,
    )


TESTS_DIR = PROJECT_ROOT / "tests"  # each feature's test stories: tests/<feature>/stories.yml


def test_stories(model: Path, action_port: int) -> int:
    """Runs Rasa's end-to-end test stories against a real action server on `action_port`."""
    stories = sorted(TESTS_DIR.glob("*/stories.yml"))
    if not stories:
        print(f"no test stories found in {TESTS_DIR}/<feature>/stories.yml", file=sys.stderr)
        return 1
    settings = replace(
        Settings.from_env(),
        action_port=action_port,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
    )
    with Stack(settings, model=model, rasa_ports=()).running():
        env = {**os.environ, "ACTION_SERVER_URL": settings.action_server_url}
        command = [
            sys.executable,
            "-m",
            "rasa_addons",
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            str(TESTS_DIR),  # Rasa takes one path: it reads every story file under it
            "--endpoints",
            "endpoints.yml",
            "--fail-on-prediction-errors",
            "--out",
            "results/stories",
        ]
        return subprocess.call(command, cwd=PROJECT_ROOT, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "test-stories"])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--action-port", type=int, default=None)
    args = parser.parse_args(argv)
    if args.command == "test-stories":
        return test_stories(args.model, args.action_port or free_port())
    settings = Settings.from_env()
    for url in (settings.tracker_db_url, settings.tickets_db_url):
        if make_url(url).get_backend_name() == "postgresql":
            ensure_postgres_database(url)
    stack = Stack(settings, model=args.model, echo=os.environ.get("VERBOSE", "0") != "0")
    servers = "the Rasa server" if settings.actions_in_process else "the action server and the Rasa server"
    print(f"==> Starting {servers} (loading the model) ...", end="", flush=True)
    started = time.monotonic()
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
    except (RuntimeError, TimeoutError) as error:
        print(f" FAILED: {error}", file=sys.stderr)
        return 1
    print(f" ready ({time.monotonic() - started:.0f}s)", flush=True)
    _print_how_to_chat(stack)
    try:
        while not stopping and stack.alive():
            time.sleep(0.5)
    finally:
        print("\nStopping both servers...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
