"""`make chaos`: failover under load, measured (issue 15, point 4). A benchmark, not a test.

50 simulated people hold recovery conversations (tools/dialogues.py) with two Rasa servers and
one action server over PostgreSQL (conversations, tickets) and Redis (locks, live sessions)
for three minutes, while this script
  - kills one Rasa server (SIGKILL) and starts it again,
  - restarts PostgreSQL (pg_ctl restart, fast shutdown: clean, not a crash),
  - restarts Redis (SHUTDOWN NOSAVE, then the same server again; it keeps nothing on disk).
Tickets are forwarded to a helpdesk stand-in (a local webhook that deduplicates on the
Idempotency-Key, as Zendesk does). A person's message goes to the next server, and to the
other one when the connection is refused (a load balancer's health check); a person who gets
an apology, or nothing within 10 s, sends the message again (at most 3 times). Each message
has an id (`metadata.message_id`), the same when it is sent again after no answer (a cut-off,
a timeout, not 200), a new one after an answer (an apology): a message the killed server had
handled is answered with its first replies instead of being handled twice.

It prints turns sent, answered, lost once answered and duplicated (read back from every
tracker through the HTTP API), tickets opened versus arrived, the longest gap in answers, each
restart's time until the service answered again, and the error replies people saw
(var/chaos/replies.log has each one and each timeout, with its time, for the servers' logs).

PostgreSQL and Redis are the run's own (tools/services.py: a cluster made with initdb and a
redis-server, under var/chaos/, removed afterwards), so the machine's shared services and
other people's tests are left alone, and no root is needed. `--ports 6300-6399` takes every
port (servers, databases, helpdesk) from a range; `--kill-only` restarts neither database.
Only 127.0.0.1.

Over 300 lines: one scenario, read top to bottom (services, people, faults, report).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text

from bot.settings import PROJECT_ROOT, Settings
from bot.tickets import find_ticket_id
from rasa_addons.guards.messages import Replies
from tools.databases import ensure_postgres_database
from tools.dialogues import RECOVERY_DIALOGUES, Dialogue
from tools.load import answer_text
from tools.services import Ports, PrivatePostgres, PrivateRedis, private_postgres, private_redis
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings, wait_until

USERS = 50
ANSWER_WITHIN_SECONDS = 10.0
RESENDS = 3
OPENED = "opened support ticket"
# The right answer to a resent ticket request whose first send opened the ticket (its answer
# was cut off by the kill): the same ticket, named.
ALREADY_OPEN = "already have support ticket"
LOG_DIR = PROJECT_ROOT / "var" / "chaos"


# --- the helpdesk stand-in --------------------------------------------------------------------


class Helpdesk:
    """A webhook helpdesk on 127.0.0.1: one record per Idempotency-Key, every delivery counted."""

    def __init__(self, port: int) -> None:
        self.records: dict[str, str] = {}  # idempotency key -> our ticket id
        self.deliveries = 0
        self.lock = threading.Lock()
        desk = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with desk.lock:
                    desk.deliveries += 1
                    desk.records.setdefault(self.headers["Idempotency-Key"], body["id"])
                    reference = f"HD-{list(desk.records).index(self.headers['Idempotency-Key']) + 1}"
                answer = json.dumps({"id": reference}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tickets"

    def ticket_ids(self) -> list[str]:
        with self.lock:
            return list(self.records.values())


# --- the people -------------------------------------------------------------------------------


@dataclass
class Record:
    """What the simulated people sent and saw."""

    sent: int = 0
    answered: int = 0
    failed: int = 0  # the connection dropped, every server refused, not 200, or an empty answer
    timeouts: int = 0  # no reply within ANSWER_WITHIN_SECONDS
    longest_wait: float = 0.0  # first send of a message to its answer, resends included
    error_replies: collections.Counter[str] = field(default_factory=collections.Counter)
    answer_times: list[float] = field(default_factory=list)  # monotonic time of each answer
    answered_turns: dict[str, list[str]] = field(default_factory=dict)  # sender -> texts
    sent_turns: dict[str, list[str]] = field(default_factory=dict)
    tickets_told: set[str] = field(default_factory=set)
    abandoned: int = 0
    tickets_named_again: int = 0  # a resent ticket request answered with the ticket its first send opened
    log: list[str] = field(default_factory=list)  # each error reply and timeout, for var/chaos/replies.log

    def note(self, sender: str, message: str, what: str) -> None:
        self.log.append(f"{time.strftime('%H:%M:%S')} {sender} {message!r}: {what}")


class Balancer:
    """Round-robin over the servers; a refused connection goes on to the other servers in turn."""

    def __init__(self, urls: list[str]) -> None:
        self.urls, self.next = urls, 0

    async def post(
        self, session: aiohttp.ClientSession, body: dict[str, Any], timeout: float
    ) -> list[Any] | int | None:
        """The answers, or the HTTP status when it is not 200, or None when every server refused."""
        first = self.next  # taken once: the other people's sends move it while this one waits
        self.next += 1
        for offset in range(len(self.urls)):
            url = self.urls[(first + offset) % len(self.urls)]
            try:
                async with session.post(
                    f"{url}/webhooks/rest/webhook", json=body, timeout=aiohttp.ClientTimeout(total=timeout)
                ) as reply:
                    if reply.status != 200:
                        return reply.status
                    return list(await reply.json())
            except aiohttp.ClientConnectorError:
                continue
        return None


async def person(
    session: aiohttp.ClientSession, balancer: Balancer, record: Record, apology: str, until: float, start: int
) -> None:
    number = start
    while time.monotonic() < until:
        dialogue: Dialogue = RECOVERY_DIALOGUES[number % len(RECOVERY_DIALOGUES)]
        number += 1
        sender = f"chaos-{uuid.uuid4().hex[:12]}"
        for turn in dialogue.turns:
            message = turn.message.replace("{sender}", sender)
            answered = False
            first_sent = time.monotonic()
            message_id = uuid.uuid4().hex  # the same on a resend after no answer: not handled twice
            for attempt in range(1 + RESENDS):
                record.sent += 1
                record.sent_turns.setdefault(sender, []).append(message)
                body = {"sender": sender, "message": message, "metadata": {"message_id": message_id}}
                try:
                    answer = await balancer.post(session, body, ANSWER_WITHIN_SECONDS)
                except asyncio.TimeoutError:
                    record.timeouts += 1
                    record.note(sender, message, "no reply within 10 s")
                    continue
                except aiohttp.ClientError as error:
                    answer, cut = None, type(error).__name__
                else:
                    cut = ""
                said = answer_text(answer) if isinstance(answer, list) else ""
                if not said:
                    record.failed += 1
                    if cut:
                        why = f"cut off ({cut})"
                    elif answer is None:
                        why = "refused by every server"
                    else:
                        why = f"HTTP {answer}" if isinstance(answer, int) else "an empty answer"
                    if isinstance(answer, list):
                        message_id = uuid.uuid4().hex  # handled, answered with nothing: a new message
                    record.note(sender, message, why)
                    await asyncio.sleep(1)
                    continue
                resent_ticket = attempt > 0 and turn.expect == OPENED and ALREADY_OPEN in said.lower()
                if apology in said or (turn.expect.lower() not in said.lower() and not resent_ticket):
                    record.error_replies[" ".join(said.split())[:90]] += 1
                    record.note(sender, message, f"expected {turn.expect!r}, got {' '.join(said.split())!r}")
                    message_id = uuid.uuid4().hex  # answered: typing it again is a new message
                    await asyncio.sleep(1)
                    continue
                answered = True
                record.answered += 1
                record.tickets_named_again += resent_ticket
                record.answer_times.append(time.monotonic())
                record.longest_wait = max(record.longest_wait, time.monotonic() - first_sent)
                record.answered_turns.setdefault(sender, []).append(message)
                ticket = find_ticket_id(said) if turn.expect == OPENED else None
                if ticket:
                    record.tickets_told.add(ticket)
                break
            if not answered:
                record.abandoned += 1
                break
            await asyncio.sleep(0.5)  # reading the answer


async def people(urls: list[str], record: Record, seconds: float) -> None:
    apology = Replies.load().unavailable[:40]
    balancer = Balancer(urls)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=USERS * 2)) as session:
        until = time.monotonic() + seconds
        await asyncio.gather(*(person(session, balancer, record, apology, until, n) for n in range(USERS)))


# --- the servers ------------------------------------------------------------------------------


@dataclass
class Servers:
    """The action server and each Rasa server as stacks of their own, so one can be killed."""

    settings: Any
    env: dict[str, str]
    ports: tuple[int, int]
    rasa: list[Stack] = field(default_factory=list)
    actions: Stack | None = None
    service_after_kill: float = 0.0

    def rasa_stack(self, port: int) -> Stack:
        return Stack(
            self.settings, rasa_ports=(port,), extra_env=self.env, log_dir=LOG_DIR, start_action_server=False
        )

    @contextmanager
    def running(self) -> Iterator[Servers]:
        self.actions = Stack(self.settings, rasa_ports=(), extra_env=self.env, log_dir=LOG_DIR)
        with self.actions.running():
            self.rasa = [self.rasa_stack(port) for port in self.ports]
            try:
                for stack in self.rasa:
                    stack.start(timeout=300)
                yield self
            finally:
                for stack in self.rasa:
                    stack.stop()

    def kill_and_restart(self, index: int) -> float:
        """SIGKILLs Rasa server `index` and starts it again; seconds until it answers.

        Prints how soon the other server answered (the service as people see it)."""
        stack = self.rasa[index]
        pid = next(iter(stack.pids().values()))
        killed = time.monotonic()
        os.killpg(pid, signal.SIGKILL)
        wait_until(lambda: not stack.alive(), timeout=10)
        stack.stop()
        other = self.urls()[1 - index]
        self.service_after_kill = service_back([other], killed)
        self.rasa[index] = self.rasa_stack(self.ports[index])
        self.rasa[index].start(timeout=300)
        return time.monotonic() - killed

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]


def service_back(urls: list[str], since: float, timeout: float = 120) -> float:
    """Seconds from `since` until every server answers a probe message properly."""
    import requests

    apology = Replies.load().unavailable[:40]

    def answers() -> bool:
        for url in urls:
            try:
                reply = requests.post(
                    f"{url}/webhooks/rest/webhook",
                    json={"sender": f"probe-{uuid.uuid4().hex[:8]}", "message": "hello"},
                    timeout=5,
                )
                said = answer_text(reply.json()) if reply.status_code == 200 else ""
            except (requests.RequestException, ValueError):
                return False
            if not said or apology in said:
                return False
        return True

    wait_until(answers, timeout=timeout)
    return time.monotonic() - since


# --- the run ----------------------------------------------------------------------------------


def longest_gap(times: list[float], end: float) -> float:
    """The longest time nobody got an answer, from the first answer to the end of the load."""
    moments = [*sorted(times), end]
    return max(b - a for a, b in itertools.pairwise(moments))


def tracker_turns(stack: Stack, sender: str) -> list[str]:
    events = stack.tracker(sender)["events"]
    return [e["text"] for e in events if e.get("event") == "user"]


@contextmanager
def own_services(ports: Ports) -> Iterator[tuple[Settings, PrivatePostgres, PrivateRedis]]:
    """The run's own PostgreSQL (conversations, tickets) and Redis (locks, live sessions, limits)."""
    with ExitStack() as stack:
        postgres = stack.enter_context(private_postgres(LOG_DIR / "postgres", ports.take()))
        redis_server = stack.enter_context(private_redis(LOG_DIR / "redis", ports.take()))
        for database in ("chaos_tracker", "chaos_tickets"):
            ensure_postgres_database(postgres.url(database))
        action_port = ports.take()
        settings = isolated_settings(
            Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-"))),
            rasa_port=ports.take(),
            action_port=action_port,
            action_server_url=f"http://127.0.0.1:{action_port}/webhook",
            tracker_db_url=postgres.url("chaos_tracker"),
            tickets_db_url=postgres.url("chaos_tickets"),
            lock_store_url=redis_server.url(),
        )
        yield settings, postgres, redis_server


def run(seconds: float, restart_databases: bool, ports: Ports) -> int:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    helpdesk = Helpdesk(ports.take())
    record = Record()
    restarts: list[tuple[str, float]] = []
    with ExitStack() as stack:
        settings, postgres, redis_server = stack.enter_context(own_services(ports))
        tickets_url = settings.tickets_db_url
        env = {
            **ONE_ADDRESS_LOAD_ENV,
            "HELPDESK": "webhook",
            "HELPDESK_URL": helpdesk.url,
            "HELPDESK_WEBHOOK_SECRET": "chaos",
            "TICKETS_RETRY_BASE_SECONDS": "1",
            "TICKETS_RETRY_MAX_SECONDS": "5",
            "TICKETS_FORWARD_INTERVAL_SECONDS": "1",
            "RATE_LIMIT_PER_SENDER": "0",
        }
        servers = Servers(settings, env, (settings.rasa_port, ports.take()))
        print(
            f"==> PostgreSQL on port {postgres.port} and Redis on port {redis_server.port} of this run;"
            f" two Rasa servers and an action server (logs in {LOG_DIR})",
            flush=True,
        )
        stack.enter_context(servers.running())

        def restarted(restart: Callable[[], None]) -> Callable[[], float]:
            def back() -> float:
                since = time.monotonic()
                restart()
                return service_back(servers.urls(), since)

            return back

        schedule: list[tuple[float, str, Callable[[], float]]] = [
            (0.15 * seconds, "SIGKILL Rasa server 1, start it again", lambda: servers.kill_and_restart(0)),
        ]
        if restart_databases:
            schedule += [
                (0.45 * seconds, "restart PostgreSQL", restarted(postgres.restart)),
                (0.72 * seconds, "restart Redis", restarted(redis_server.restart)),
            ]
        service_back(servers.urls(), time.monotonic())  # a first message warms each server up
        started = time.monotonic()
        load = threading.Thread(target=lambda: asyncio.run(people(servers.urls(), record, seconds)))
        load.start()
        for at, name, action in schedule:
            time.sleep(max(0.0, started + at - time.monotonic()))
            print(f"    t={time.monotonic() - started:5.1f}s  {name}", flush=True)
            restarts.append((f"{name}: s until both servers answer", action()))
            if name.startswith("SIGKILL"):
                restarts.append(("SIGKILL: s until the other server answered", servers.service_after_kill))
            print(f"           back after {restarts[-1][1]:.1f}s", flush=True)
        load.join()
        ended = time.monotonic()
        (LOG_DIR / "replies.log").write_text("".join(f"{line}\n" for line in record.log))
        print("==> load over; waiting for the helpdesk to receive every ticket (up to 60 s)", flush=True)
        engine = create_engine(tickets_url, future=True)

        def stored() -> set[str]:
            with engine.connect() as connection:
                return {row[0] for row in connection.execute(text("SELECT public_id FROM tickets"))}

        wait_until(lambda: stored() <= set(helpdesk.ticket_ids()), timeout=60)
        in_db = stored()
        engine.dispose()
        lost_turns = duplicated_turns = 0
        for sender, answered in record.answered_turns.items():
            kept = collections.Counter(tracker_turns(servers.rasa[1], sender))
            for message, times in collections.Counter(answered).items():
                lost_turns += max(0, times - kept[message])
            sent = collections.Counter(record.sent_turns[sender])
            duplicated_turns += sum(max(0, kept[m] - sent[m]) for m in kept)
        report(record, helpdesk, in_db, lost_turns, duplicated_turns, restarts, seconds, ended)
    return 0


def report(
    record: Record,
    helpdesk: Helpdesk,
    in_db: set[str],
    lost_turns: int,
    duplicated_turns: int,
    restarts: list[tuple[str, float]],
    seconds: float,
    ended: float,
) -> None:
    arrived = helpdesk.ticket_ids()
    arrived_count = collections.Counter(arrived)
    print(
        f"\n{USERS} people, {seconds:.0f} s, two Rasa servers, PostgreSQL and Redis"
        f" ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
    )
    rows = [
        ("turns sent (with resends)", record.sent),
        ("turns answered", record.answered),
        ("turns lost once answered (tracker)", lost_turns),
        ("turns duplicated (tracker)", duplicated_turns),
        ("sends cut off (dropped, refused everywhere, not 200)", record.failed),
        ("sends with no reply within 10 s", record.timeouts),
        ("longest wait for an answer, resends incl. (s)", round(record.longest_wait, 1)),
        ("conversations given up (4 sends failed)", record.abandoned),
        ("tickets told to people", len(record.tickets_told)),
        ("  of which named again to a resent request", record.tickets_named_again),
        ("tickets in the ticket database", len(in_db)),
        ("tickets arrived at the helpdesk", len(arrived_count)),
        ("tickets lost (stored, never arrived)", len(in_db - set(arrived))),
        ("tickets told but not stored", len(record.tickets_told - in_db)),
        ("tickets duplicated at the helpdesk", sum(1 for n in arrived_count.values() if n > 1)),
        ("helpdesk deliveries (repeats share a key)", helpdesk.deliveries),
        ("longest gap in answers (s)", round(longest_gap(record.answer_times, ended), 1)),
    ]
    rows += [(name, round(value, 1)) for name, value in restarts]
    for label, value in rows:
        print(f"  {label:52} {value:>8}")
    print("  error replies people saw:" + ("" if record.error_replies else " none"))
    for reply, count in record.error_replies.most_common():
        print(f"    {count:5} x {reply}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=180.0, help="how long the people chat (default 180)")
    parser.add_argument("--kill-only", action="store_true", help="restart neither PostgreSQL nor Redis")
    parser.add_argument(
        "--ports", metavar="FIRST-LAST", help="take every port from this range (default: any free ones)"
    )
    args = parser.parse_args(argv)
    if not DEFAULT_MODEL.exists():
        print(f"{DEFAULT_MODEL} is missing: run `make model` first", file=sys.stderr)
        return 1
    if not 30 <= args.seconds <= 600:
        parser.error("--seconds between 30 and 600")
    return run(args.seconds, restart_databases=not args.kill_only, ports=Ports(args.ports))


if __name__ == "__main__":
    sys.exit(main())
