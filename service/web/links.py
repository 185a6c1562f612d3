"""What a link in a parent's message opens: whose it is, if it is good for this page; a calm
page for a link that is not. The tokens themselves: service.parent_links."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, make_response, render_template, url_for
from flask_babel import gettext
from sqlmodel import Session, col, select

from service import get_settings
from service.errors import render_error
from service.languages import use_language
from service.models import Endpoint, Organisation, Subscriber
from service.parent_links import split_epoch, with_epoch
from service.tokens import Purpose, TokenExpired, TokenInvalid, make_token, read_token


def organisation_or_404(session: Session, slug: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        stop(404, gettext("This page does not exist"), gettext("Please check the address."))
    assert organisation is not None
    return organisation


def stop(status: int, title: str, detail: str) -> None:
    abort(make_response(render_error(status, title, detail)))


def read_link(token: str, purpose: Purpose) -> str:
    """What a link in an email carries; a clear page for any link that is not good."""
    settings = get_settings()
    max_age = {
        Purpose.CONFIRM: settings.confirm_token_max_age,
        Purpose.SIGN_UP: 86400,
    }.get(purpose)
    try:
        return read_token(settings.secret_key, purpose, token, max_age=max_age)
    except TokenExpired:
        stop(
            410,
            gettext("This link has expired"),
            gettext("Please register again from the QR code. Nothing has been sent to you."),
        )
    except TokenInvalid:
        stop(
            400,
            gettext("This link is not valid"),
            gettext("Please open the link from the email again, without changing it."),
        )
    raise AssertionError("unreachable")


def linked_endpoint(
    session: Session,
    token: str | None,
    purpose: Purpose,
    organisation_id: int,
    instead: tuple[str, str],
    *,
    bound_to: str | None = None,
) -> Endpoint | None:
    """The registered parent's own address a link of `purpose` carries ("public id:endpoint
    id", and for a BOOK link ":event code", `bound_to`): the page then needs no address typed,
    and answers through it. A link that is no longer good (expired: BOOK_LINK_DAYS,
    ASK_LINK_DAYS) ends with the way to a new one, and `instead`: the same page without it."""
    if not token:
        return None
    settings = get_settings()
    days = settings.book_link_days if purpose == Purpose.BOOK else settings.ask_link_days
    try:
        subject = read_token(settings.secret_key, purpose, token, max_age=days * 86400)
    except (TokenExpired, TokenInvalid):
        _link_gone(instead)
    public_id, endpoint_id, *bound = subject.split(":")
    if bound_to is not None and bound != [bound_to]:
        _link_gone(instead)
    found = session.exec(
        select(Endpoint)
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .where(
            Subscriber.public_id == public_id,
            Subscriber.organisation_id == organisation_id,
            col(Subscriber.unsubscribed_at).is_(None),
            col(Endpoint.id) == (int(endpoint_id) if endpoint_id.isdigit() else 0),
            col(Endpoint.verified_at).is_not(None),
            col(Endpoint.disabled_at).is_(None),
        )
    ).first()
    if found is None:
        _link_gone(instead)
    return found


def _link_gone(instead: tuple[str, str]) -> NoReturn:
    abort(
        make_response(
            render_template(
                "message.html",
                title=gettext("This link can no longer be used"),
                detail=gettext(
                    "It is too old, or it is for another page. Get a new link to your own page, "
                    "or go on without it."
                ),
                links=[(url_for("public.request_link"), gettext("Send me my link")), instead],
            ),
            410,
        )
    )


def subscriber_or_gone(session: Session, public_id: str) -> Subscriber:
    subscriber = session.exec(select(Subscriber).where(Subscriber.public_id == public_id)).first()
    if subscriber is None:  # erased: a calm answer, not an error
        stop(
            200,
            gettext("This registration no longer exists"),
            gettext(
                "Nothing more will be sent to you. It may have been deleted at your request. "
                "You can register again from the QR code at any time."
            ),
        )
    assert subscriber is not None
    use_language(subscriber.locale)
    return subscriber


def subscriber_from_link(session: Session, token: str) -> Subscriber:
    """The subscriber whose own page this link opens: their latest link only."""
    public_id, epoch = split_epoch(read_link(token, Purpose.MANAGE))
    subscriber = subscriber_or_gone(session, public_id)
    if epoch != subscriber.link_epoch:
        abort(
            make_response(
                render_template(
                    "message.html",
                    organisation=session.get(Organisation, subscriber.organisation_id),
                    title=gettext("This link has been replaced"),
                    detail=gettext(
                        "A newer link to your registration was made, so this one no longer "
                        "opens it. Use the link in your latest email, or ask for it again."
                    ),
                    link=(url_for("public.request_link"), gettext("Send me my link")),
                ),
                410,
            )
        )
    return subscriber


def subscriber_to_stop(session: Session, token: str) -> Subscriber:
    """Whom a stop link is for. Stop links, and the links of emails sent before they had their
    own, work for ever: nobody should find they cannot stop."""
    settings = get_settings()
    for purpose in (Purpose.UNSUBSCRIBE, Purpose.MANAGE):
        try:
            subject = read_token(settings.secret_key, purpose, token)
        except (TokenInvalid, TokenExpired):
            continue
        return subscriber_or_gone(session, split_epoch(subject)[0])
    return subscriber_or_gone(session, read_link(token, Purpose.UNSUBSCRIBE))  # answers the error


def refuse_push() -> None:
    """A device token sent where notifications on a device are not offered."""
    stop(
        400,
        gettext("Notifications on this device are not available"),
        gettext("Please register by email."),
    )


def own_token(subscriber: Subscriber) -> str:
    """The token of the parent's own page, as it is now."""
    subject = with_epoch(subscriber.public_id, subscriber.link_epoch)
    return make_token(get_settings().secret_key, Purpose.MANAGE, subject)


def subscriber_of_feed(session: Session, token: str) -> Subscriber:
    """The parent whose feed this is: by its current calendar address, or (for feeds added
    before the feed had an address of its own) by the parent's current own link."""
    secret = get_settings().secret_key
    for purpose, epoch_of in (
        (Purpose.CALENDAR, lambda s: s.calendar_epoch),
        (Purpose.MANAGE, lambda s: s.link_epoch),
    ):
        try:
            public_id, epoch = split_epoch(read_token(secret, purpose, token))
        except (TokenInvalid, TokenExpired):
            continue
        query = select(Subscriber).where(Subscriber.public_id == public_id)
        subscriber = session.exec(query).first()
        if subscriber is None or epoch != epoch_of(subscriber):  # replaced, or erased
            abort(
                make_response(render_error(410, gettext("This calendar address no longer works")))
            )
        assert subscriber is not None
        use_language(subscriber.locale)
        return subscriber
    abort(make_response(render_error(400)))
    raise AssertionError("unreachable")
