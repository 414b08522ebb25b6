"""A person takes over: live handoff to the support team and back, feedback, follow-up reminders.

Plain Python over the ticket database (docs/handoff.md); the Rasa side is
rasa_addons/channels/helpdesk.py (agent replies in) and rasa_addons/handoff_relay.py (the
person's replies out, deliveries, notices, reminders); actions/handoff.py is the dialogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import yaml

from bot.handoff.comments import CommentOutbox
from bot.handoff.feedback import FeedbackStore
from bot.handoff.hours import SupportHours
from bot.handoff.reminders import ReminderStore
from bot.handoff.store import HandoffStore
from bot.settings import HandoffSettings, Settings
from bot.tickets.db import Database
from bot.tickets.store import utcnow

REPLIES_FILE = Path(__file__).with_name("replies.yml")


def replies() -> dict[str, str]:
    """The texts of replies.yml, each on one line."""
    spec = yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
    return {name: " ".join(str(text).split()) for name, text in spec.items()}


@dataclass
class Handoffs:
    """Everything handoff keeps, over one database, with one clock (tests move it)."""

    db: Database
    settings: HandoffSettings
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def from_env(cls) -> Handoffs:
        """The handoff services on the ticket database and settings of the environment."""
        return cls(Database(Settings.from_env().tickets_db_url), HandoffSettings.from_env())

    @cached_property
    def hours(self) -> SupportHours:
        """The support team's hours (SUPPORT_HOURS, SUPPORT_TIMEZONE)."""
        return SupportHours.parse(self.settings.hours, self.settings.timezone)

    @cached_property
    def store(self) -> HandoffStore:
        """The live handoffs and the agent messages for them."""
        return HandoffStore(self.db, self._now)

    @cached_property
    def comments(self) -> CommentOutbox:
        """The outbox of comments for the helpdesk's tickets."""
        return CommentOutbox(self.db, self._now)

    @cached_property
    def feedback(self) -> FeedbackStore:
        """The "did this help?" answers."""
        return FeedbackStore(self.db, self._now)

    @cached_property
    def reminders(self) -> ReminderStore:
        """The scheduled follow-up messages."""
        return ReminderStore(self.db, self._now)

    def _now(self) -> datetime:
        return self.clock()

    def live_now(self) -> bool:
        """Whether the support team is in right now."""
        return self.hours.is_open(self.clock())


__all__ = ["Handoffs", "SupportHours", "replies"]
