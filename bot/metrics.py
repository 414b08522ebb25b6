"""The Prometheus metrics both servers export on GET /metrics (docs/operations.md, "Metrics").

Rasa servers count what they receive (messages by channel, answer latency, rate-limit
refusals: rasa_addons/channels/operations.py); action servers count what they do (paths
served, tickets opened) and read the ticket outbox when scraped (`OutboxCollector`).
Each process exports its own figures: Prometheus scrapes every pod and `sum()` adds them.
With several Sanic workers in one process group, set PROMETHEUS_MULTIPROC_DIR to an empty
folder per pod and the workers' figures are merged (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from bot.analytics.conversations import channel_label
from bot.analytics.sources import OutboxState
from bot.settings import Settings

__all__ = [
    "ANSWER_SECONDS",
    "MESSAGES",
    "PATHS_SERVED",
    "RATE_LIMIT_REFUSALS",
    "TICKETS_OPENED",
    "OutboxCollector",
    "channel_label",
    "exposition",
]

PREFIX = "recovery_bot"

MESSAGES = Counter(f"{PREFIX}_messages", "Messages received from people, by channel", ["channel"])
ANSWER_SECONDS = Histogram(
    f"{PREFIX}_answer_seconds",
    "Time from a message's arrival to the bot's answer, by channel",
    ["channel"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
RATE_LIMIT_REFUSALS = Counter(
    f"{PREFIX}_rate_limit_refusals", "Messages refused by a rate limit, by channel", ["channel"]
)
PATHS_SERVED = Counter(f"{PREFIX}_paths_served", "Recovery paths whose steps were sent", ["path"])
TICKETS_OPENED = Counter(f"{PREFIX}_tickets_opened", "Support tickets opened, by channel", ["channel"])


class OutboxCollector(Collector):
    """The ticket outbox as gauges, read from the ticket database at each scrape."""

    def __init__(self, read: Callable[[], OutboxState]) -> None:
        self.read = read

    def collect(self) -> Iterable[Metric]:
        """The ticket outbox's gauges, read now (outbox_up 0 when the database is down)."""
        try:
            state = self.read()
        except Exception:  # the database is down: say so instead of failing the whole scrape
            yield GaugeMetricFamily(f"{PREFIX}_outbox_up", "1 when the ticket database answered", value=0)
            return
        yield GaugeMetricFamily(f"{PREFIX}_outbox_up", "1 when the ticket database answered", value=1)
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_pending", "Tickets waiting to reach the helpdesk", value=state.pending
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_retrying", "Waiting tickets that failed at least once", value=state.retrying
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_failed", "Tickets the helpdesk refused (staff must look)", value=state.failed
        )
        yield CounterMetricFamily(
            f"{PREFIX}_outbox_failed_attempts", "Forwarding attempts that failed", value=state.failed_attempts
        )


def exposition(collectors: Sequence[Collector] = ()) -> tuple[bytes, str]:
    """This process's metrics (or its workers', in multiprocess mode) in Prometheus' text format."""
    if Settings.from_env().prometheus_multiproc_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(_Default())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Default(Collector):
    """The process-wide default registry (counters above, process and Python metrics)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()
