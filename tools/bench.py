"""`make bench`: this bot against Rasa's starter bot, on the same machine, in the same run.

Both bots are driven by the same asyncio client (tools/load.py) over the REST channel:
one person at a time (round trip per message, p50 and p95) and 20 people at once
(messages per second, p95, errors). Our conversations are recovery dialogues that reach
the steps and open tickets (tools/dialogues.py); the starter bot gets its greet and mood
dialogues. Every figure is the median of `--repeats` runs (the machine is shared and noisy).
Also measured: training time, time from start to the first answer, resident memory of
the Rasa server(s) and the action server, and the NLU figures of tools/evaluate.py.

This bot runs as deployed at scale: two Rasa servers (one per core) behind the client's
round-robin, each running the custom actions in process (`--action-server`: one action server
over HTTP instead), sharing conversations in PostgreSQL and the ticket lock in Redis, tickets in
PostgreSQL; and as `make run` starts it (the README's default): one server, conversations and
tickets in SQLite files, the lock in memory. The starter bot runs as `rasa init` makes it: one
server, in-memory stores. Each of our two deployments gets its own table against the starter.

`--ablation` measures instead what each pipeline component costs (tools/ablation.py).

Over 300 lines: one benchmark run and its report; its reusable parts are tools/load.py,
tools/bench_breakdown.py and tools/bench_stores.py.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rasa
import requests

from bot.settings import IN_PROCESS_ACTIONS, PROJECT_ROOT
from tools.databases import REDIS_URL, throwaway_postgres
from tools.dialogues import RECOVERY_DIALOGUES, STARTER_DIALOGUES, Dialogue
from tools.load import percentile, run_load
from tools.stack import ONE_ADDRESS_LOAD_ENV, Stack, free_port, isolated_settings

BENCH_DIR = PROJECT_ROOT / "var" / "bench"
MODELS_DIR = BENCH_DIR / "models"
STARTER_DIR = MODELS_DIR / f"starter-rasa-{rasa.__version__}"  # its endpoints.yml and credentials.yml
# `rasa test nlu` cross-validation on data/, as tools/evaluate.py (`make evaluate`) runs it.
EVALUATION_REPORT = PROJECT_ROOT / "results" / "cross-validation" / "intent_report.json"
CONCURRENT_USERS = 20
P95_TARGET_MS = 300  # the 20-user p95 of issue #14, an absolute target
# How cost grows with load: every run also plays these numbers of people at once.
LOAD_STEPS = (1, 5, 20, 50)
RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    training_seconds: float


@dataclass
class Deployment:
    """Running servers: where to send messages and which processes to weigh."""

    urls: list[str]
    rasa_pids: list[int]
    action_pid: int | None
    started: float  # time.monotonic() when the servers were spawned


# --- models -----------------------------------------------------------------------------------


def _timed(command: list[str], cwd: Path, log: Path) -> float:
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(log, "wb") as out:
        subprocess.run(command, cwd=cwd, env={**os.environ, **RASA_ENV}, stdout=out, stderr=out, check=True)
    return time.monotonic() - started


def _cached(name: str, train: Callable[[Path], float], retrain: bool) -> TrainedModel:
    """The model `name` under var/bench/models, trained (and timed) only when missing."""
    model, facts = MODELS_DIR / f"{name}.tar.gz", MODELS_DIR / f"{name}.json"
    if retrain or not (model.exists() and facts.exists()):
        print(f"==> training {name} (timed; cached for later runs)", flush=True)
        MODELS_DIR.mkdir(parents=True, exist_ok=True)
        seconds = train(model)
        facts.write_text(json.dumps({"training_seconds": seconds}))
    return TrainedModel(model, float(json.loads(facts.read_text())["training_seconds"]))


def starter_model(retrain: bool) -> TrainedModel:
    """`rasa init --no-prompt` in a temporary folder: scaffold and training with its default config."""

    def train(target: Path) -> float:
        with tempfile.TemporaryDirectory(prefix="rasa-starter-") as folder:
            seconds = _timed(
                [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", folder],
                Path(folder),
                BENCH_DIR / "logs" / "starter-train.log",
            )
            shutil.copy(next(Path(folder, "models").glob("*.tar.gz")), target)
            STARTER_DIR.mkdir(parents=True, exist_ok=True)
            for name in ("endpoints.yml", "credentials.yml"):
                shutil.copy(Path(folder, name), STARTER_DIR / name)
        return seconds

    return _cached(STARTER_DIR.name, train, retrain)


def our_inputs_digest(config: Path = PROJECT_ROOT / "config.yml") -> str:
    files = [config, PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]
    digest = hashlib.sha256(rasa.__version__.encode())
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def our_model(retrain: bool, config: Path = PROJECT_ROOT / "config.yml") -> TrainedModel:
    """This bot trained from scratch (`--force`, no cache) with `config`."""

    def train(target: Path) -> float:
        return _timed(
            [
                sys.executable, "-m", "rasa_addons", "train", "--force", "--config", str(config),
                "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
            ],
            PROJECT_ROOT,
            BENCH_DIR / "logs" / "ours-train.log",
        )  # fmt: skip

    return _cached(f"ours-{our_inputs_digest(config)}", train, retrain)


# --- servers ----------------------------------------------------------------------------------


@contextmanager
def starter_deployment(model: TrainedModel) -> Iterator[Deployment]:
    """The starter bot's own `rasa run`: one server, its (empty) endpoints, in-memory stores."""
    port = free_port()
    log = open(BENCH_DIR / "logs" / "starter-run.log", "wb")  # noqa: SIM115 - closed below
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "rasa", "run", "--model", str(model.path), "--port", str(port),
            "--interface", "127.0.0.1", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        ],
        cwd=STARTER_DIR, env={**os.environ, **RASA_ENV}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield Deployment([f"http://127.0.0.1:{port}"], [process.pid], None, started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def our_deployment(
    model: TrainedModel, servers: int = 2, action_server: bool = False, embedded: bool = False
) -> Iterator[Deployment]:
    """`servers` Rasa servers running the actions (or one action server); PostgreSQL tracker and
    tickets, Redis lock store. `embedded`: `make run`'s stores instead (SQLite files, the lock in
    memory), for one server."""
    with ExitStack() as stores:
        folder = stores.enter_context(tempfile.TemporaryDirectory(prefix="bench-var-"))
        databases = {}
        if not embedded:
            databases = {
                "tracker_db_url": stores.enter_context(throwaway_postgres("bench_tracker")),
                "tickets_db_url": stores.enter_context(throwaway_postgres("bench_tickets")),
                "lock_store_url": REDIS_URL,
            }
        settings = isolated_settings(
            Path(folder),
            rasa_auth_token="",  # the HTTP API off, as deployed by default
            **databases,
            **({} if action_server else {"action_server_url": IN_PROCESS_ACTIONS}),
        )
        stack = Stack(
            settings,
            model=model.path,
            rasa_ports=tuple(free_port() for _ in range(servers)),
            extra_env=ONE_ADDRESS_LOAD_ENV,
            log_dir=BENCH_DIR / "logs",
        )
        started = time.monotonic()
        with stack.running():
            pids = stack.pids()
            yield Deployment(
                [stack.url(i) for i in range(servers)],
                [pid for name, pid in pids.items() if name.startswith("rasa-")],
                next((pid for name, pid in pids.items() if name.startswith("actions-")), None),
                started,
            )


def wait_first_answer(deployment: Deployment, timeout: float = 300.0) -> float:
    """Seconds from spawning the servers to an answer from every one of them."""
    deadline = time.monotonic() + timeout
    for url in deployment.urls:
        while True:
            try:
                reply = requests.post(
                    f"{url}/webhooks/rest/webhook",
                    json={"sender": "bench-probe", "message": "hello"},
                    timeout=5,
                )
                if reply.status_code == 200 and reply.json():
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{url} gave no answer within {timeout:.0f}s (logs in {BENCH_DIR / 'logs'})"
                )
            time.sleep(0.2)
    return time.monotonic() - deployment.started


def _tree(pid: int) -> list[int]:
    """A process and its descendants (Sanic workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, in MiB."""
    total = 0
    for current in _tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU time (user + system) the processes and their descendants have used so far.

    Unlike wall-clock figures, CPU per message hardly depends on what else the shared machine
    runs, so it compares the two bots fairly on a busy machine.
    """
    total = 0
    for pid in pids:
        for current in _tree(pid):
            try:
                fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Contender:
    """One bot under measurement: how to start it, what to say, and what was measured."""

    name: str
    deploy: Callable[[], AbstractContextManager[Deployment]]
    dialogues: Sequence[Dialogue]
    training_seconds: float
    single: list[dict[str, Any]] = field(default_factory=list)
    concurrent: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _single_user(deployment: Deployment, dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    result = asyncio.run(run_load(deployment.urls, dialogues, 1, 3 * len(dialogues)))
    return {
        "p50_ms": 1000 * percentile(result.latencies, 0.5),
        "p95_ms": 1000 * percentile(result.latencies, 0.95),
        "messages": len(result.samples),
        "errors": result.errors,
        "unexpected": result.unexpected,
    }


def _concurrent(
    deployment: Deployment, dialogues: Sequence[Dialogue], conversations: int, users: int = CONCURRENT_USERS
) -> dict[str, Any]:
    result = asyncio.run(run_load(deployment.urls, dialogues, users, conversations))
    return {
        "messages_per_second": result.messages_per_second,
        "p50_ms": 1000 * percentile(result.latencies, 0.5),
        "p95_ms": 1000 * percentile(result.latencies, 0.95),
        "messages": len(result.samples),
        "errors": result.errors,
        "unexpected": result.unexpected,
    }


def measure(contenders: Sequence[Contender], repeats: int, conversations: int) -> dict[str, dict[str, Any]]:
    """Runs every bot side by side, alternating them run by run, so that both see the same noise."""
    results: dict[str, dict[str, Any]] = {}
    with ExitStack() as running:
        deployments = []
        for contender in contenders:
            print(f"==> {contender.name}: starting", flush=True)
            deployment = running.enter_context(contender.deploy())
            results[contender.name] = {
                "servers": len(deployment.urls),
                "training_s": contender.training_seconds,
                "time_to_first_answer_s": wait_first_answer(deployment),
            }
            deployments.append(deployment)
        for contender, deployment in zip(contenders, deployments, strict=True):
            asyncio.run(
                run_load(deployment.urls, contender.dialogues, 1, len(contender.dialogues))
            )  # warm-up
        for run in range(repeats):
            for contender, deployment in zip(contenders, deployments, strict=True):
                contender.single.append(_single_user(deployment, contender.dialogues))
            for contender, deployment in zip(contenders, deployments, strict=True):
                servers = deployment.rasa_pids + ([deployment.action_pid] if deployment.action_pid else [])
                before = cpu_seconds(servers)
                contender.concurrent.append(_concurrent(deployment, contender.dialogues, conversations))
                used = cpu_seconds(servers) - before
                contender.concurrent[-1]["cpu_ms_per_message"] = (
                    1000 * used / max(1, contender.concurrent[-1]["messages"])
                )
                print(f"    run {run + 1}/{repeats} {contender.name}: {contender.concurrent[-1]}", flush=True)
            for users in (u for u in LOAD_STEPS if u not in (1, CONCURRENT_USERS)):
                for contender, deployment in zip(contenders, deployments, strict=True):
                    step = _concurrent(deployment, contender.dialogues, conversations, users)
                    contender.steps.setdefault(users, []).append(step)
        for contender, deployment in zip(contenders, deployments, strict=True):
            rasa_rss = [rss_mib(pid) for pid in deployment.rasa_pids]
            single, concurrent = contender.single, contender.concurrent
            results[contender.name] |= {
                "single": {key: statistics.median(r[key] for r in single) for key in ("p50_ms", "p95_ms")},
                "concurrent": {
                    "users": CONCURRENT_USERS,
                    "messages_per_second": statistics.median(r["messages_per_second"] for r in concurrent),
                    "p95_ms": statistics.median(r["p95_ms"] for r in concurrent),
                    "errors": sum(r["errors"] + r["unexpected"] for r in single + concurrent),
                    "cpu_ms_per_message": statistics.median(r["cpu_ms_per_message"] for r in concurrent),
                },
                "rasa_server_rss_mib": max(rasa_rss),
                "rasa_servers_rss_mib_total": sum(rasa_rss),
                "action_server_rss_mib": rss_mib(deployment.action_pid) if deployment.action_pid else None,
                "load_steps": _load_steps(contender),
                "runs": {"single": single, "concurrent": concurrent},
            }
    return results


def _load_steps(contender: Contender) -> dict[str, dict[str, float]]:
    """Medians per number of people at once (1 and CONCURRENT_USERS from the main runs)."""
    runs = {1: contender.single, CONCURRENT_USERS: contender.concurrent, **contender.steps}
    steps = {}
    for users in LOAD_STEPS:
        if users == 1:
            # one person: the single-user runs (p50, p95), throughput from their round trips
            steps["1"] = {
                "p50_ms": statistics.median(r["p50_ms"] for r in runs[1]),
                "p95_ms": statistics.median(r["p95_ms"] for r in runs[1]),
                "messages_per_second": 1000 / statistics.median(r["p50_ms"] for r in runs[1]),
                "errors": sum(r["errors"] + r["unexpected"] for r in runs[1]),
            }
            continue
        steps[str(users)] = {
            key: statistics.median(r[key] for r in runs[users])
            for key in ("messages_per_second", "p50_ms", "p95_ms")
        } | {"errors": sum(r["errors"] + r["unexpected"] for r in runs[users])}
    return steps


def load_table(ours: dict[str, Any], starter: dict[str, Any]) -> str:
    """How cost grows with load, both bots side by side."""
    lines = [
        f"{'people at once':>14}  {'this bot: msg/s   p50   p95 err':>32}"
        f"  {'starter: msg/s   p50   p95 err':>31}  {'msg/s ratio':>11}"
    ]
    for users in map(str, LOAD_STEPS):
        mine, theirs = ours["load_steps"][users], starter["load_steps"][users]
        cells = [
            f"{r['messages_per_second']:>6.1f} {r['p50_ms']:>5.0f} {r['p95_ms']:>5.0f} {r['errors']:>3}"
            for r in (mine, theirs)
        ]
        ratio = mine["messages_per_second"] / theirs["messages_per_second"]
        lines.append(f"{users:>14}  {cells[0]:>32}  {cells[1]:>31}  {ratio:>10.2f}x")
    lines.append("(1 person: msg/s is 1000 / p50; ms are round trips of POST /webhooks/rest/webhook)")
    return "\n".join(lines)


def evaluation_figures() -> dict[str, Any] | None:
    """Intent figures of the latest cross-validation by tools/evaluate.py, if it ran."""
    if not EVALUATION_REPORT.exists():
        return None
    report = json.loads(EVALUATION_REPORT.read_text())
    return {
        "intent accuracy (cross-val.)": report["accuracy"],
        "intent weighted F1 (cross-val.)": report["weighted avg"]["f1-score"],
    }


# --- the table --------------------------------------------------------------------------------

# (label, path in the result, target ratio, "le" when lower is better)
ROWS: list[tuple[str, tuple[str, ...], float | None, str]] = [
    ("training time (s)", ("training_s",), None, "le"),
    ("start to first answer (s)", ("time_to_first_answer_s",), None, "le"),
    ("1 user: p50 (ms)", ("single", "p50_ms"), 0.6, "le"),
    ("1 user: p95 (ms)", ("single", "p95_ms"), 0.8, "le"),
    (f"{CONCURRENT_USERS} users: msg/s", ("concurrent", "messages_per_second"), 2.0, "ge"),
    (f"{CONCURRENT_USERS} users: p95 (ms)", ("concurrent", "p95_ms"), None, "le"),
    (f"{CONCURRENT_USERS} users: errors", ("concurrent", "errors"), None, "le"),
    ("CPU ms per message (all bot processes)", ("concurrent", "cpu_ms_per_message"), 0.5, "le"),
    ("Rasa server RSS (MiB, per server)", ("rasa_server_rss_mib",), 1.0, "le"),
    ("Rasa servers RSS (MiB, total)", ("rasa_servers_rss_mib_total",), None, "le"),
    ("action server RSS (MiB)", ("action_server_rss_mib",), None, "le"),
]


def _get(result: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = result
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def table(ours: dict[str, Any], starter: dict[str, Any], nlu: dict[str, Any] | None) -> str:
    servers = tuple(f"{n} server{'s' if n > 1 else ''}" for n in (ours["servers"], starter["servers"]))
    lines = [
        f"{'':36} {'this bot':>10} {'starter':>10} {'ratio':>7}  target",
        f"{'':36} {servers[0]:>10} {servers[1]:>10}",
    ]
    for label, path, target, direction in ROWS:
        mine, theirs = _get(ours, path), _get(starter, path)
        ratio = (
            mine / theirs
            if isinstance(mine, float | int) and isinstance(theirs, float | int) and theirs
            else None
        )
        verdict = ""
        if target is not None and ratio is not None:
            met = ratio <= target if direction == "le" else ratio >= target
            verdict = f"{'<=' if direction == 'le' else '>='} {target}x {'met' if met else 'MISSED'}"
        if path == ("concurrent", "errors"):
            verdict = "0 " + ("met" if mine == 0 else "MISSED")
        if path == ("concurrent", "p95_ms"):
            verdict = f"<= {P95_TARGET_MS} ms " + ("met" if mine <= P95_TARGET_MS else "MISSED")
        lines.append(f"{label:36} {_fmt(mine):>10} {_fmt(theirs):>10} {_fmt(ratio, 'x'):>7}  {verdict}")
    if nlu is None:
        lines.append(f"{'NLU (make evaluate)':36} {'n/a':>10}")
    else:
        for key, value in nlu.items():
            if isinstance(value, float | int):
                lines.append(f"{'NLU ' + key:36} {_fmt(value):>10}")
    return "\n".join(lines)


def _fmt(value: Any, suffix: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value}{suffix}"
    return f"{value:.2f}{suffix}" if abs(value) < 10 else f"{value:.0f}{suffix}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; medians are reported")
    parser.add_argument(
        "--conversations",
        type=int,
        default=4,
        help="conversations per user in the runs of several people (4: about 375 messages at 20)",
    )
    parser.add_argument("--servers", type=int, default=2, help="Rasa servers of this bot")
    parser.add_argument(
        "--action-server",
        action="store_true",
        help="this bot calls an action server over HTTP instead of running the actions in process",
    )
    parser.add_argument("--retrain", action="store_true", help="train (and time) both bots again")
    parser.add_argument(
        "--config", type=Path, default=PROJECT_ROOT / "config.yml", help="this bot's Rasa config"
    )
    parser.add_argument(
        "--ablation", action="store_true", help="measure each pipeline component's cost instead"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="time each step of a message in process instead"
    )
    parser.add_argument(
        "--stores",
        action="store_true",
        help="measure the tracker store options instead (tools/bench_stores.py)",
    )
    args = parser.parse_args(argv)
    (BENCH_DIR / "logs").mkdir(parents=True, exist_ok=True)
    if args.ablation:
        from tools.ablation import run_ablation

        return run_ablation(args.retrain)
    if args.breakdown:
        from tools.bench_breakdown import run_breakdown

        return run_breakdown(args.action_server)
    if args.stores:
        from tools.bench_stores import run_store_bench

        return run_store_bench()

    starter, ours = starter_model(args.retrain), our_model(args.retrain, args.config.resolve())
    measured = measure(
        [
            Contender(
                "starter", lambda: starter_deployment(starter), STARTER_DIALOGUES, starter.training_seconds
            ),
            Contender(
                "ours",
                lambda: our_deployment(ours, args.servers, args.action_server),
                RECOVERY_DIALOGUES,
                ours.training_seconds,
            ),
            Contender(
                "ours_embedded",
                lambda: our_deployment(ours, 1, args.action_server, embedded=True),
                RECOVERY_DIALOGUES,
                ours.training_seconds,
            ),
        ],
        args.repeats,
        args.conversations,
    )
    results = {
        "rasa_version": rasa.__version__,
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "config": str(args.config),
        **measured,
        "nlu": evaluation_figures(),
    }
    printed = "\n\n".join(
        f"{title}\n{table(results[name], results['starter'], results['nlu'])}"
        f"\n\n{load_table(results[name], results['starter'])}"
        for name, title in (
            ("ours", f"== deployed at scale: {args.servers} servers, PostgreSQL and Redis"),
            ("ours_embedded", "== make run: one server, SQLite, the lock in memory"),
        )
    )
    results["table"] = printed
    out = BENCH_DIR / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    shutil.copy(out, BENCH_DIR / "latest.json")
    print()
    print(printed)
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
