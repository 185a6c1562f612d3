"""A report page of counts and its CSV file: what it counts, grouped as asked, over the period
asked. No personal data, so viewers too; each capability says what its report counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session

from service import get_session
from service.charts import horizontal_bars
from service.csv_files import csv_response
from service.models import Organisation
from service.types import utcnow

PERIODS = {30: "30日", 90: "90日", 365: "1年"}


def asked_for(groupings: Mapping[str, str], default: str) -> tuple[str, int]:
    """The grouping and the period (days) a report page was asked for, or the defaults."""
    by = request.args.get("by", default)
    days = request.args.get("days", "90")
    return (
        by if by in groupings else default,
        int(days) if days.isdigit() and int(days) in PERIODS else 90,
    )


@dataclass(frozen=True)
class Report:
    counted: str  # what the chart counts, as its title says it: "予約"
    template: str
    file_name: str  # "bookings": bookings-<grouping>-<days>d.csv
    groupings: Mapping[str, str]
    default: str
    # The rows (a total last) of a city, grouped by, from when to now.
    rows: Callable[[Session, Organisation, str, datetime, datetime], Any]
    bar: Callable[[Any], int]  # a row's value in the chart
    csv: Callable[[Any], str]

    def _asked(self) -> tuple[Organisation, str, int, Sequence[Any]]:
        session = get_session()
        organisation = session.get_one(Organisation, current_user.organisation_id)
        by, days = asked_for(self.groupings, self.default)
        now = utcnow()
        return (
            organisation,
            by,
            days,
            self.rows(session, organisation, by, now - timedelta(days=days), now),
        )

    def page(self) -> ResponseReturnValue:
        organisation, by, days, rows = self._asked()
        chart = horizontal_bars(
            f"{self.counted}（{PERIODS[days]}、{self.groupings[by]}別）",
            [(row.label, self.bar(row)) for row in rows[:-1]],
            unit="件",
        )
        return render_template(
            self.template,
            organisation=organisation,
            rows=rows,
            chart=chart,
            by=by,
            days=days,
            groupings=self.groupings,
            periods=PERIODS,
        )

    def file(self) -> Response:
        _, by, days, rows = self._asked()
        return csv_response(self.csv(rows), f"{self.file_name}-{by}-{days}d.csv")
