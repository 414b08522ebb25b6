"""Several Sanic workers of one pod report one set of figures (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.settings import PROJECT_ROOT

COUNT = "from bot.metrics import MESSAGES; MESSAGES.labels('rest').inc({n})"
SCRAPE = "import sys; from bot.metrics import exposition; sys.stdout.write(exposition()[0].decode())"


def run(code: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def test_the_workers_counts_are_added_up(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    run(COUNT.format(n=2), env)  # two workers, each its own process
    run(COUNT.format(n=3), env)
    samples = {
        (sample.name, tuple(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(run(SCRAPE, env))
        for sample in family.samples
    }
    assert samples[("recovery_bot_messages_total", (("channel", "rest"),))] == 5
