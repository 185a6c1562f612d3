from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import update
from sqlmodel import Session, col, select
from wtforms import SelectChoice

from service import csrf, get_session, get_settings, limiter
from service.db import commit_without_waiting
from service.errors import render_error
from service.ics import upcoming
from service.languages import current_language, use_language
from service.line_chat import chat_url, find_link, new_link, shown_code
from service.models import Endpoint, Organisation, Source
from service.own_links import send_link_to_address
from service.public import blueprint
from service.public.forms import AddEmailForm, CsrfOnlyForm, SubscribeForm
from service.public.links import (
    own_token,
    read_link,
    refuse_push,
    stop,
    subscriber_or_gone,
    subscriber_to_stop,
)
from service.qr import qr_svg
from service.subscribers import active_topics, confirm_email, register_subscriber, unsubscribe
from service.tokens import Purpose
from service.types import utcnow

COMING_SHOWN = 5  # the next notices a parent is told of when they confirm


def _source_or_404(session: Session, code: str) -> Source:
    source = session.exec(select(Source).where(Source.code == code)).first()
    if source is None:
        stop(
            404,
            gettext("This QR code is not in use"),
            gettext("Please ask the staff at the counter for the current QR code."),
        )
    assert source is not None
    return source


def _render_landing(
    session: Session, source: Source, form: SubscribeForm, status: int = 200
) -> ResponseReturnValue:
    organisation = session.get_one(Organisation, source.organisation_id)
    return render_template(
        "public/landing.html",
        organisation=organisation,
        source=source,
        topics=active_topics(session, source.organisation_id),
        form=form,
        locale=current_language(),
        firebase_web=get_settings().firebase_web,
        line_enabled=get_settings().line_enabled,
    ), status


@blueprint.get("/s/<code>")
def landing(code: str) -> ResponseReturnValue:
    session = get_session()
    source = _source_or_404(session, code)
    session.execute(
        update(Source).where(col(Source.id) == source.id).values(scans=col(Source.scans) + 1)
    )
    commit_without_waiting(session)  # a scan counted less after a crash harms no one
    return _render_landing(session, source, SubscribeForm(source=code))


@blueprint.post("/subscribe")
@limiter.limit("20/minute;200/hour")
def subscribe() -> ResponseReturnValue:
    session = get_session()
    form = SubscribeForm()
    source = _source_or_404(session, form.source.data or "")
    locale = current_language()
    form.topics.choices = [
        SelectChoice(topic.id or 0, topic.name(locale))
        for topic in active_topics(session, source.organisation_id)
    ]
    if form.channel.data == "line" and not get_settings().line_enabled:
        stop(400, gettext("LINE is not available"), gettext("Please register by email."))
    if form.push_token.data and get_settings().firebase_web is None:
        refuse_push()
    if not form.validate():
        return _render_landing(session, source, form, status=400)
    if form.channel.data == "line":
        link = new_link(
            session,
            source=source,
            locale=locale,
            topic_ids=form.topics.data or [],
            anchor_date=form.anchor_date.data,
            birth_months=form.birth_months(),
            now=utcnow(),
        )
        session.commit()
        return redirect(url_for("public.line_link", code=link.code), code=303)
    subscriber = register_subscriber(
        session,
        source=source,
        email=form.email.data or None,
        push_token=form.push_token.data or None,
        topic_ids=form.topics.data or [],
        locale=locale,
        now=utcnow(),
        anchor_date=form.anchor_date.data,
        birth_months=form.birth_months(),
    )
    session.commit()
    if not form.email.data:  # this device only: FCM checks its token within seconds
        flash(
            gettext(
                "Thank you. We are checking this device; notices start within a minute. "
                "Keep this page: it is your registration."
            ),
            "info",
        )
        return redirect(url_for("public.preferences", token=own_token(subscriber)), code=303)
    return redirect(url_for("public.check_inbox", code=source.code, lang=locale), code=303)


@blueprint.get("/line/<code>")
def line_link(code: str) -> ResponseReturnValue:
    """The last step to LINE: open the chat, where the code is filled in, and send it."""
    session = get_session()
    settings = get_settings()
    link = find_link(session, code, utcnow())
    if link is None or not settings.line_enabled:
        stop(
            410,
            gettext("This registration code can no longer be used"),
            gettext(
                "It has been used already, or more than a day has passed. "
                "Please register again from the QR code."
            ),
        )
    assert link is not None
    use_language(link.locale)
    url = chat_url(settings.line_account_id, link.code, link.locale)
    return render_template(
        "public/line.html",
        organisation=session.get_one(Organisation, link.organisation_id),
        code=shown_code(link.code),
        chat_url=url,
        qr="data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode(),
    )


@blueprint.get("/s/<code>/sent")
def check_inbox(code: str) -> ResponseReturnValue:
    session = get_session()
    source = _source_or_404(session, code)
    organisation = session.get_one(Organisation, source.organisation_id)
    return render_template("public/sent.html", organisation=organisation, source=source)


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def confirm(token: str) -> ResponseReturnValue:
    """Opening the link shows one big button; pressing it confirms. Mail gateways that open
    every link to check it must not confirm a sign-up nobody made."""
    session = get_session()
    public_id, _, endpoint_id = read_link(token, Purpose.CONFIRM).partition(":")
    subscriber = subscriber_or_gone(session, public_id)
    endpoint = session.get(Endpoint, int(endpoint_id)) if endpoint_id.isdigit() else None
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    if (
        subscriber.unsubscribed_at is not None
        or endpoint is None
        or (endpoint.subscriber_id != subscriber.id)
    ):
        return render_template(
            "message.html",
            organisation=organisation,
            title=gettext("This registration has been stopped"),
            detail=gettext(
                "You will not receive notices. To start again, register from the QR code."
            ),
        )
    form = CsrfOnlyForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("public/confirm.html", organisation=organisation, form=form), status
    newly_confirmed = confirm_email(session, subscriber=subscriber, endpoint=endpoint, now=utcnow())
    session.commit()
    tz = ZoneInfo(organisation.timezone)
    return render_template(
        "public/confirmed.html",
        organisation=organisation,
        newly_confirmed=newly_confirmed,
        coming=[
            (moment.astimezone(tz), notice)
            for moment, notice in upcoming(session, subscriber, now=utcnow())[:COMING_SHOWN]
        ],
        preferences_url=url_for("public.preferences", token=own_token(subscriber)),
    )


@blueprint.route("/link", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
def request_link() -> ResponseReturnValue:
    """For a parent who lost every link: it goes to the address they type, if that address is
    registered; the page says the same either way, so it tells no one who is registered."""
    form = AddEmailForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("public/request_link.html", form=form, sent=False), status
    session = get_session()
    send_link_to_address(session, email=form.email.data or "", now=utcnow())
    session.commit()
    return render_template("public/request_link.html", form=form, sent=True)


@blueprint.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_to_stop(session, token)
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    return render_template(
        "public/unsubscribe.html", organisation=organisation, subscriber=subscriber
    )


@blueprint.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: the mail client posts with no form token and no cookie
def unsubscribe_now(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_to_stop(session, token)
    unsubscribe(session, subscriber=subscriber, now=utcnow())
    session.commit()
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    return render_template(
        "message.html",
        organisation=organisation,
        title=gettext("You have been unsubscribed"),
        detail=gettext(
            "You will receive no more notices from this service. "
            "To start again, register from the QR code."
        ),
    )


@blueprint.get("/privacy/<slug>")
def privacy(slug: str) -> ResponseReturnValue:
    session = get_session()
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        return render_error(404)
    return render_template(
        "public/privacy.html",
        organisation=organisation,
        retention_days=get_settings().retention_days,
        line_enabled=get_settings().line_enabled,
    )


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return render_template("public/index.html")


@blueprint.get("/firebase-messaging-sw.js")
def push_service_worker() -> ResponseReturnValue:
    """Served from the root, so that it may handle pushes for the whole site."""
    config = get_settings().firebase_web
    if config is None:
        return render_error(404)
    script = render_template("firebase-messaging-sw.js", config=config)
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})
