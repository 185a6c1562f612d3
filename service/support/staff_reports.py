"""The requests report in the staff console and as CSV: no personal data, so viewers too."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from service import get_session
from service.charts import horizontal_bars
from service.csv_files import csv_response
from service.models import Organisation, Role
from service.support.reports import GROUPINGS, Figures, figures_csv, request_figures
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint
from service.web.reports import PERIODS, asked_for


def _figures() -> tuple[Organisation, str, int, list[Figures]]:
    """The organisation, the grouping and period asked for (or the defaults), and the rows."""
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    by, period = asked_for(GROUPINGS, "desk")
    now = utcnow()
    rows = request_figures(session, organisation, by, now - timedelta(days=period), now)
    return organisation, by, period, rows


@blueprint.get("/requests/report")
@role_required(Role.VIEWER)
def requests_report() -> ResponseReturnValue:
    organisation, by, days, rows = _figures()
    chart = horizontal_bars(
        f"相談の申し込み（{PERIODS[days]}、{GROUPINGS[by]}別）",
        [(row.label, row.requests) for row in rows[:-1]],
        unit="件",
    )
    return render_template(
        "staff/requests_report.html",
        organisation=organisation,
        rows=rows,
        chart=chart,
        by=by,
        days=days,
        groupings=GROUPINGS,
        periods=PERIODS,
    )


@blueprint.get("/requests/report.csv")
@role_required(Role.VIEWER)
def requests_report_csv() -> ResponseReturnValue:
    _, by, days, rows = _figures()
    return csv_response(figures_csv(rows), f"requests-{by}-{days}d.csv")
