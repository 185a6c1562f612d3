"""A parent's way back to their own registration, and their say over who else has it: a fresh
link that ends the older ones, their link sent to an address they type, a new calendar address,
and a word to their addresses when another address or device is added.

Whoever holds a parent's link can do what the parent can; these keep the parent in control."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlmodel import Session, col, select

from service.addresses import hash_address, mask_address
from service.languages import in_language
from service.models import DeliveryKind, Endpoint, Subscriber
from service.subscribers import queue_on_request

ADDED_RECENTLY = timedelta(days=1)  # what a "changed" email lists as added


def _email_endpoints(session: Session, subscriber: Subscriber) -> list[Endpoint]:
    """The subscriber's confirmed email addresses that still receive."""
    return list(
        session.exec(
            select(Endpoint)
            .where(
                Endpoint.subscriber_id == subscriber.id,
                Endpoint.channel == "email",
                col(Endpoint.verified_at).is_not(None),
                col(Endpoint.disabled_at).is_(None),
            )
            .order_by(col(Endpoint.id))
        )
    )


def tell_addresses(
    session: Session, *, subscriber: Subscriber, added: Endpoint, now: datetime
) -> None:
    """Another address or device was added: say so to each confirmed address, so that a link
    in someone else's hands cannot add one silently."""
    for endpoint in _email_endpoints(session, subscriber):
        if endpoint.id != added.id:
            queue_on_request(session, endpoint=endpoint, kind=DeliveryKind.CHANGED, now=now)


def renew_links(session: Session, *, subscriber: Subscriber, now: datetime) -> bool:
    """End every link sent so far (but the stop links: a one-click unsubscribe in an old email
    keeps working), and email the new one to the parent's addresses. False: there is no
    address to email it to."""
    subscriber.link_epoch += 1
    session.add(subscriber)
    sent = [
        queue_on_request(session, endpoint=endpoint, kind=DeliveryKind.LINK, now=now)
        for endpoint in _email_endpoints(session, subscriber)
    ]
    return any(sent)


def renew_calendar(session: Session, *, subscriber: Subscriber) -> None:
    """A new calendar feed address; the old one stops working."""
    subscriber.calendar_epoch += 1
    session.add(subscriber)


def send_link_to_address(
    session: Session, *, email: str, now: datetime, organisation_id: int | None = None
) -> int:
    """Someone typed an address: each live registration confirmed for it (in the organisation,
    if one is given) gets its link there; how many there are. The parent's page says nothing
    either way about whether there is one."""
    query = (
        select(Endpoint)
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .where(
            Endpoint.channel == "email",
            Endpoint.address_hash == hash_address("email", email),
            col(Endpoint.verified_at).is_not(None),
            col(Endpoint.disabled_at).is_(None),
            col(Subscriber.confirmed_at).is_not(None),
            col(Subscriber.unsubscribed_at).is_(None),
        )
    )
    if organisation_id is not None:
        query = query.where(Subscriber.organisation_id == organisation_id)
    endpoints = session.exec(query).all()
    for endpoint in endpoints:
        queue_on_request(session, endpoint=endpoint, kind=DeliveryKind.LINK, now=now)
    return len(endpoints)


def recent_additions(
    session: Session, recipients: Collection[tuple[int, int]], *, locale: str, now: datetime
) -> dict[int, str]:
    """For each (subscriber, recipient endpoint), what else was added to that registration in
    the last day, one line each; keyed by the recipient endpoint."""
    added: dict[int, list[Endpoint]] = defaultdict(list)
    for endpoint in session.exec(
        select(Endpoint)
        .where(
            col(Endpoint.subscriber_id).in_({subscriber for subscriber, _ in recipients}),
            col(Endpoint.created_at) >= now - ADDED_RECENTLY,
        )
        .order_by(col(Endpoint.id))
    ):
        added[endpoint.subscriber_id].append(endpoint)
    with in_language(locale):
        return {
            own: "\n".join(
                _describe(endpoint) for endpoint in added[subscriber] if endpoint.id != own
            )
            for subscriber, own in recipients
        }


def _describe(endpoint: Endpoint) -> str:
    if endpoint.channel == "email":
        return gettext("Email address: %(address)s", address=mask_address(endpoint.address))
    if endpoint.channel == "line":
        return gettext("LINE")
    return gettext("Notifications on a phone or computer")
