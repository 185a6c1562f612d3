"""Send rates, as SEND_RATE_* and a city's LINE account write them: "2000/second;100000/minute"."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_WINDOWS = {"second": 1, "minute": 60, "秒": 1, "分": 60}


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: int

    @property
    def key_suffix(self) -> str:
        return f"/{self.seconds}s"


def parse_rate_limits(text: str) -> list[RateLimit]:
    """ "20000/second;1000000/minute" (or "20000/秒;1000000/分", any width) → two limits; an
    empty text means no limit."""
    limits = []
    text = unicodedata.normalize("NFKC", text)
    for part in filter(None, (p.strip() for p in text.split(";"))):
        count, _, window = part.partition("/")
        if window not in _WINDOWS or not count.isdigit() or int(count) < 1:
            raise ValueError(f"a rate is written like 100/second or 6000/minute, not {part!r}")
        limits.append(RateLimit(int(count), _WINDOWS[window]))
    return limits
