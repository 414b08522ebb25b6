"""`python -m tools.capacity`: what one message costs the shared stores, and what they sustain here.

docs/operations.md ("Capacity") turns these figures and `make bench`'s messages per second per
Rasa server into servers needed for 10, 100 and 1,000 conversations per second. Measured:

1. A real bot (one Rasa server, PostgreSQL tracker store, the lock in a private Redis) plays
   tools/dialogues.py once: messages per conversation, and per message the PostgreSQL
   transactions and rows written (pg_stat_database of its own throwaway database) and the
   Redis commands (INFO commandstats of its own redis-server).
2. pgbench on that database with the tracker store's statements per message (read the
   conversation, count its events, insert the new ones): messages per second PostgreSQL
   stores on this machine. Bounded: --seconds, 4 clients.
3. redis-benchmark (SET and GET, 20 clients, --requests) on the private Redis: commands per
   second, so messages per second the lock store allows.
All on loopback, on a machine shared with other work: say so next to the figures.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from tools.databases import throwaway_postgres
from tools.dialogues import RECOVERY_DIALOGUES
from tools.services import private_redis
from tools.stack import ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings


def redis_commands(url: str) -> int:
    stats = redis.Redis.from_url(url).info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k not in ("cmdstat_info", "cmdstat_ping"))


def database_stats(url: str) -> tuple[int, int]:
    """Committed transactions and inserted rows of `url`'s database so far."""
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        name = connection.scalar(text("SELECT current_database()"))
        row = connection.execute(
            text("SELECT xact_commit, tup_inserted FROM pg_stat_database WHERE datname = :n"), {"n": name}
        ).one()
    engine.dispose()
    return int(row.xact_commit), int(row.tup_inserted)


def play_dialogues(tracker_url: str, tickets_url: str, lock_url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as var:
        settings = isolated_settings(
            Path(var), tracker_db_url=tracker_url, tickets_db_url=tickets_url, lock_store_url=lock_url
        )
        with Stack(settings, extra_env=ONE_ADDRESS_LOAD_ENV).running() as stack:
            time.sleep(2)  # the stats collector lags a little
            commits, inserted = database_stats(tracker_url)
            commands = redis_commands(lock_url)
            messages = 0
            for dialogue in RECOVERY_DIALOGUES:
                sender = uuid.uuid4().hex
                for turn in dialogue.turns:
                    stack.say(sender, turn.message.format(sender=sender))
                    messages += 1
            time.sleep(2)
            commits_after, inserted_after = database_stats(tracker_url)
            commands_after = redis_commands(lock_url)
    return {
        "conversations": len(RECOVERY_DIALOGUES),
        "messages": messages,
        "messages_per_conversation": messages / len(RECOVERY_DIALOGUES),
        "pg_transactions_per_message": (commits_after - commits) / messages,
        "pg_rows_per_message": (inserted_after - inserted) / messages,
        "redis_commands_per_message": (commands_after - commands) / messages,
    }


PGBENCH_SCRIPT = """\\set sender random(1, 2000)
SELECT type_name, data FROM events WHERE sender_id = 'c' || :sender AND timestamp >= 0 ORDER BY id;
SELECT count(*) FROM events WHERE sender_id = 'c' || :sender;
BEGIN;
{inserts}
COMMIT;
"""
INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
    "VALUES ('c' || :sender, 'action', extract(epoch from now()), NULL, 'action_listen', "
    '\'{{"event": "action", "name": "action_listen", "policy": "RulePolicy", "confidence": 1.0}}\');'
)


def pgbench(url: str, rows_per_message: int, seconds: int) -> float:
    """Messages per second PostgreSQL stores with the tracker store's statements (pgbench tps)."""
    engine = create_engine(url, future=True)
    with engine.begin() as connection:  # 2000 conversations of 30 events, like a busy hour's
        connection.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) "
                "SELECT 'c' || (g % 2000 + 1), 'user', extract(epoch from now()), '{\"event\": \"user\"}' "
                "FROM generate_series(1, 60000) g"
            )
        )
    engine.dispose()
    script = PGBENCH_SCRIPT.format(inserts="\n".join([INSERT] * rows_per_message))
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    result = subprocess.run(
        ["pgbench", "-n", "-c", "4", "-j", "2", "-T", str(seconds), "-f", file.name, url],
        capture_output=True,
        text=True,
        check=True,
    )
    Path(file.name).unlink()
    return float(re.search(r"tps = ([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]


def redis_benchmark(url: str, requests: int) -> float:
    port = redis.Redis.from_url(url).connection_pool.connection_kwargs["port"]
    result = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", "set,get", "-n", str(requests), "-c", "20", "-q"],
        capture_output=True,
        text=True,
        check=True,
    )
    rates = [float(x) for x in re.findall(r"([\d.]+) requests per second", result.stdout)]
    return sum(rates) / len(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="pgbench duration")
    parser.add_argument("--requests", type=int, default=100_000, help="redis-benchmark requests per command")
    args = parser.parse_args(argv)
    for tool in ("pgbench", "redis-benchmark", "redis-server"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (Debian: postgresql-client, redis-tools, redis-server)")
    with (
        throwaway_postgres("capacity_tracker") as tracker,
        throwaway_postgres("capacity_tickets") as tickets,
        tempfile.TemporaryDirectory(prefix="capacity-redis-") as redis_folder,
        private_redis(Path(redis_folder)) as redis_server,  # its command counts are ours alone
    ):
        lock = redis_server.url()
        costs = play_dialogues(tracker, tickets, lock)
        rows = max(1, round(costs["pg_rows_per_message"]))
        pg_messages = pgbench(tracker, rows, args.seconds)
        redis_ops = redis_benchmark(lock, args.requests)
    print(f"dialogues played: {costs['conversations']}, messages: {costs['messages']}")
    print(f"messages per conversation:           {costs['messages_per_conversation']:.1f}")
    print(f"PostgreSQL transactions per message: {costs['pg_transactions_per_message']:.1f}")
    print(f"PostgreSQL rows written per message: {costs['pg_rows_per_message']:.1f}")
    print(f"Redis commands per message:          {costs['redis_commands_per_message']:.1f}")
    print(
        f"pgbench, tracker statements ({rows} rows/message), 4 clients, {args.seconds}s: "
        f"{pg_messages:.0f} messages/s"
    )
    print(f"redis-benchmark SET/GET, 20 clients: {redis_ops:.0f} commands/s")
    print(f"  = {redis_ops / costs['redis_commands_per_message']:.0f} messages/s of lock traffic")
    return 0


if __name__ == "__main__":
    sys.exit(main())
