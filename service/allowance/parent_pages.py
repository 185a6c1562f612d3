"""The allowance estimator: a parent answers four questions and sees whether 児童扶養手当 may be
paid in full, in part or not at all, about how much a month and when, and 児童手当 beside it;
with the rule that decided it and the table's source. The answers are a POST, never a URL, and
nothing is kept."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from service import get_session, get_settings
from service.allowance.estimate import (
    Figures,
    Household,
    fuyou,
    income_year,
    jidou,
    table_on,
)
from service.allowance.forms import EstimateForm
from service.allowance.tables import salary_floors, tables_for
from service.extensions import limiter
from service.languages import current_language
from service.line.accounts import line_for
from service.subscribers import local_date
from service.support.catalogue import FUYOU, JIDOU, checklist, named_programmes
from service.support.models import Desk
from service.types import utcnow
from service.web.links import organisation_or_404

blueprint = Blueprint("allowance", __name__)


@blueprint.route("/guide/<slug>/estimate", methods=["GET", "POST"])
@limiter.limit("60/minute", methods=["POST"])
def estimate(slug: str) -> ResponseReturnValue:
    session = get_session()
    organisation = organisation_or_404(session, slug)
    today = local_date(utcnow(), organisation.timezone)
    locale = current_language()
    table = table_on(tables_for(session, organisation.id or 0), today)
    form = EstimateForm()
    estimates, dependents, to_card = [], 0, {}
    if request.method == "POST" and form.validate_on_submit():
        household = form.household()
        dependents = household.dependents
        estimates = [
            fuyou(household, table, today, salary_floors()),
            jidou(household, table, today),
        ]
        counted = estimates[0].counted
        to_card = {
            "birth_months": [month.strftime("%Y-%m") for month in household.children],
            "income_band": _band(household),
            "figures": Figures.of(household, counted).as_json() if counted else {},
        }
    status = 400 if request.method == "POST" and form.errors else 200
    named = named_programmes(session, organisation.id or 0, FUYOU, JIDOU)
    desks = {p.desk_id: session.get(Desk, p.desk_id) for p in named.values() if p.desk_id}
    line = line_for(session, get_settings(), organisation.id or 0)
    return render_template(
        "allowance/estimate.html",
        programmes={"fuyou": named.get(FUYOU), "jidou": named.get(JIDOU)},
        desks=desks,
        checklists={p.id: checklist(p, desks.get(p.desk_id or 0), locale) for p in named.values()},
        line_account=line.account_id if line else "",
        card_on=bool(organisation.card_lead_department),
        to_card=to_card,
        organisation=organisation,
        form=form,
        estimates=estimates,
        table=table,
        income_year=income_year(today),
        dependents=dependents,
        month_dates={month: date(2000, month, 1) for month in range(1, 13)},
        locale=locale,
    ), status


def _band(household: Household) -> str:
    """The card's income band, from a salary before deductions (a 所得 says too little)."""
    if household.income_kind != "salary":
        return ""
    if household.income < 2_000_000:
        return "under-2m"
    return "2m-4m" if household.income < 4_000_000 else "over-4m"
