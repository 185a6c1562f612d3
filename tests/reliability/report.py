"""What the reliability tests tried and saw, for the summary at the end of the run.

The figures in README's "Reliability" section come from this summary.
"""

from __future__ import annotations

from typing import Any

RECORDS: list[dict[str, Any]] = []


def report(suite: str, **figures: Any) -> None:
    RECORDS.append({"suite": suite, **figures})


def summary_lines() -> list[str]:
    return ["  ".join(f"{key}={value}" for key, value in record.items()) for record in RECORDS]
