"""What a report page was asked for: its grouping and its period."""

from __future__ import annotations

from collections.abc import Mapping

from flask import request

PERIODS = {30: "30日", 90: "90日", 365: "1年"}


def asked_for(groupings: Mapping[str, str], default: str) -> tuple[str, int]:
    """The grouping and the period (days) a report page was asked for, or the defaults."""
    by = request.args.get("by", default)
    days = request.args.get("days", "90")
    return (
        by if by in groupings else default,
        int(days) if days.isdigit() and int(days) in PERIODS else 90,
    )
