"""The parent's side of the card: made from the guide's answers (a POST, never a URL), with the
departments that may see it ticked by the parent alone; then the card's own page — a link like
the parent's others — to read it, correct it, change who sees it, or erase it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlmodel import Session, col, select
from wtforms import SelectChoice

from service import get_session, get_settings
from service.allowance.estimate import Figures
from service.cards.cards import (
    Proposal,
    asked_handoffs,
    card_token,
    consented,
    create_card,
    erase_card,
    proposals,
    renew_link,
    reveal,
    set_consent,
    tell_parent,
    update_card,
)
from service.cards.forms import CardForm
from service.cards.models import Card, CardEvent
from service.cards.names import NAMES
from service.extensions import limiter
from service.family import INCOME_BANDS
from service.languages import current_language
from service.models import Organisation
from service.parent_links import split_epoch
from service.subscribers import local_date
from service.support.guide import CHILDREN, WORRIES, Answers, school_year
from service.support.requests import CONTACT_WAYS, ContactWay
from service.tokens import Purpose
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import organisation_or_404, read_link, stop

blueprint = Blueprint("cards", __name__)
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _city(session: Session, slug: str) -> Organisation:
    organisation = organisation_or_404(session, slug)
    if not organisation.card_lead_department:  # the city has not turned the card on
        abort(404)
    return organisation


def _offers(session: Session, organisation: Organisation, form: CardForm) -> list[Proposal]:
    stage = "before" if form.stage.data == "before" else "after" if form.stage.data else ""
    answers = Answers.read(stage, form.children.data or [], form.needs.data or [])
    offers = proposals(session, organisation.id or 0, answers, current_language())
    form.departments.choices = [SelectChoice(o.department, o.department) for o in offers]
    return offers


def _link(card: Card) -> str:
    return url_for("cards.own_card", token=card_token(get_settings(), card))


def _render_form(
    organisation: Organisation, form: CardForm, offers: list[Proposal], card: Card | None
) -> ResponseReturnValue:
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template(
        "cards/form.html",
        organisation=organisation,
        form=form,
        offers=offers,
        card=card,
        token=request.view_args.get("token") if request.view_args else None,
        retention_days=get_settings().card_retention_days,
        locale=current_language(),
    ), status


@blueprint.route("/card/<slug>/new", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
def new_card(slug: str) -> ResponseReturnValue:
    session = get_session()
    organisation = _city(session, slug)
    if request.method == "POST" and request.form.get("from_guide"):
        # The guide's answers: the form filled with them, nothing checked, nothing kept.
        # From the allowance estimate: the children's birth months and the income band too.
        months = [m for m in request.form.getlist("birth_months") if _MONTH.fullmatch(m)]
        today = local_date(utcnow(), organisation.timezone)
        by_age = [school_year(date.fromisoformat(f"{m}-01"), today) for m in months]
        form = CardForm(
            formdata=None,
            data={
                "stage": "before" if request.form.get("stage") == "before" else None,
                "children": [
                    c for c in CHILDREN if c in request.form.getlist("children") or c in by_age
                ],
                "needs": [w for w in request.form.getlist("worries") if w in WORRIES],
                "home_unsafe": "safety" in request.form.getlist("worries"),
                "birth_months": months,
                "income_band": request.form.get("income_band")
                if request.form.get("income_band") in INCOME_BANDS
                else None,
            },
        )
        form.carry(_carried(request.form))
        return _render_form(organisation, form, _offers(session, organisation, form), None)
    form = CardForm()
    offers = _offers(session, organisation, form)
    if request.method == "POST" and form.validate_on_submit():
        card = create_card(
            session,
            get_settings(),
            organisation.id or 0,
            form.told(current_language()),
            form.departments.data or [],
            now=utcnow(),
        )
        tell_parent(session, card, "saved", now=utcnow())
        session.commit()
        flash(gettext("Your card is saved. Only the departments you chose can see it."), "info")
        return redirect(_link(card), 303)
    return _render_form(organisation, form, offers, None)


def _own(session: Session, token: str) -> Card:
    public_id, epoch = split_epoch(read_link(token, Purpose.CARD))
    card = session.exec(select(Card).where(Card.public_id == public_id)).first()
    if card is None or epoch != card.link_epoch:
        stop(
            410,
            gettext("This card is no longer here"),
            gettext("It was erased, or a newer link to it was made. Nothing of it is shown here."),
        )
    assert card is not None
    return card


@blueprint.get("/card/c/<token>")
def own_card(token: str) -> ResponseReturnValue:
    session = get_session()
    card = _own(session, token)
    organisation = session.get_one(Organisation, card.organisation_id)
    settings = get_settings()
    contacts = session.exec(
        select(CardEvent)
        .where(CardEvent.card_id == card.id, CardEvent.kind == "contact")
        .order_by(col(CardEvent.created_at).desc())
    ).all()
    return render_template(
        "cards/own.html",
        organisation=organisation,
        card=card,
        token=token,
        contact="" if card.contact_way == ContactWay.LINE else reveal(settings, card.contact),
        note=reveal(settings, card.note),
        departments=consented(session, card.id or 0),
        asked=asked_handoffs(session, settings, card),
        contacts=contacts,
        names=NAMES,
        form=CsrfOnlyForm(),
        locale=current_language(),
    )


@blueprint.post("/card/c/<token>/share")
@limiter.limit("30/minute")
def share(token: str) -> ResponseReturnValue:
    """Yes to a department's question: share the card with the one it named too."""
    session = get_session()
    card = _own(session, token)
    if not CsrfOnlyForm().validate():
        abort(400)
    settings = get_settings()
    department = request.form.get("department", "")
    if department in asked_handoffs(session, settings, card):
        now = utcnow()
        set_consent(
            session, settings, card, {*consented(session, card.id or 0), department}, now=now
        )
        session.commit()
        flash(gettext("Your card is now shared with %(department)s too.", department=department))
    return redirect(url_for("cards.own_card", token=token), 303)


@blueprint.post("/card/c/<token>/renew")
@limiter.limit("10/hour")
def renew(token: str) -> ResponseReturnValue:
    """A new link: the old ones (in an email, a bookmark, someone else's hands) stop working."""
    session = get_session()
    card = _own(session, token)
    if not CsrfOnlyForm().validate():
        abort(400)
    sent = renew_link(session, card, now=utcnow())
    session.commit()
    if sent:
        flash(gettext("This is your card's new link. We have sent it to you as well."))
    else:
        flash(gettext("This is your card's new link. Please bookmark this page again."))
    return redirect(_link(card), 303)


@blueprint.route("/card/c/<token>/edit", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
def edit_card(token: str) -> ResponseReturnValue:
    """Correct anything, add or withdraw a department: one form, the card as it is."""
    session = get_session()
    card = _own(session, token)
    organisation = session.get_one(Organisation, card.organisation_id)
    settings = get_settings()
    if request.method == "GET":
        contact = reveal(settings, card.contact)
        form = CardForm(
            formdata=None,
            data={
                "stage": card.stage or None,
                "since": card.since,
                "children": card.children,
                "needs": card.needs,
                "income_band": card.income_band or None,
                "support_agreed": card.support_agreed or None,
                "contact_way": card.contact_way,
                "phone": contact if card.contact_way == "phone" else "",
                "email": contact if card.contact_way == "email" else "",
                "safe_times": card.safe_times,
                "may_say_city": card.may_say_city,
                "home_unsafe": card.unsafe_at_home,
                "tell_me": card.tell_me,
                "birth_months": card.birth_months,
                "allowance_since": card.allowance_since,
                "note": reveal(settings, card.note),
                "departments": consented(session, card.id or 0),
                "keep_figures": card.allowance_figures is not None,
            },
        )
        form.carry(Figures.read(card.allowance_figures))
        _keep_line(form, card)
        return _render_form(organisation, form, _offers(session, organisation, form), card)
    form = CardForm()
    _keep_line(form, card)
    offers = _offers(session, organisation, form)
    if form.validate_on_submit():
        now = utcnow()
        told = form.told(card.locale)
        if told.contact_way == ContactWay.LINE:
            told = replace(told, contact=reveal(settings, card.contact))
        update_card(session, settings, card, told, now=now)
        set_consent(session, settings, card, set(form.departments.data or []), now=now)
        session.commit()
        flash(gettext("Your card is updated. The departments that see it are told what changed."))
        return redirect(url_for("cards.own_card", token=token), 303)
    return _render_form(organisation, form, offers, card)


def _carried(values: Mapping[str, str]) -> Figures | None:
    """The estimate's figures as its page sent them; none unless whole and plain numbers."""
    try:
        numbers = [int(values.get(f"figures_{f.name}", "")) for f in fields(Figures)]
    except ValueError:
        return None
    return Figures(*numbers) if min(numbers) >= 0 else None


def _keep_line(form: CardForm, card: Card) -> None:
    """A card made in the LINE chat may go on being answered there."""
    if card.contact_way == ContactWay.LINE:
        form.contact_way.choices = [
            SelectChoice(ContactWay.LINE, CONTACT_WAYS[ContactWay.LINE]),
            *(form.contact_way.choices or []),
        ]


@blueprint.post("/card/c/<token>/erase")
@limiter.limit("30/minute")
def erase(token: str) -> ResponseReturnValue:
    session = get_session()
    card = _own(session, token)
    if not CsrfOnlyForm().validate():
        abort(400)
    if request.form.get("sure") != "yes":
        flash(gettext("Please tick the box to erase your card."), "error")
        return redirect(url_for("cards.own_card", token=token), 303)
    erase_card(session, card)
    session.commit()
    return render_template(
        "message.html",
        title=gettext("Your card is erased"),
        detail=gettext("Nothing of it is kept. The departments can no longer see it."),
    )
