"""The parent's side of connecting: the guide, the request form, and the page of a request.

The guide's answers travel only in POST bodies, never in a URL (a server log or a shared
computer's history would keep them), and nothing of them is stored unless a request is sent."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlmodel import Session, col, select
from wtforms import SelectChoice

from service import get_session, get_settings
from service.addresses import mask_address
from service.bookings.schedule import bookable_by_programme
from service.cards.outreach import followed
from service.extensions import limiter
from service.languages import current_language, use_language
from service.line.accounts import line_for
from service.models import Endpoint, Organisation, Source, Topic
from service.subscribers import counter_with_code
from service.support.catalogue import checklist
from service.support.eligibility import Family, fit
from service.support.forms import SAFE_TIMES, GuideForm, ReplyForm, RequestForm
from service.support.guide import Answers, fitting
from service.support.models import ConsultationRequest, ContactWay, Desk, Programme, ProgrammeTopic
from service.support.requests import (
    CONTACT_WAYS,
    Contact,
    conversation,
    open_request,
    reply_to_request,
    safety_desks,
    withdraw,
)
from service.tokens import Purpose, make_token
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import linked_endpoint, organisation_or_404, read_link, stop

blueprint = Blueprint("support", __name__)


def _programmes(session: Session, organisation_id: int) -> list[Programme]:
    return list(
        session.exec(
            select(Programme)
            .where(Programme.organisation_id == organisation_id, col(Programme.active))
            .order_by(col(Programme.position), col(Programme.id))
        ).all()
    )


def _desks(session: Session, organisation_id: int) -> dict[int, Desk]:
    desks = session.exec(
        select(Desk).where(Desk.organisation_id == organisation_id, col(Desk.active))
    ).all()
    return {desk.id or 0: desk for desk in desks}


def _topics_of(session: Session, programmes: Sequence[Programme]) -> dict[int, list[int]]:
    ids = [programme.id for programme in programmes]
    rows = session.exec(
        select(ProgrammeTopic)
        .join(Topic, col(Topic.id) == ProgrammeTopic.topic_id)
        .where(col(ProgrammeTopic.programme_id).in_(ids), col(Topic.active))
    ).all()
    topics: dict[int, list[int]] = {}
    for row in rows:
        topics.setdefault(row.programme_id, []).append(row.topic_id)
    return topics


def _counter(session: Session, organisation: Organisation, code: str | None) -> Source | None:
    """The counter whose sign-up page "subscribe to news about this" opens: the one the parent
    came from, or the city's first."""
    if source := counter_with_code(session, code, organisation.id):
        return source
    return session.exec(
        select(Source).where(Source.organisation_id == organisation.id).order_by(col(Source.id))
    ).first()


@blueprint.route("/guide/<slug>", methods=["GET", "POST"])
@limiter.limit("60/minute", methods=["POST"])
def guide(slug: str) -> ResponseReturnValue:
    session = get_session()
    organisation = organisation_or_404(session, slug)
    locale = current_language()
    form = GuideForm(source=request.args.get("s", ""))
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template(
            "support/guide.html", organisation=organisation, form=form, locale=locale
        ), status
    answers = Answers.read(form.stage.data, form.children.data or [], form.worries.data or [])
    everything = _programmes(session, organisation.id or 0)
    programmes = fitting(everything, answers)
    family = Family.from_guide(answers.stage, answers.children, answers.worries)
    safety = [p for p in everything if p.for_safety] if answers.unsafe_at_home else []
    desks = _desks(session, organisation.id or 0)
    line = line_for(session, get_settings(), organisation.id or 0)
    return render_template(
        "support/results.html",
        organisation=organisation,
        locale=locale,
        answers=answers,
        programmes=[p for p in programmes if p not in safety],
        safety=safety,
        fits={p.id: fit(p.conditions, family) for p in programmes},
        desks=desks,
        # What to bring, to keep: the city's LINE chat types 「持ち物 <programme>」; an email
        # opens in the parent's own mail app. Nothing is sent or kept by Yorisou.
        checklists={
            p.id: checklist(p, desks.get(p.desk_id or 0), locale)
            for p in [*programmes, *safety]
            if p.text("bring", locale) or p.apply_url
        },
        line_account=line.account_id if line else "",
        programme_events=bookable_by_programme(session, organisation.id or 0, utcnow()),
        topics=_topics_of(session, everything),
        counter=_counter(session, organisation, form.source.data),
        form=CsrfOnlyForm(),
    )


def _linked(session: Session, organisation: Organisation, token: str | None) -> Endpoint | None:
    """The registered parent's LINE chat or email address a request may be answered through,
    from their ASK link (sent in the LINE chat, shown on their page)."""
    return linked_endpoint(
        session,
        token,
        Purpose.ASK,
        organisation.id or 0,
        (url_for("support.ask", slug=organisation.slug), gettext("Ask without the link")),
    )


def _offer_linked_way(form: RequestForm, linked: Endpoint | None) -> None:
    """A parent who came from their LINE chat may be answered there."""
    if linked is not None and linked.channel == "line":
        form.contact_way.choices = [
            SelectChoice(ContactWay.LINE, CONTACT_WAYS[ContactWay.LINE]),
            *(form.contact_way.choices or []),
        ]


def _unsafe(form: RequestForm, programme: Programme | None) -> bool:
    """Home is not safe: said in the guide or on the form, or the parent asks about DV."""
    chosen = form.unsafe.data == "1" or bool(form.home_unsafe.data)
    return chosen or (programme is not None and programme.for_safety)


def _request_form_page(
    session: Session, organisation: Organisation, form: RequestForm, status: int = 200
) -> ResponseReturnValue:
    linked = _linked(session, organisation, form.link.data)
    _offer_linked_way(form, linked)
    programme = _programme(session, organisation, form.programme.data)
    unsafe = _unsafe(form, programme)
    if unsafe:
        form.unsafe.data = "1"
    desk = _desk_for(session, organisation, programme, unsafe)
    if desk is None:
        stop(
            404,
            gettext("Requests are not taken here"),
            gettext("Please call or visit the desk instead."),
        )
    return render_template(
        "support/request_form.html",
        organisation=organisation,
        programme=programme,
        desk=desk,
        form=form,
        locale=current_language(),
        unsafe=unsafe,
        safety_desks=safety_desks(session, organisation.id or 0) if unsafe else [],
        linked=linked,
        masked_address=mask_address(linked.address) if linked else "",
        # without a programme (from LINE or the parent's page), the parent may name one
        programmes=[] if programme else _programmes(session, organisation.id or 0),
        retention_days=get_settings().request_retention_days,
    ), status


def _programme(session: Session, organisation: Organisation, slug: str | None) -> Programme | None:
    if not slug:
        return None
    return session.exec(
        select(Programme).where(
            Programme.organisation_id == organisation.id,
            Programme.slug == slug,
            col(Programme.active),
        )
    ).first()


def _desk_for(
    session: Session, organisation: Organisation, programme: Programme | None, unsafe: bool
) -> Desk | None:
    """The programme's desk if it takes requests; else, when home is not safe, the DV desk;
    else the city's first desk that does."""
    if programme is not None and programme.desk_id is not None:
        desk = session.get(Desk, programme.desk_id)
        if desk is not None and desk.active and desk.takes_requests:
            return desk
    if unsafe and programme is None:
        for desk in safety_desks(session, organisation.id or 0):
            if desk.takes_requests:
                return desk
    return session.exec(
        select(Desk)
        .where(Desk.organisation_id == organisation.id, col(Desk.active), col(Desk.takes_requests))
        .order_by(col(Desk.position), col(Desk.id))
    ).first()


@blueprint.route("/guide/<slug>/ask", methods=["GET", "POST"])
def ask(slug: str) -> ResponseReturnValue:
    """The request form, for a programme (from the guide, or a notice's "ask about this")."""
    session = get_session()
    organisation = organisation_or_404(session, slug)
    chosen = request.values
    form = RequestForm(
        formdata=None,
        link=chosen.get("link", ""),
        programme=chosen.get("programme", ""),
        source=chosen.get("source", ""),
        unsafe="1" if chosen.get("unsafe") == "1" else "",
        via=chosen.get("via", "")[:200],
        # the assistant's question that found no answer, for the desk (only from a POST)
        message=request.form.get("message", "")[:500],
    )
    return _request_form_page(session, organisation, form)


@blueprint.post("/guide/<slug>/request")
@limiter.limit("5/minute;20/day")
def send_request(slug: str) -> ResponseReturnValue:
    session = get_session()
    organisation = organisation_or_404(session, slug)
    form = RequestForm()
    linked = _linked(session, organisation, form.link.data)
    _offer_linked_way(form, linked)
    if linked is not None and linked.channel == "email" and not form.email.data:
        form.email.data = linked.address  # "this email": the one they registered
    if not form.validate():
        return _request_form_page(session, organisation, form, status=400)
    programme = _programme(session, organisation, form.programme.data)
    unsafe = _unsafe(form, programme)
    desk = _desk_for(session, organisation, programme, unsafe)
    assert desk is not None  # the form page would not have been shown
    counter = _counter(session, organisation, form.source.data) if form.source.data else None
    contact = Contact(
        way=ContactWay(form.contact_way.data),
        phone=form.phone.data,
        email=form.email.data,
        line_user_id=linked.address if linked is not None and linked.channel == "line" else None,
        safe_times=tuple(t for t in form.safe_times.data or [] if t in SAFE_TIMES),
        may_say_city=bool(form.may_say_city.data),
        may_leave_message=bool(form.may_leave_message.data),
    )
    consultation = open_request(
        session,
        organisation=organisation,
        desk=desk,
        contact=contact,
        locale=current_language(),
        now=utcnow(),
        message=(form.message.data or "").strip(),
        unsafe_at_home=unsafe,
        programme_id=programme.id if programme else None,
        subscriber_id=linked.subscriber_id if linked is not None else None,
        source_id=counter.id if counter and counter.code == form.source.data else None,
    )
    if form.via.data:
        followed(session, get_settings(), form.via.data, now=utcnow())
    session.commit()
    token = make_token(get_settings().secret_key, Purpose.REQUEST, consultation.public_id)
    return redirect(url_for("support.request_page", token=token, lang=current_language()), 303)


def _request_or_gone(session: Session, token: str) -> ConsultationRequest:
    public_id = read_link(token, Purpose.REQUEST)
    consultation = session.exec(
        select(ConsultationRequest).where(ConsultationRequest.public_id == public_id)
    ).first()
    if consultation is None or consultation.erased_at is not None:
        stop(
            410,
            gettext("This request is no longer kept"),
            gettext("Its details have been deleted. Please contact the desk if you need to."),
        )
    assert consultation is not None
    return consultation


@blueprint.get("/r/<token>")
def request_page(token: str) -> ResponseReturnValue:
    session = get_session()
    consultation = _request_or_gone(session, token)
    if "lang" not in request.args:
        use_language(consultation.locale)
    return _request_page(session, consultation, token, ReplyForm(formdata=None))


@blueprint.post("/r/<token>/reply")
@limiter.limit("10/hour;30/day")
def reply(token: str) -> ResponseReturnValue:
    """The parent writes back to the desk: the message joins the request, for the desk's
    console and its morning list."""
    session = get_session()
    consultation = _request_or_gone(session, token)
    form = ReplyForm()
    if not consultation.open:
        stop(
            409,
            gettext("This request has ended"),
            gettext("Please send a new request or contact the desk."),
        )
    if not form.validate():
        return _request_page(session, consultation, token, form, status=400)
    reply_to_request(session, consultation, form.reply.data.strip(), now=utcnow())
    session.commit()
    flash(gettext("Your message has been added to your request. The desk will read it."))
    return redirect(url_for("support.request_page", token=token, lang=current_language()), 303)


def _request_page(
    session: Session,
    consultation: ConsultationRequest,
    token: str,
    reply_form: ReplyForm,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "support/request.html",
        organisation=session.get_one(Organisation, consultation.organisation_id),
        consultation=consultation,
        desk=session.get_one(Desk, consultation.desk_id),
        token=token,
        locale=current_language(),
        form=CsrfOnlyForm(),
        contact_ways=CONTACT_WAYS,
        safety_desks=safety_desks(session, consultation.organisation_id)
        if consultation.unsafe_at_home
        else [],
        thread=conversation(session, consultation),
        reply_form=reply_form,
        retention_days=get_settings().request_retention_days,
    ), status


@blueprint.post("/r/<token>/withdraw")
def withdraw_request(token: str) -> ResponseReturnValue:
    session = get_session()
    consultation = _request_or_gone(session, token)
    withdraw(session, consultation, now=utcnow())
    session.commit()
    return redirect(url_for("support.request_page", token=token, lang=current_language()), 303)
