"""The page the answer to an empty email opens (空メール登録): the parent chooses their topics
there, and using the link confirms their address."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import delete
from sqlmodel import col
from wtforms import SelectChoice

from service import get_session
from service.extensions import limiter
from service.languages import current_language
from service.models import Child, SubscriptionMode
from service.public import blueprint
from service.public.forms import ChoicesForm
from service.public.views import confirmation_of, confirmed_page
from service.subscribers import active_topics, confirm_email, set_topics
from service.types import utcnow


@blueprint.route("/choose/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
def choose(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber, endpoint, organisation = confirmation_of(session, token)
    if subscriber.confirmed_at is not None and endpoint.verified_at is not None:
        return confirmed_page(session, subscriber, organisation, newly_confirmed=False)
    locale = current_language()
    topics = active_topics(session, organisation.id or 0)
    form = ChoicesForm()
    form.topics.choices = [SelectChoice(topic.id or 0, topic.name(locale)) for topic in topics]
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template(
            "public/choose.html",
            organisation=organisation,
            address=endpoint.address,
            topics=topics,
            form=form,
            locale=locale,
        ), status
    now = utcnow()
    subscriber.locale = locale
    subscriber.anchor_date = form.anchor_date.data or subscriber.anchor_date
    session.add(subscriber)
    set_topics(
        session,
        subscriber=subscriber,
        modes=dict.fromkeys(form.topics.data or [], SubscriptionMode.INSTANT),
        now=now,
    )
    session.execute(delete(Child).where(col(Child.subscriber_id) == subscriber.id))
    session.add_all(
        Child(subscriber_id=subscriber.id or 0, birth_month=month) for month in form.birth_months()
    )
    confirm_email(session, subscriber=subscriber, endpoint=endpoint, now=now)
    session.commit()
    return confirmed_page(session, subscriber, organisation, newly_confirmed=True)
