"""Stopping, from any email ever sent: the one-click stop (RFC 8058), taking it back while the
registration is kept, and deleting everything now."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlmodel import Session

from service import get_session, get_settings
from service.extensions import csrf, limiter
from service.models import Organisation, Subscriber
from service.public import blueprint
from service.public.forms import EraseForm
from service.subscribers import erase_subscriber, resubscribe, unsubscribe
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import subscriber_to_stop


def _stopped_page(
    session: Session, subscriber: Subscriber, token: str, erase_form: EraseForm | None = None
) -> ResponseReturnValue:
    return render_template(
        "public/unsubscribe.html",
        organisation=session.get_one(Organisation, subscriber.organisation_id),
        subscriber=subscriber,
        token=token,
        retention_days=get_settings().retention_days,
        csrf_form=CsrfOnlyForm(),
        erase_form=erase_form or EraseForm(),
    ), 400 if erase_form else 200


@blueprint.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    session = get_session()
    return _stopped_page(session, subscriber_to_stop(session, token), token)


@blueprint.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: the mail client posts with no form token and no cookie
def unsubscribe_now(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_to_stop(session, token)
    unsubscribe(session, subscriber=subscriber, now=utcnow())
    session.commit()
    return _stopped_page(session, subscriber, token)


@blueprint.post("/unsubscribe/<token>/undo")
@limiter.limit("10/minute")
def undo_unsubscribe(token: str) -> ResponseReturnValue:
    """ "I did not mean to": the same registration, topics and all, while it is still kept."""
    session = get_session()
    subscriber = subscriber_to_stop(session, token)
    if not CsrfOnlyForm().validate_on_submit():
        return _stopped_page(session, subscriber, token)
    resubscribe(session, subscriber=subscriber)
    session.commit()
    return render_template(
        "message.html",
        organisation=session.get_one(Organisation, subscriber.organisation_id),
        title=gettext("Notices start again"),
        detail=gettext("Your registration is as it was: the same topics and settings."),
    )


@blueprint.post("/unsubscribe/<token>/erase")
@limiter.limit("10/minute")
def erase_now(token: str) -> ResponseReturnValue:
    session = get_session()
    subscriber = subscriber_to_stop(session, token)
    form = EraseForm()
    if not form.validate_on_submit():
        return _stopped_page(session, subscriber, token, form)
    return erased(session, subscriber)


def erased(session: Session, subscriber: Subscriber) -> ResponseReturnValue:
    """Delete everything of this registration now, and say what is left."""
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    erase_subscriber(session, subscriber=subscriber, now=utcnow())
    session.commit()
    return render_template(
        "message.html",
        organisation=organisation,
        title=gettext("Your data has been deleted"),
        detail=gettext(
            "We have deleted your addresses (email and LINE), topics and settings. Only a coded "
            "form of each address remains, so that nothing is ever sent to it again. To start "
            "again, register from the QR code."
        ),
    )
