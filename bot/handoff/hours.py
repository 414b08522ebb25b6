"""When the support team chats live: "Mon-Fri 09:00-17:00" in a time zone (SUPPORT_HOURS).

Outside those hours the bot offers a ticket only, and says when the team is next in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SPEC = re.compile(
    r"^(?P<first>[A-Z][a-z]{2})(?:-(?P<last>[A-Z][a-z]{2}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$"
)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time.max if (hours, minutes) == (24, 0) else time(hours, minutes)


@dataclass(frozen=True)
class SupportHours:
    """Open on `days` (0 = Monday) from `start` to `end`, local time in `zone`."""

    days: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: str) -> SupportHours:
        """ "Mon-Fri 09:00-17:00", "Sat 10:00-14:00", "always" or "never"; ValueError otherwise."""
        tz = ZoneInfo(zone)
        words = spec.strip()
        if words.lower() == "always":
            return cls(frozenset(range(7)), time.min, time.max, tz)
        if words.lower() == "never":
            return cls(frozenset(), time.min, time.min, tz)
        match = _SPEC.match(words)
        if not match or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
            raise ValueError(
                f'SUPPORT_HOURS={spec!r}: expected e.g. "Mon-Fri 09:00-17:00", "always" or "never"'
            )
        first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
        days = {(first + step) % 7 for step in range((last - first) % 7 + 1)}
        return cls(frozenset(days), _clock(match["start"]), _clock(match["end"]), tz)

    def is_open(self, now: datetime) -> bool:
        """Whether the team is in at `now` (in the team's time zone)."""
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, now: datetime) -> datetime | None:
        """When the team is next in (now, if open); None when it never is."""
        if not self.days or self.start >= self.end:
            return None
        local = now.astimezone(self.zone)
        if self.is_open(now):
            return local
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            opening = datetime.combine(day, self.start, self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        return None

    def describe(self) -> str:
        """ "Monday to Friday, 09:00-17:00 (Europe/London time)", for the person."""
        if not self.days:
            return "no live chat hours"
        ordered = sorted(self.days)
        if len(ordered) == 7:
            days = "every day"
        elif ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
            days = f"{DAY_NAMES[ordered[0]]} to {DAY_NAMES[ordered[-1]]}"
        else:
            days = ", ".join(DAY_NAMES[d] for d in ordered)
        end = "24:00" if self.end == time.max else self.end.strftime("%H:%M")
        return f"{days}, {self.start.strftime('%H:%M')}-{end} ({self.zone.key} time)"
