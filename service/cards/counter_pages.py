"""The family-registry counter: a clerk makes a family's card with the parent present, on a
tablet or the counter's PC. The parent ticks who may see it; the page then shows what was
shared and the card's own link (a QR code for the parent's phone, and on paper) — once: the
clerk can never open the card again."""

from __future__ import annotations

import base64

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import col, select
from wtforms import SelectChoice

from service import get_session, get_settings
from service.audit import record_audit
from service.cards.calls import call_counsellor, closed_until, end_call
from service.cards.cards import card_token, create_card, proposals, tell_parent
from service.cards.forms import CardForm
from service.cards.models import CounsellorCall
from service.models import Organisation, Role, Source
from service.qr import qr_svg
from service.support.guide import Answers
from service.types import utcnow
from service.web.access import own_or_404, role_required
from service.web.console import blueprint
from service.web.forms import CsrfOnlyForm


@blueprint.route("/counter/card", methods=["GET", "POST"])
@role_required(Role.COUNTER)
def counter_card() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    if not organisation.card_lead_department:
        return render_template("staff/counter_off.html"), 404
    counters = session.exec(
        select(Source).where(Source.organisation_id == organisation.id).order_by(col(Source.id))
    ).all()
    form = CardForm()
    answers = Answers.read(None, form.children.data or [], form.needs.data or [])
    offers = proposals(session, organisation.id or 0, answers, "ja")
    form.departments.choices = [SelectChoice(o.department, o.department) for o in offers]
    counter_ids = {source.id for source in counters}
    counter_id = request.form.get("counter", type=int)
    if request.method == "POST" and "save" in request.form and form.validate_on_submit():
        settings = get_settings()
        card = create_card(
            session,
            settings,
            organisation.id or 0,
            form.told("ja"),
            form.departments.data or [],
            now=utcnow(),
            source_id=counter_id if counter_id in counter_ids else None,
        )
        record_audit(
            session,
            staff=current_user,
            action="card.create",
            target=f"card:{card.id}",
            after={"departments": form.departments.data or []},
        )
        emailed = tell_parent(session, card, "saved", now=utcnow())
        session.commit()
        link = f"{settings.public_base_url}/card/c/{card_token(settings, card)}"
        response = render_template(
            "staff/counter_done.html",
            organisation=organisation,
            departments=form.departments.data or [],
            emailed=emailed,
            link=link,
            qr=base64.b64encode(qr_svg(link)).decode(),
        )
        # Shown once: not kept by the browser, and no page of the clerk's leads back to it.
        return response, 200, {"Cache-Control": "no-store"}
    status = 400 if request.method == "POST" and "save" in request.form else 200
    return render_template(
        "staff/counter_card.html",
        organisation=organisation,
        form=form,
        offers=offers,
        counters=counters,
        counter_id=counter_id,
        locale="ja",
    ), status


@blueprint.post("/counter/call")
@role_required(Role.COUNTER)
def counter_call() -> ResponseReturnValue:
    """相談員を呼ぶ: the lead department is told at once; the counter's screen follows it."""
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    if not organisation.card_lead_department:
        return render_template("staff/counter_off.html"), 404
    if not CsrfOnlyForm().validate():
        abort(400)
    counter = session.get(Source, request.form.get("counter", type=int) or 0)
    now = utcnow()
    call = call_counsellor(
        session,
        organisation,
        source_id=counter.id if counter and counter.organisation_id == organisation.id else None,
        asked_by_id=current_user.id,
        now=now,
    )
    session.commit()
    return redirect(url_for("staff.counter_call_status", call_id=call.id), 303)


@blueprint.route("/counter/call/<int:call_id>", methods=["GET", "POST"])
@role_required(Role.COUNTER)
def counter_call_status(call_id: int) -> ResponseReturnValue:
    """The counter's screen: waiting, who is coming and in how many minutes, or when the
    section opens next. A POST ends the call (the parent had to go, or it was answered)."""
    session = get_session()
    call = own_or_404(CounsellorCall, call_id)
    organisation = session.get_one(Organisation, call.organisation_id)
    if request.method == "POST":
        if not CsrfOnlyForm().validate():
            abort(400)
        end_call(session, call, utcnow())
        session.commit()
        return redirect(url_for("staff.counter_card"), 303)
    return render_template(
        "staff/counter_call.html",
        call=call,
        organisation=organisation,
        opens=closed_until(organisation, call),
        events_url=url_for("bookings.events", slug=organisation.slug),
        form=CsrfOnlyForm(),
    )
