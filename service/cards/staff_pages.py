"""The cards in the console: the departments the parent agreed to find them in their list
(admins all, viewers none), open one (each opening audited), and record a contact or a note —
a note reaches the other departments only when its writer shares it."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, select

from service import get_session, get_settings
from service.cards.calls import MINUTES, accept, open_calls
from service.cards.cards import (
    ask_handoff,
    assign_first_caller,
    consented,
    departments_of,
    history,
    last_contact,
    last_contacts,
    leads,
    open_card,
    reachable,
    record,
    reveal,
    visible_cards,
    write_to_parent,
)
from service.cards.forms import RecordForm
from service.cards.models import Card, CounsellorCall
from service.cards.names import NAMES
from service.cards.reports import card_figures
from service.charts import horizontal_bars
from service.csv_files import csv_response, csv_text
from service.models import Organisation, Role, Source
from service.types import utcnow
from service.web.access import city_desks, own_or_404, role_required
from service.web.console import blueprint
from service.web.forms import LANG_NAMES, CsrfOnlyForm
from service.web.reports import PERIODS


@blueprint.post("/cards/<int:card_id>/first")
@role_required(Role.EDITOR)
def card_first_caller(card_id: int) -> ResponseReturnValue:
    """The lead department says which consented department calls the family first."""
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    item = open_card(session, current_user, card_id)
    if item is None:
        abort(404)
    if not leads(current_user, organisation.card_lead_department):
        abort(403)
    department = request.form.get("department", "")
    if not CsrfOnlyForm().validate():
        abort(400)
    if department in consented(session, card_id):
        assign_first_caller(session, get_settings(), item, current_user, department, now=utcnow())
        flash(f"最初に連絡する課を「{department}」にしました。", "info")
    else:
        flash("保護者が共有に同意した課から選んでください。", "error")
    session.commit()  # the opening, audited
    return redirect(url_for("staff.card", card_id=card_id), 303)


@blueprint.post("/cards/<int:card_id>/handoff")
@role_required(Role.EDITOR)
def card_handoff(card_id: int) -> ResponseReturnValue:
    """Ask the parent to share the card with another department too: only they can."""
    session = get_session()
    item = open_card(session, current_user, card_id)
    if item is None:
        abort(404)
    if not CsrfOnlyForm().validate():
        abort(400)
    department = request.form.get("department", "")
    if department not in _others(session, item):
        flash("つなぐ課を選んでください。", "error")
    elif ask_handoff(session, get_settings(), item, current_user, department, now=utcnow()):
        flash(f"「{department}」にも見せてよいか、保護者にメールでたずねました。", "info")
    else:
        flash(
            f"この保護者にはメールでたずねられません。次に話すときに「{department}」にも"
            "見せてよいかたずね、カードのページで選んでもらってください。",
            "info",
        )
    session.commit()
    return redirect(url_for("staff.card", card_id=card_id), 303)


def _others(session: Session, card: Card) -> list[str]:
    """The city's departments the card is not shared with."""
    shared = set(consented(session, card.id or 0))
    return [
        department
        for department in dict.fromkeys(
            desk.department for desk in city_desks(session, active_only=True)
        )
        if department and department not in shared
    ]


@blueprint.get("/cards")
@role_required(Role.EDITOR)
def cards() -> ResponseReturnValue:
    session = get_session()
    rows = visible_cards(session, current_user)
    return render_template(
        "staff/family_cards.html",
        cards=rows,
        departments=departments_of(rows, session),
        last=last_contacts(session, rows),
        names=NAMES,
    )


@blueprint.route("/cards/<int:card_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def card(card_id: int) -> ResponseReturnValue:
    session = get_session()
    settings = get_settings()
    item = open_card(session, current_user, card_id)
    if item is None:
        abort(404)
    form = RecordForm()
    if reachable(item):
        form.offer_writing()
    if request.method == "POST" and form.validate_on_submit():
        if form.kind.data == "message":
            write_to_parent(
                session, settings, item, current_user, form.body.data or "", now=utcnow()
            )
            flash("保護者に送ります。連絡として記録しました。", "info")
        else:
            record(
                session,
                settings,
                item,
                current_user,
                form.kind.data or "note",
                form.body.data or "",
                shared=bool(form.shared.data),
                now=utcnow(),
            )
            flash("記録しました。", "info")
        session.commit()
        return redirect(url_for("staff.card", card_id=card_id), 303)
    session.commit()  # the opening, audited
    organisation = session.get_one(Organisation, current_user.organisation_id)
    return render_template(
        "staff/family_card.html",
        card=item,
        contact="" if item.contact_way == "line" else reveal(settings, item.contact),
        note=reveal(settings, item.note),
        departments=departments_of([item], session).get(item.id or 0, []),
        events=history(session, settings, item, current_user),
        last=last_contact(session, item),
        names=NAMES,
        languages=LANG_NAMES,
        form=form,
        leads=leads(current_user, organisation.card_lead_department),
        others=_others(session, item),
        csrf_form=CsrfOnlyForm(),
    ), 400 if request.method == "POST" else 200


@blueprint.context_processor
def _calls_waiting() -> dict[str, object]:
    """Every console page of the lead department's staff says when the counter is calling."""
    if not (current_user.is_authenticated and current_user.at_least(Role.EDITOR)):
        return {}
    session = get_session()
    organisation = session.get(Organisation, current_user.organisation_id)
    if organisation is None or not leads(current_user, organisation.card_lead_department):
        return {}
    calls = open_calls(session, organisation.id or 0, utcnow())
    return {"calls_waiting": sum(call.accepted_at is None for call in calls)}


@blueprint.get("/calls")
@role_required(Role.EDITOR)
def calls() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    if not leads(current_user, organisation.card_lead_department):
        abort(403)
    rows = open_calls(session, organisation.id or 0, utcnow())
    counters = {
        source.id: source.name
        for source in session.exec(select(Source).where(Source.organisation_id == organisation.id))
    }
    return render_template(
        "staff/calls.html", calls=rows, counters=counters, minutes=MINUTES, form=CsrfOnlyForm()
    )


@blueprint.post("/calls/<int:call_id>/accept")
@role_required(Role.EDITOR)
def accept_call(call_id: int) -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    call = own_or_404(CounsellorCall, call_id)
    if not leads(current_user, organisation.card_lead_department):
        abort(403)
    if not CsrfOnlyForm().validate():
        abort(400)
    minutes = request.form.get("minutes", type=int)
    if minutes not in MINUTES:
        minutes = MINUTES[0]
    if accept(session, call.id or 0, current_user.id, minutes, utcnow()):
        flash(f"窓口に「向かっています（{minutes}分）」と出しました。", "info")
    else:
        flash("ほかの職員がすでに向かっているか、呼び出しが終わりました。", "error")
    session.commit()
    return redirect(url_for("staff.calls"), 303)


@blueprint.get("/cards/report")
@role_required(Role.VIEWER)
def cards_report() -> ResponseReturnValue:
    """Counts only, so viewers too."""
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else 90
    now = utcnow()
    figures = card_figures(session, organisation, now - timedelta(days=days), now)
    if request.args.get("format") == "csv":
        return csv_response(
            csv_text(
                (
                    "課",
                    "共有",
                    "連絡済み",
                    "初回連絡までの中央値（時間）",
                    "90%（時間）",
                    f"{figures.target_days}営業日以内",
                ),
                (
                    (
                        row.department,
                        row.shared,
                        row.contacted,
                        row.median_hours or "",
                        row.p90_hours or "",
                        row.in_time,
                    )
                    for row in figures.departments
                ),
            ),
            f"{organisation.slug}-cards-{days}d.csv",
        )
    return render_template(
        "staff/cards_report.html",
        figures=figures,
        days=days,
        periods=PERIODS,
        needs=horizontal_bars("困りごと別の相談カード", figures.by_need, unit="件"),
        counters=horizontal_bars("作られた場所別の相談カード", figures.by_counter, unit="件"),
    )
