"""A newcomer's first ten minutes, measured: `make run` (and `make check`, `make test`) in a fresh clone.

    .venv/bin/python -m tools.first_run [--check] [--test] [--clone-dir DIR]

Clones the committed HEAD of this repository into a new folder (nothing of this worktree's
.venv, var/ or models/ comes along), runs `make run` there with its output on a pipe, as a
newcomer's terminal would show it (no progress line: that needs a terminal), and posts a
message over `POST /webhooks/rest/webhook` until the bot answers. It prints the seconds to that
first answer, the lines `make run` printed until then, and those lines; then it stops the bot.
`--check` and `--test` then time `make check` and `make test` in the same clone, with their
exit status. Pip's cache is whatever the machine has (warm on a developer's machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from bot.settings import PROJECT_ROOT
from tools.stack import free_port


def first_answer(url: str) -> bool:
    try:
        reply = requests.post(url, json={"sender": "newcomer", "message": "I lost my phone"}, timeout=30)
        return reply.status_code == 200 and bool(reply.json())
    except (requests.RequestException, ValueError):
        return False


def time_make_run(clone: Path, timeout: float) -> tuple[float | None, list[str]]:
    """Seconds from `make run` to the first answer (None: no answer in time), and the lines it printed."""
    rasa_port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port)}
    env.pop("VIRTUAL_ENV", None)
    lines: list[str] = []
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    answered: float | None = None
    try:
        while process.poll() is None and time.monotonic() - started < timeout:
            if first_answer(url):
                answered = time.monotonic() - started
                break
            time.sleep(2)
        time.sleep(1)  # what make run prints right after it is ready
        return answered, [line.rstrip("\n") for line in lines]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def time_make(clone: Path, target: str) -> tuple[float, int]:
    started = time.monotonic()
    with open(clone / f"make-{target}.out", "w") as out:
        status = subprocess.call(["make", target], cwd=clone, stdout=out, stderr=subprocess.STDOUT)
    return time.monotonic() - started, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clone-dir", type=Path, default=None, help="where to clone (must not exist)")
    parser.add_argument("--check", action="store_true", help="also time `make check` in the clone")
    parser.add_argument("--test", action="store_true", help="also time `make test` in the clone")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    clone = args.clone_dir or Path(tempfile.mkdtemp(prefix="fresh-clone-")) / "bot"
    commit = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, text=True)
    subprocess.check_call(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)])
    print(f"Fresh clone of {commit.strip()} in {clone}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f})", flush=True)

    seconds, lines = time_make_run(clone, args.timeout)
    print(f"\n--- what `make run` printed ({len(lines)} lines) ---")
    print("\n".join(lines))
    print("---")
    result = "no answer" if seconds is None else f"{seconds:.0f} s"
    print(f"make run: first answer over POST /webhooks/rest/webhook after {result}; "
          f"{len(lines)} lines printed", flush=True)
    failed = seconds is None
    for target in [t for t, wanted in (("check", args.check), ("test", args.test)) if wanted]:
        elapsed, status = time_make(clone, target)
        print(f"make {target}: exit {status} after {elapsed:.0f} s (output: {clone / f'make-{target}.out'})",
              flush=True)
        failed = failed or status != 0
    if not args.clone_dir:
        print(f"(the clone stays in {clone}; remove it with: rm -rf {clone.parent})")
    return 1 if failed else 0


if __name__ == "__main__":
    shutil.which("make") or sys.exit("make is needed")
    sys.exit(main())
