"""When the weekly digest goes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class DigestSchedule:
    weekday: int  # Monday is 0
    at: time
    timezone: str

    @classmethod
    def parse(cls, text: str, timezone: str) -> DigestSchedule:
        """ "monday 08:00" → every Monday at 08:00 local."""
        day, _, clock = text.strip().lower().partition(" ")
        try:
            return cls(WEEKDAYS.index(day), time.fromisoformat(clock.strip()), timezone)
        except ValueError as error:
            raise ValueError(f"DIGEST_AT is written like 'monday 08:00', not {text!r}") from error

    def next_after(self, now: datetime) -> datetime:
        tz = ZoneInfo(self.timezone)
        local = now.astimezone(tz)
        day = local.date() + timedelta(days=(self.weekday - local.weekday()) % 7)
        moment = datetime.combine(day, self.at, tz)
        if moment <= local:
            moment += timedelta(days=7)
        return moment.astimezone(UTC)
