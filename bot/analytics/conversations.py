"""From stored events to conversations: what each one was, and how it ended.

A conversation is one Rasa session of one sender (a `session_started` or `restart` event
begins the next) with at least one message from the person. The events read, and what
they mean here (docs/operations.md, "What the figures are made of"):

- `user` events: a message; its `input_channel` gives the conversation's channel, its
  intent `nlu_fallback`, or a fallback action after it (`action_default_fallback`,
  `action_not_understood`, `utter_fallback`), marks a message the bot did not understand;
- `bot` events: the bot's answer; the first one after a message gives the answer latency,
  and its `metadata.utter_action` names the question the person left at;
- `action` `utter_glad_it_worked`: the person said the steps worked ("it worked");
  `action_steps_did_not_work`: they said they did not;
- `slot` `recovery_path`: a path served; `slot` `ticket_id`: a ticket opened.
Absent events simply count as nothing happened. Handoffs and feedback are not events: they
are rows of the ticket database (bot/analytics/handoffs.py). Every handoff hands over the
conversation of a ticket it opened, so "a ticket" covers "a person took over" here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from bot.analytics.sources import Event

IT_WORKED_ACTION = "utter_glad_it_worked"
DID_NOT_WORK_ACTION = "action_steps_did_not_work"
PATH_SLOT = "recovery_path"
TICKET_SLOT = "ticket_id"
NOT_UNDERSTOOD_INTENT = "nlu_fallback"
NOT_UNDERSTOOD_ACTIONS = ("action_default_fallback", "action_not_understood", "utter_fallback")
SESSION_BOUNDARIES = ("session_started", "restart")
CHANNEL_NAMES = {"socketio": "widget", "botframework": "teams"}  # Rasa's channel names, as staff say them


def channel_label(rasa_channel: str | None) -> str:
    """The channel as staff name it (the widget speaks Rasa's `socketio`)."""
    name = rasa_channel or "unknown"
    return CHANNEL_NAMES.get(name, name)


@dataclass
class PathOutcome:
    """One recovery path served in a conversation, and what the person said about it."""

    path: str
    worked: bool | None = None  # None: the person did not say


@dataclass
class Conversation:
    """One conversation as the analytics count it: channel, times, outcome."""
    sender_id: str
    channel: str = "unknown"
    started_at: float = 0.0
    last_event_at: float = 0.0
    messages: int = 0
    it_worked: bool = False
    ticket: bool = False
    paths: list[PathOutcome] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds from a message to the first answer
    not_understood: list[str] = field(default_factory=list)  # the texts, as stored (already masked)
    last_question: str | None = None  # the bot's last response name (or action) before the end
    _awaiting_answer_since: float | None = None
    _unexplained_text: str | None = None  # the last message, until it counts as not understood

    @property
    def day(self) -> date:
        """The UTC day the conversation started on."""
        return datetime.fromtimestamp(self.started_at, timezone.utc).date()

    @property
    def contained(self) -> bool:
        """Helped by the bot alone: the steps worked and no person was needed (no ticket)."""
        return self.it_worked and not self.ticket

    def ended_unresolved(self, now: float, idle_seconds: float) -> bool:
        """Left without "it worked" or a ticket (and so a handoff), and quiet for `idle_seconds`."""
        return not (self.it_worked or self.ticket) and now - self.last_event_at >= idle_seconds

    def add(self, event: Event) -> None:
        """Takes one stored event of this conversation into account."""
        self.last_event_at = max(self.last_event_at, event.timestamp)
        handler = getattr(self, f"_on_{event.type_name}", None)
        if handler is not None:
            handler(event.timestamp, event.data)

    def _on_user(self, timestamp: float, data: dict[str, Any]) -> None:
        if self.messages == 0:
            self.started_at = timestamp
            self.channel = channel_label(data.get("input_channel"))
        self.messages += 1
        self._awaiting_answer_since = timestamp
        self._unexplained_text = str(data.get("text") or "")
        intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == NOT_UNDERSTOOD_INTENT:
            self._not_understood()

    def _on_bot(self, timestamp: float, data: dict[str, Any]) -> None:
        if self._awaiting_answer_since is not None:
            self.latencies.append(max(0.0, timestamp - self._awaiting_answer_since))
            self._awaiting_answer_since = None
        response = (data.get("metadata") or {}).get("utter_action")
        if response:
            self.last_question = str(response)

    def _on_action(self, timestamp: float, data: dict[str, Any]) -> None:
        name = str(data.get("name") or "")
        if name == IT_WORKED_ACTION:
            self.it_worked = True
            self._judge_path(worked=True)
        elif name == DID_NOT_WORK_ACTION:
            self._judge_path(worked=False)
        elif name in NOT_UNDERSTOOD_ACTIONS:
            self._not_understood()

    def _not_understood(self) -> None:
        """The last message was not understood (counted once, however many fallbacks follow)."""
        if self._unexplained_text is not None:
            self.not_understood.append(self._unexplained_text)
            self._unexplained_text = None

    def _on_slot(self, timestamp: float, data: dict[str, Any]) -> None:
        name, value = data.get("name"), data.get("value")
        if value is None:
            return
        if name == PATH_SLOT:
            self.paths.append(PathOutcome(str(value)))
        elif name == TICKET_SLOT:
            self.ticket = True

    def _judge_path(self, worked: bool) -> None:
        if self.paths and self.paths[-1].worked is None:
            self.paths[-1].worked = worked


def conversations_of(events: Iterable[Event]) -> Iterator[Conversation]:
    """The conversations in `events` (grouped by sender, in order), those with a message only."""
    current: Conversation | None = None
    for event in events:
        if current is None or event.sender_id != current.sender_id or event.type_name in SESSION_BOUNDARIES:
            if current is not None and current.messages:
                yield current
            current = Conversation(event.sender_id)
        current.add(event)
    if current is not None and current.messages:
        yield current
