"""The parent's own page, reached from every message: change anything, pause, stop, erase."""

from __future__ import annotations

from datetime import timedelta

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
from sqlmodel import Session, col, select

from service import get_session, get_settings
from service.addresses import mask_address
from service.extensions import limiter
from service.ics import calendar_feed
from service.languages import LANGUAGES, city_name, use_language
from service.models import Endpoint, Organisation, Subscriber, Subscription, SubscriptionMode
from service.own_links import renew_calendar, renew_links, tell_addresses
from service.parent_links import LinkMaker, with_epoch
from service.public import blueprint
from service.public.forms import AddDeviceForm, AddEmailForm, EraseForm, PauseForm, SettingsForm
from service.public.stopping import erased
from service.subscribers import (
    active_topics,
    add_email,
    add_push,
    remove_endpoint,
    set_topics,
)
from service.tokens import Purpose, make_token
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import own_token, refuse_push, subscriber_from_link, subscriber_of_feed

POSTS = "10/minute;100/hour"


def _back(token: str, message: str) -> ResponseReturnValue:
    flash(message, "info")
    return redirect(url_for("public.preferences", token=token), code=303)


def endpoints_of(session: Session, subscriber: Subscriber) -> list[Endpoint]:
    return list(
        session.exec(
            select(Endpoint)
            .where(Endpoint.subscriber_id == subscriber.id)
            .order_by(col(Endpoint.id))
        )
    )


def _page(
    session: Session, subscriber: Subscriber, token: str, status: int = 200, **forms: object
) -> ResponseReturnValue:
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    subscriptions = {
        s.topic_id: s.mode
        for s in session.exec(
            select(Subscription).where(Subscription.subscriber_id == subscriber.id)
        )
    }
    endpoints = endpoints_of(session, subscriber)
    settings_form = forms.pop("settings_form", None) or SettingsForm(
        anchor_date=subscriber.anchor_date,
        locale=subscriber.locale,
        push_previews=subscriber.push_previews,
    )
    # "Ask a desk": answered through the first address that works, without typing it again.
    reachable = [e for e in endpoints if e.verified_at and not e.disabled_at]
    preferred = sorted(reachable, key=lambda e: e.channel != "line")  # LINE, then email
    ask_url = (
        LinkMaker(get_settings()).ask(organisation.slug, subscriber, preferred[0].id or 0)
        if preferred and preferred[0].channel in ("line", "email")
        else ""
    )
    calendar_token = make_token(
        get_settings().secret_key,
        Purpose.CALENDAR,
        with_epoch(subscriber.public_id, subscriber.calendar_epoch),
    )
    return render_template(
        "public/preferences.html",
        organisation=organisation,
        subscriber=subscriber,
        token=token,
        calendar_token=calendar_token,
        ask_url=ask_url,
        locale=subscriber.locale,
        topics=active_topics(session, subscriber.organisation_id),
        subscriptions=subscriptions,
        endpoints=[
            (e, mask_address(e.address) if e.channel == "email" else None) for e in endpoints
        ],
        paused=subscriber.paused_until is not None and subscriber.paused_until > utcnow(),
        settings_form=settings_form,
        email_form=forms.pop("email_form", None) or AddEmailForm(),
        erase_form=forms.pop("erase_form", None) or EraseForm(),
        pause_form=PauseForm(),
        csrf_form=CsrfOnlyForm(),
        device_form=AddDeviceForm(),
        firebase_web=get_settings().firebase_web,
        last_endpoint=forms.pop("last_endpoint", None),
    ), status


@blueprint.get("/preferences/<token>")
def preferences(token: str) -> ResponseReturnValue:
    session = get_session()
    return _page(session, subscriber_from_link(session, token), token)


@blueprint.post("/preferences/<token>/topics")
@limiter.limit(POSTS)
def change_topics(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    if not CsrfOnlyForm().validate_on_submit():
        return _page(session, subscriber, token, 400)
    modes = {}
    for topic in active_topics(session, subscriber.organisation_id):
        if request.form.get(f"topic-{topic.id}"):
            weekly = request.form.get(f"mode-{topic.id}") == SubscriptionMode.WEEKLY
            modes[topic.id or 0] = SubscriptionMode.WEEKLY if weekly else SubscriptionMode.INSTANT
    if not modes:
        flash(
            gettext("Please choose at least one topic. To receive nothing, unsubscribe below."),
            "error",
        )
        return _page(session, subscriber, token, 400)
    set_topics(session, subscriber=subscriber, modes=modes, now=utcnow())
    session.commit()
    return _back(token, gettext("Your topics have been saved."))


@blueprint.post("/preferences/<token>/settings")
@limiter.limit(POSTS)
def change_settings(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    form = SettingsForm()
    if not form.validate_on_submit() or form.locale.data not in LANGUAGES:
        return _page(session, subscriber, token, 400, settings_form=form)
    subscriber.anchor_date = form.anchor_date.data or subscriber.anchor_date
    subscriber.locale = form.locale.data
    subscriber.push_previews = bool(form.push_previews.data)
    session.add(subscriber)
    session.commit()
    use_language(subscriber.locale)  # say it in the language just chosen
    return _back(token, gettext("Your settings have been saved."))


@blueprint.post("/preferences/<token>/pause")
@limiter.limit(POSTS)
def pause(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    form = PauseForm()
    if "resume" in request.form:
        if not CsrfOnlyForm().validate_on_submit():
            return _page(session, subscriber, token, 400)
        subscriber.paused_until = None
        message = gettext("Notices have started again.")
    elif form.validate_on_submit():
        subscriber.paused_until = utcnow() + timedelta(weeks=form.weeks.data or 1)
        message = gettext("Notices are paused. They start again by themselves.")
    else:
        return _page(session, subscriber, token, 400)
    session.add(subscriber)
    session.commit()
    return _back(token, message)


@blueprint.post("/preferences/<token>/email")
@limiter.limit(POSTS)
def add_email_address(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    form = AddEmailForm()
    if not form.validate_on_submit():
        return _page(session, subscriber, token, 400, email_form=form)
    endpoint = add_email(session, subscriber=subscriber, email=form.email.data or "", now=utcnow())
    tell_addresses(session, subscriber=subscriber, added=endpoint, now=utcnow())
    session.commit()
    return _back(token, gettext("We have sent a confirmation email to the new address."))


@blueprint.post("/preferences/<token>/push")
@limiter.limit(POSTS)
def add_device(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    form = AddDeviceForm()
    if get_settings().firebase_web is None:
        refuse_push()
    if not form.validate_on_submit():
        return _page(session, subscriber, token, 400)
    endpoint = add_push(
        session, subscriber=subscriber, token=form.push_token.data or "", now=utcnow()
    )
    tell_addresses(session, subscriber=subscriber, added=endpoint, now=utcnow())
    session.commit()
    return _back(
        token, gettext("We are checking this device; notifications start within a minute.")
    )


@blueprint.post("/preferences/<token>/endpoints/<int:endpoint_id>/remove")
@limiter.limit(POSTS)
def remove_address(token: str, endpoint_id: int) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    if not CsrfOnlyForm().validate_on_submit():
        return _page(session, subscriber, token, 400)
    receiving = {
        e.id for e in endpoints_of(session, subscriber) if e.verified_at and not e.disabled_at
    }
    if receiving == {endpoint_id} and request.form.get("sure") != "y":
        # The last way to reach the parent: say what removing it means, and ask again.
        return _page(session, subscriber, token, 200, last_endpoint=endpoint_id)
    if not remove_endpoint(session, subscriber=subscriber, endpoint_id=endpoint_id):
        return _page(session, subscriber, token, 404)
    session.commit()
    return _back(token, gettext("The address has been removed."))


@blueprint.post("/preferences/<token>/erase")
@limiter.limit(POSTS)
def erase(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(session, subscriber, token, 400, erase_form=form)
    return erased(session, subscriber)


@blueprint.post("/preferences/<token>/renew")
@limiter.limit(POSTS)
def renew(token: str) -> ResponseReturnValue:
    """A fresh link: every older one stops opening this page (stop links excepted)."""
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    if not CsrfOnlyForm().validate_on_submit():
        return _page(session, subscriber, token, 400)
    emailed = renew_links(session, subscriber=subscriber, now=utcnow())
    session.commit()
    message = gettext(
        "This is your new link: keep this page. Links sent before no longer open it "
        "(their stop links still work)."
    )
    if emailed:
        message += " " + gettext("We have also emailed the new link to you.")
    return _back(own_token(subscriber), message)


@blueprint.post("/preferences/<token>/calendar")
@limiter.limit(POSTS)
def renew_calendar_address(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_from_link(session, token)
    if not CsrfOnlyForm().validate_on_submit():
        return _page(session, subscriber, token, 400)
    renew_calendar(session, subscriber=subscriber)
    session.commit()
    return _back(
        token,
        gettext(
            "Your calendar has a new address; the old one no longer works. "
            "Add the new one to your calendar again."
        ),
    )


@blueprint.get("/calendar/<token>.ics")
@limiter.limit("30/minute")
def calendar(token: str) -> Response:
    """The feed, and nothing else, for whoever holds its address (a calendar service)."""
    session = get_session()
    subscriber = subscriber_of_feed(session, token)
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    name = gettext("Notices from %(name)s", name=city_name(organisation))
    feed = calendar_feed(session, subscriber, now=utcnow(), calendar_name=name)
    return Response(
        feed,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="notices.ics"'},
    )
