"""The requests report in the staff console and as CSV: no personal data, so viewers too."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from service.models import Role
from service.support.reports import GROUPINGS, figures_csv, request_figures
from service.web.access import role_required
from service.web.console import blueprint
from service.web.reports import Report

REPORT = Report(
    counted="相談の申し込み",
    template="staff/requests_report.html",
    file_name="requests",
    groupings=GROUPINGS,
    default="desk",
    rows=request_figures,
    bar=lambda row: row.requests,
    csv=figures_csv,
)


@blueprint.get("/requests/report")
@role_required(Role.VIEWER)
def requests_report() -> ResponseReturnValue:
    return REPORT.page()


@blueprint.get("/requests/report.csv")
@role_required(Role.VIEWER)
def requests_report_csv() -> ResponseReturnValue:
    return REPORT.file()
