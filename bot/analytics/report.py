"""The figures staff read, per day and per channel, from a window of conversations.

`build_report(events_engine, tickets_engine, since)` is what the dashboard's JSON and
`python -m bot report` both print. Rates are shares of the conversations of the row (the
feedback rate: of the answers). A handoff counts on the day and channel it started, an
answer on the day and channel it was given.

Over 300 lines: the rows, the report that adds them up and its tables are one calculation.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.engine import Engine

from bot.analytics.conversations import Conversation, conversations_of
from bot.analytics.handoffs import QUESTIONS, FeedbackRecord, HandoffRecord, read_feedback, read_handoffs
from bot.analytics.sources import EMPTY_OUTBOX, OutboxState, read_events, read_outbox
from bot.redaction import mask_contact_details, redact

TOP = 20  # rows of the path, drop-off and not-understood tables
ALL_CHANNELS = "all"
DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `24h`, `90m` before `now`, or an ISO date or time (UTC unless it says otherwise)."""
    match = DURATION.match(text)
    if match:
        return now - timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r}: expected e.g. 7d, 24h, 30m or 2026-12-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0..1) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass
class Row:
    """The figures of one day and channel (or of the whole window: day and channel "all")."""

    day: str
    channel: str
    conversations: int = 0
    messages: int = 0
    contained: int = 0
    tickets: int = 0
    handoffs: int = 0
    handed_back: int = 0
    agent_replies: int = 0
    feedback_helped: int = 0
    feedback_not_helped: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, conversation: Conversation) -> None:
        """Counts one conversation in this row."""
        self.conversations += 1
        self.messages += conversation.messages
        self.contained += conversation.contained
        self.tickets += conversation.ticket
        self.latencies.extend(conversation.latencies)

    def add_handoff(self, handoff: HandoffRecord) -> None:
        """Counts one handoff in this row."""
        self.handoffs += 1
        self.handed_back += handoff.handed_back
        self.agent_replies += handoff.agent_replies

    def add_feedback(self, answer: FeedbackRecord) -> None:
        """Counts one "did this help?" answer in this row."""
        self.feedback_helped += answer.helped
        self.feedback_not_helped += not answer.helped

    def as_dict(self) -> dict[str, Any]:
        """The row as the dashboard and the CSV export show it."""
        answers = self.feedback_helped + self.feedback_not_helped
        return {
            "day": self.day,
            "channel": self.channel,
            "conversations": self.conversations,
            "messages": self.messages,
            "contained": self.contained,
            "containment_rate": _rate(self.contained, self.conversations),
            "tickets": self.tickets,
            "handoffs": self.handoffs,
            "handed_back": self.handed_back,
            "agent_replies": self.agent_replies,
            "feedback_helped": self.feedback_helped,
            "feedback_not_helped": self.feedback_not_helped,
            "feedback_helped_rate": _rate(self.feedback_helped, answers),
            "latency_p50_ms": _ms(percentile(self.latencies, 0.50)),
            "latency_p95_ms": _ms(percentile(self.latencies, 0.95)),
        }


@dataclass
class Report:
    """The dashboard's figures for a period, per day and channel."""
    since: datetime
    until: datetime
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    days: dict[str, Row] = field(default_factory=dict)  # every channel together
    total: Row = field(default_factory=lambda: Row(ALL_CHANNELS, ALL_CHANNELS))
    served: Counter[str] = field(default_factory=Counter)
    worked: Counter[str] = field(default_factory=Counter)
    did_not_work: Counter[str] = field(default_factory=Counter)
    dropoffs: Counter[str] = field(default_factory=Counter)
    not_understood: Counter[str] = field(default_factory=Counter)
    handoffs_ended_by: Counter[str] = field(default_factory=Counter)
    answers: Counter[tuple[str, str, str, bool]] = field(default_factory=Counter)  # moment, path, channel
    outbox: OutboxState = EMPTY_OUTBOX

    def _rows_of(self, day: date, channel: str) -> tuple[Row, Row, Row]:
        """The row of the day and channel, of the day, and of the whole window."""
        key = (day.isoformat(), channel)
        return (
            self.rows.setdefault(key, Row(*key)),
            self.days.setdefault(key[0], Row(key[0], ALL_CHANNELS)),
            self.total,
        )

    def add(self, conversation: Conversation, idle_seconds: float) -> None:
        """Counts one conversation in its day's rows and its paths' figures."""
        for row in self._rows_of(conversation.day, conversation.channel):
            row.add(conversation)
        for outcome in conversation.paths:
            self.served[outcome.path] += 1
            self.worked[outcome.path] += outcome.worked is True
            self.did_not_work[outcome.path] += outcome.worked is False
        if conversation.ended_unresolved(self.until.timestamp(), idle_seconds):
            self.dropoffs[conversation.last_question or "(before any question)"] += 1
        for text in conversation.not_understood:
            self.not_understood[shown_text(text)] += 1

    def add_handoff(self, handoff: HandoffRecord) -> None:
        """Counts one handoff in its day's rows, and how it ended."""
        for row in self._rows_of(handoff.day, handoff.channel):
            row.add_handoff(handoff)
        self.handoffs_ended_by[handoff.ended_by or "still with an agent"] += 1

    def add_feedback(self, answer: FeedbackRecord) -> None:
        """Counts one "did this help?" answer in its day's rows and by path."""
        for row in self._rows_of(answer.day, answer.channel):
            row.add_feedback(answer)
        self.answers[(answer.moment, answer.recovery_path or "(no path)", answer.channel, answer.helped)] += 1

    def daily(self) -> list[dict[str, Any]]:
        """One row per day and channel, oldest first."""
        return [self.rows[key].as_dict() for key in sorted(self.rows)]

    def paths(self) -> list[dict[str, Any]]:
        """Per recovery path: how often it was served and how often it worked."""
        return [
            {
                "path": path,
                "served": served,
                "worked": self.worked[path],
                "did_not_work": self.did_not_work[path],
                "success_rate": _rate(self.worked[path], served),
            }
            for path, served in self.served.most_common(TOP)
        ]

    def handoffs(self) -> dict[str, Any]:
        """The live handoff's figures for the period."""
        total = self.total
        return {
            "started": total.handoffs,
            "handed_back": total.handed_back,
            "agent_replies": total.agent_replies,
            "ended_by": dict(sorted(self.handoffs_ended_by.items())),
            "daily": [
                {
                    "day": row.day,
                    "channel": row.channel,
                    "started": row.handoffs,
                    "handed_back": row.handed_back,
                    "agent_replies": row.agent_replies,
                }
                for _, row in sorted(self.rows.items())
                if row.handoffs
            ],
        }

    def feedback(self) -> dict[str, Any]:
        """The answers per question (moment), path and channel: helped or not."""
        total = self.total
        groups = sorted({key[:3] for key in self.answers})
        rows = []
        for moment, path, channel in groups:
            helped = self.answers[(moment, path, channel, True)]
            not_helped = self.answers[(moment, path, channel, False)]
            rows.append(
                {
                    "question": QUESTIONS.get(moment, moment),
                    "moment": moment,
                    "path": path,
                    "channel": channel,
                    "helped": helped,
                    "not_helped": not_helped,
                    "helped_rate": _rate(helped, helped + not_helped),
                }
            )
        answers = total.feedback_helped + total.feedback_not_helped
        return {
            "count": answers,
            "helped": total.feedback_helped,
            "not_helped": total.feedback_not_helped,
            "helped_rate": _rate(total.feedback_helped, answers),
            "rows": rows,
        }

    def as_dict(self) -> dict[str, Any]:
        """The whole report as JSON-ready data."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "totals": self.total.as_dict(),
            "daily": self.daily(),
            "by_day": [self.days[day].as_dict() for day in sorted(self.days)],
            "channels": sorted({channel for _, channel in self.rows}),
            "paths": self.paths(),
            "dropoffs": [{"question": q, "conversations": n} for q, n in self.dropoffs.most_common(TOP)],
            "not_understood": [{"text": t, "count": n} for t, n in self.not_understood.most_common(TOP)],
            "handoffs": self.handoffs(),
            "feedback": self.feedback(),
            "outbox": self.outbox.as_dict(),
        }

    def table(self, name: str) -> list[dict[str, Any]]:
        """One of TABLES as rows, for CSV."""
        data = self.as_dict()
        if name == "outbox":
            return [data["outbox"]]
        if name in ("handoffs", "feedback"):
            return list(data[name]["daily" if name == "handoffs" else "rows"])
        return list(data[name.replace("-", "_")])


TABLES = ("daily", "by-day", "paths", "dropoffs", "not-understood", "handoffs", "feedback", "outbox")


def shown_text(text: str) -> str:
    """A message as staff may see it: secrets, email addresses and phone numbers masked,
    case and spacing folded so that the same phrasing counts once."""
    masked = mask_contact_details(redact(text).text)
    return " ".join(masked.lower().split())[:200]


def build_report(
    events_engine: Engine,
    tickets_engine: Engine | None,
    since: datetime,
    until: datetime | None = None,
    idle_seconds: float = 1800.0,
) -> Report:
    """The figures of the conversations with events from `since` to `until` (now), and of the
    handoffs started and feedback given in that window (read from `tickets_engine`).

    A conversation counts as a drop-off once it has been quiet for `idle_seconds` without
    "it worked" or a ticket (every handoff is on one).
    """
    report = Report(since, until or datetime.now(timezone.utc))
    for conversation in conversations_of(read_events(events_engine, since, report.until)):
        report.add(conversation, idle_seconds)
    if tickets_engine is not None:
        for handoff in read_handoffs(tickets_engine, since, report.until):
            report.add_handoff(handoff)
        for answer in read_feedback(tickets_engine, since, report.until):
            report.add_feedback(answer)
        report.outbox = read_outbox(tickets_engine)
    return report


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """`rows` as CSV with a header line (empty when there are no rows)."""
    rows = list(rows)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()
