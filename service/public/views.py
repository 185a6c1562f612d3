from __future__ import annotations

import base64
from collections import defaultdict
from zoneinfo import ZoneInfo

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import or_, update
from sqlmodel import Session, col, select
from wtforms import SelectChoice

from service import get_session, get_settings
from service.addresses import hash_address, legacy_local_part
from service.db import commit_without_waiting
from service.errors import render_error
from service.extensions import limiter
from service.ics import upcoming
from service.languages import current_language, use_language
from service.line.accounts import line_for
from service.line.link_codes import chat_text, chat_url, find_link, new_link, shown_code
from service.messages import NoticeText, notice_text
from service.models import (
    DeliveryKind,
    Endpoint,
    Notice,
    NoticeStatus,
    NoticeTopic,
    Organisation,
    Source,
    Subscriber,
)
from service.own_links import send_link_to_address
from service.public import blueprint
from service.public.forms import AddEmailForm, SubscribeForm
from service.qr import qr_svg
from service.subscribers import (
    active_topics,
    change_address,
    confirm_email,
    counter_with_code,
    queue_on_request,
    register_subscriber,
)
from service.tokens import Purpose, make_token
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import own_token, read_link, refuse_push, stop, subscriber_or_gone

COMING_SHOWN = 5  # the next notices a parent is told of when they confirm


def _source_or_404(session: Session, code: str) -> Source:
    source = counter_with_code(session, code)
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
        line_enabled=line_for(session, get_settings(), organisation.id or 0) is not None,
    ), status


@blueprint.route("/s/<code>", methods=["GET", "POST"])
def landing(code: str) -> ResponseReturnValue:
    """The counter's sign-up page. A POST comes from the support guide's "get news about
    this", with that programme's topics ticked (in the body: they say what the parent is
    going through, and a URL is kept in logs and histories)."""
    session = get_session()
    source = _source_or_404(session, code)
    if request.method == "POST":
        chosen = [int(t) for t in request.form.getlist("topics") if t.isdigit()]
        return _render_landing(
            session, source, SubscribeForm(formdata=None, source=code, topics=chosen)
        )
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
    if (
        form.channel.data == "line"
        and line_for(session, get_settings(), source.organisation_id) is None
    ):
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
        return redirect(url_for("public.line_link", token=link.code), code=303)
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
    endpoint = session.exec(
        select(Endpoint).where(
            Endpoint.subscriber_id == subscriber.id,
            Endpoint.channel == "email",
            Endpoint.address_hash == hash_address("email", form.email.data or ""),
        )
    ).one()
    return redirect(url_for("public.check_inbox", token=sign_up_token(endpoint)), code=303)


@blueprint.get("/line/<token>")
def line_link(token: str) -> ResponseReturnValue:
    """The last step to LINE: open the chat, where the code is filled in, and send it."""
    session = get_session()
    settings = get_settings()
    link = find_link(session, token, utcnow())
    line = line_for(session, settings, link.organisation_id) if link is not None else None
    if link is None or line is None:
        stop(
            410,
            gettext("This registration code can no longer be used"),
            gettext(
                "It has been used already, or more than a day has passed. "
                "Please register again from the QR code."
            ),
        )
    assert link is not None and line is not None
    use_language(link.locale)
    url = chat_url(line.account_id, link.code, link.locale)
    if "demo" in current_app.blueprints:  # `yorisou demo`: its LINE simulator stands in
        url = settings.public_base_url + url_for(
            "demo.line_chat", text=chat_text(link.code, link.locale)
        )
    return render_template(
        "public/line.html",
        organisation=session.get_one(Organisation, link.organisation_id),
        code=shown_code(link.code),
        chat_url=url,
        qr="data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode(),
    )


# Where each carrier's customers allow mail from a domain (ドメイン指定受信), for the page
# after sign-up: the city's mail is otherwise often dropped by their filters.
CARRIER_FILTER_PAGES = (
    ("docomo", "https://www.docomo.ne.jp/info/spam_mail/domain/"),
    ("au", "https://www.au.com/support/service/mobile/trouble/mail/email/filter/detail/domain/"),
    ("SoftBank", "https://www.softbank.jp/mobile/support/mail/antispam/email-i/white/"),
)


def sign_up_token(endpoint: Endpoint) -> str:
    """The page after sign-up's own token: that address of that registration, for a day."""
    public_id = get_session().get_one(Subscriber, endpoint.subscriber_id).public_id
    return make_token(get_settings().secret_key, Purpose.SIGN_UP, f"{public_id}:{endpoint.id}")


def _waiting(session: Session, token: str) -> tuple[Subscriber, Endpoint]:
    """The registration and the address the page after sign-up is about (for a day)."""
    public_id, _, endpoint_id = read_link(token, Purpose.SIGN_UP).partition(":")
    subscriber = subscriber_or_gone(session, public_id)
    endpoint = session.get(Endpoint, int(endpoint_id)) if endpoint_id.isdigit() else None
    if endpoint is None or endpoint.subscriber_id != subscriber.id or subscriber.unsubscribed_at:
        stop(
            410,
            gettext("This page can no longer be used"),
            gettext("Please register again from the QR code."),
        )
    assert endpoint is not None
    return subscriber, endpoint


def _inbox_page(
    session: Session, subscriber: Subscriber, endpoint: Endpoint, form: AddEmailForm, status: int
) -> ResponseReturnValue:
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    sender = get_settings().mail_from or organisation.sender_email
    return render_template(
        "public/sent.html",
        organisation=organisation,
        endpoint=endpoint,
        form=form,
        csrf_form=CsrfOnlyForm(),
        sender_domain=sender.rpartition("@")[2],
        carriers=CARRIER_FILTER_PAGES,
        legacy=legacy_local_part(endpoint.address),
        # What else the parent may turn to: only what this deployment offers.
        line_enabled=line_for(session, get_settings(), organisation.id or 0) is not None,
        push_enabled=bool(get_settings().firebase_web),
    ), status


@blueprint.get("/sent/<token>")
def check_inbox(token: str) -> ResponseReturnValue:
    """After sign-up: where the email went, so a typo shows; send it again; correct it; and
    how to let the city's mail through a carrier's filter."""
    session = get_session()
    subscriber, endpoint = _waiting(session, token)
    return _inbox_page(session, subscriber, endpoint, AddEmailForm(), 200)


@blueprint.post("/sent/<token>/again")
@limiter.limit("5/minute;20/hour")
def send_again(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber, endpoint = _waiting(session, token)
    if not CsrfOnlyForm().validate_on_submit() or endpoint.verified_at:
        return _inbox_page(session, subscriber, endpoint, AddEmailForm(), 400)
    if queue_on_request(session, endpoint=endpoint, kind=DeliveryKind.CONFIRM, now=utcnow()):
        flash(gettext("We have sent the email again."), "info")
    else:
        message = gettext("This address has had three emails today. Please try again tomorrow.")
        flash(message, "error")
    session.commit()
    return redirect(url_for("public.check_inbox", token=token), code=303)


@blueprint.post("/sent/<token>/address")
@limiter.limit("5/minute;20/hour")
def correct_address(token: str) -> ResponseReturnValue:
    """A mistyped address, corrected without starting over: the same registration and choices,
    the email sent to the new address (the old one is never confirmed)."""
    session = get_session()
    subscriber, endpoint = _waiting(session, token)
    form = AddEmailForm()
    if not form.validate_on_submit() or endpoint.verified_at:
        return _inbox_page(session, subscriber, endpoint, form, 400)
    change_address(session, endpoint=endpoint, email=form.email.data or "", now=utcnow())
    session.commit()
    flash(gettext("We have sent the email to the corrected address."), "info")
    return redirect(url_for("public.check_inbox", token=token), code=303)


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
def confirm(token: str) -> ResponseReturnValue:
    """Opening the link shows one big button; pressing it confirms. Mail gateways that open
    every link to check it must not confirm a sign-up nobody made."""
    session = get_session()
    subscriber, endpoint, organisation = confirmation_of(session, token)
    form = CsrfOnlyForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("public/confirm.html", organisation=organisation, form=form), status
    newly_confirmed = confirm_email(session, subscriber=subscriber, endpoint=endpoint, now=utcnow())
    session.commit()
    return confirmed_page(session, subscriber, organisation, newly_confirmed=newly_confirmed)


def confirmation_of(session: Session, token: str) -> tuple[Subscriber, Endpoint, Organisation]:
    """The registration and the address a confirmation link is for (a calm page if either is
    gone or stopped)."""
    public_id, _, endpoint_id = read_link(token, Purpose.CONFIRM).partition(":")
    subscriber = subscriber_or_gone(session, public_id)
    endpoint = session.get(Endpoint, int(endpoint_id)) if endpoint_id.isdigit() else None
    if subscriber.unsubscribed_at or endpoint is None or endpoint.subscriber_id != subscriber.id:
        stop(
            200,
            gettext("This registration has been stopped"),
            gettext("You will not receive notices. To start again, register from the QR code."),
        )
    assert endpoint is not None
    return subscriber, endpoint, session.get_one(Organisation, subscriber.organisation_id)


def confirmed_page(
    session: Session, subscriber: Subscriber, organisation: Organisation, *, newly_confirmed: bool
) -> ResponseReturnValue:
    """Done: the notices still to come, and the way to the parent's own page."""
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


@blueprint.get("/o/<slug>/notices")
def current_notices(slug: str) -> ResponseReturnValue:
    """The city's notices that are still current, by topic: a parent who joins in September
    can still read what was sent in August. Staff choose which appear (Notice.public)."""
    session = get_session()
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        return render_error(404)
    now = utcnow()
    shown = session.exec(
        select(Notice, NoticeTopic.topic_id)
        .join(NoticeTopic, col(NoticeTopic.notice_id) == Notice.id)
        .where(
            Notice.organisation_id == organisation.id,
            col(Notice.public).is_(True),
            col(Notice.status).in_((NoticeStatus.SCHEDULED, NoticeStatus.PAUSED)),
            or_(col(Notice.valid_until).is_(None), col(Notice.valid_until) > now),
        )
        .order_by(col(Notice.scheduled_at).desc(), col(Notice.id).desc())
    ).all()
    locale = current_language()
    by_topic: dict[int, list[NoticeText]] = defaultdict(list)
    for notice, topic_id in shown:
        by_topic[topic_id].append(notice_text(notice, locale))
    return render_template(
        "public/notices.html",
        organisation=organisation,
        topics=[t for t in active_topics(session, organisation.id or 0) if t.id in by_topic],
        by_topic=by_topic,
        locale=locale,
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
        request_retention_days=get_settings().request_retention_days,
        card_retention_days=get_settings().card_retention_days,
        line_enabled=line_for(session, get_settings(), organisation.id or 0) is not None,
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
