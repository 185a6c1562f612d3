"""Quiet hours: push notifications wait for the morning instead of waking a parent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str

    @classmethod
    def parse(cls, text: str, timezone: str) -> QuietHours | None:
        """ "21:00-08:00" → quiet from 21:00 to 08:00 local; "" or "off" → none."""
        if text.strip().lower() in {"", "off", "none"}:
            return None
        start, _, end = text.partition("-")
        try:
            return cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()), timezone)
        except ValueError as error:
            raise ValueError(f"QUIET_HOURS is written like 21:00-08:00, not {text!r}") from error

    def ends_after(self, now: datetime) -> datetime | None:
        """When the quiet period that `now` falls in ends, or None if `now` is not quiet."""
        tz = ZoneInfo(self.timezone)
        local = now.astimezone(tz)
        moment = local.time()
        if self.start <= self.end:
            quiet = self.start <= moment < self.end
        else:  # across midnight
            quiet = moment >= self.start or moment < self.end
        if not quiet:
            return None
        end = datetime.combine(local.date(), self.end, tz)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)
