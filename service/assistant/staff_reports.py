"""The assistant's report in the console: a year of months (page and CSV, counts only, so viewers
too), the answers most given, and — for editors, who may read them — the questions that found
nothing."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, select

from service import get_session
from service.assistant.models import Unanswered
from service.assistant.reports import ENDINGS, Month, months, months_chart, months_csv, most_asked
from service.csv_files import csv_response
from service.models import Organisation, Role
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint


def year_of_months(session: Session, organisation: Organisation) -> list[Month]:
    today = utcnow().astimezone(ZoneInfo(organisation.timezone)).date()
    return months(session, organisation.id or 0, today)


@blueprint.get("/answers/report")
@role_required(Role.VIEWER)
def answers_report() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    rows = year_of_months(session, organisation)
    unanswered: Sequence[Unanswered] = ()
    if current_user.at_least(Role.EDITOR):
        unanswered = session.exec(
            select(Unanswered)
            .where(Unanswered.organisation_id == organisation.id)
            .order_by(col(Unanswered.times).desc(), col(Unanswered.last_asked_at).desc())
            .limit(20)
        ).all()
    return render_template(
        "staff/answers_report.html",
        rows=rows,
        chart=months_chart(rows),
        endings=ENDINGS,
        top=most_asked(session, organisation.id or 0, rows[0].month),
        unanswered=unanswered,
    )


@blueprint.get("/answers/report.csv")
@role_required(Role.VIEWER)
def answers_report_csv() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    return csv_response(
        months_csv(year_of_months(session, organisation)), f"{organisation.slug}-questions.csv"
    )
