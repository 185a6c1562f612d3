"""What happens to a subscriber: signing up, confirming, changing, pausing, stopping, erasing."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from service.addresses import hash_address, mailbox_hash
from service.db import insert_ignoring_conflicts
from service.mailbox_cap import may_email
from service.models import (
    Child,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Organisation,
    Priority,
    Source,
    Subscriber,
    Subscription,
    SubscriptionMode,
    Suppression,
    Topic,
)

log = logging.getLogger(__name__)

UNCONFIRMED_KEPT = timedelta(days=7)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def active_topics(session: Session, organisation_id: int) -> list[Topic]:
    return list(
        session.exec(
            select(Topic)
            .where(Topic.organisation_id == organisation_id, col(Topic.active).is_(True))
            .order_by(col(Topic.position), col(Topic.id))
        )
    )


def register_subscriber(
    session: Session,
    *,
    source: Source,
    email: str | None,
    push_token: str | None = None,
    topic_ids: Sequence[int],
    locale: str,
    now: datetime,
    anchor_date: date | None = None,
    birth_months: Sequence[date] = (),
) -> Subscriber:
    """A new subscriber: an email address waits for double opt-in, a push token for FCM to
    accept it. Signing up again with an address still waiting for its confirmation (HANAKO@
    or hanako@) is the same parent: that registration takes the new choices and gets a new
    confirmation email, instead of a second registration with one of its own.

    The caller has checked that every topic belongs to the source's organisation.
    """
    subscriber = waiting_for(session, source.organisation_id, email) if email else None
    if subscriber is None:
        subscriber = Subscriber(public_id=uuid.uuid4().hex, created_at=now)
    subscriber.organisation_id = source.organisation_id
    subscriber.source_id, subscriber.locale, subscriber.anchor_date = source.id, locale, anchor_date
    session.add(subscriber)
    session.flush()
    assert subscriber.id is not None
    session.execute(delete(Subscription).where(col(Subscription.subscriber_id) == subscriber.id))
    session.execute(delete(Child).where(col(Child.subscriber_id) == subscriber.id))
    session.add_all(
        Subscription(subscriber_id=subscriber.id, topic_id=topic_id, created_at=now)
        for topic_id in sorted(set(topic_ids))
    )
    session.add_all(Child(subscriber_id=subscriber.id, birth_month=month) for month in birth_months)
    if push_token:
        add_push(session, subscriber=subscriber, token=push_token, now=now)
    if email:
        add_email(session, subscriber=subscriber, email=email, now=now)
    return subscriber


def waiting_for(session: Session, organisation_id: int, email: str) -> Subscriber | None:
    """The organisation's registration whose email address this is, still unconfirmed."""
    return session.exec(
        select(Subscriber)
        .join(Endpoint, col(Endpoint.subscriber_id) == Subscriber.id)
        .where(
            Subscriber.organisation_id == organisation_id,
            col(Subscriber.confirmed_at).is_(None),
            col(Subscriber.unsubscribed_at).is_(None),
            Endpoint.channel == "email",
            Endpoint.address_hash == hash_address("email", email),
        )
        .order_by(col(Subscriber.id).desc())
    ).first()


def add_push(session: Session, *, subscriber: Subscriber, token: str, now: datetime) -> Endpoint:
    """This device's push token. It counts once FCM has accepted it in a dry run (the worker
    sends one at once): a token typed into a form proves nothing by itself."""
    endpoint = Endpoint(
        subscriber_id=subscriber.id or 0,
        channel="webpush",
        address=token,
        address_hash=hash_address("webpush", token),
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    session.add(
        Delivery(
            endpoint_id=endpoint.id,
            kind=DeliveryKind.VERIFY,
            priority=Priority.CONFIRM,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return endpoint


def push_accepted(session: Session, *, endpoint_ids: Collection[int], now: datetime) -> None:
    """FCM accepted these devices' tokens: each is verified, and so is a registration made with
    it alone (its reminders count from today, unless the parent gave a day)."""
    for endpoint in session.exec(select(Endpoint).where(col(Endpoint.id).in_(endpoint_ids))):
        endpoint.verified_at = endpoint.verified_at or now
        session.add(endpoint)
        subscriber = session.get_one(Subscriber, endpoint.subscriber_id)
        if subscriber.confirmed_at is None:
            organisation = session.get_one(Organisation, subscriber.organisation_id)
            subscriber.confirmed_at = now
            subscriber.anchor_date = subscriber.anchor_date or local_date(
                now, organisation.timezone
            )
            session.add(subscriber)


def add_email(
    session: Session,
    *,
    subscriber: Subscriber,
    email: str,
    now: datetime,
    kind: str = DeliveryKind.CONFIRM,
) -> Endpoint:
    """A new, unverified email address and its confirmation email (double opt-in); `kind`
    MAIL_SIGNUP for the answer to an empty email, whose link also asks for the topics."""
    address_hash = hash_address("email", email)
    endpoint = session.exec(
        select(Endpoint).where(
            Endpoint.subscriber_id == subscriber.id,
            Endpoint.channel == "email",
            Endpoint.address_hash == address_hash,
        )
    ).first() or Endpoint(
        subscriber_id=subscriber.id or 0,
        channel="email",
        address=email.strip(),
        address_hash=address_hash,
        mailbox_hash=mailbox_hash(email),
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    queue_on_request(session, endpoint=endpoint, kind=kind, now=now)
    return endpoint


def change_address(session: Session, *, endpoint: Endpoint, email: str, now: datetime) -> None:
    """A mistyped address, not yet confirmed, corrected: what waits to go to the old one is
    withdrawn, and the confirmation goes to the new one."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.endpoint_id) == endpoint.id,
            col(Delivery.status) == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.SUPPRESSED, last_error="address corrected")
    )
    endpoint.address = email
    endpoint.address_hash = hash_address("email", email)
    endpoint.mailbox_hash = mailbox_hash(email)
    session.add(endpoint)
    session.flush()
    queue_on_request(session, endpoint=endpoint, kind=DeliveryKind.CONFIRM, now=now)


def queue_on_request(session: Session, *, endpoint: Endpoint, kind: str, now: datetime) -> bool:
    """An email about the registration to this address, unless its mailbox had its fill today
    (service.mailbox_cap)."""
    if endpoint.channel == "email" and not may_email(session, endpoint.address, now=now):
        return False
    session.add(
        Delivery(
            endpoint_id=endpoint.id,
            kind=kind,
            priority=Priority.CONFIRM,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def confirm_email(
    session: Session, *, subscriber: Subscriber, endpoint: Endpoint, now: datetime
) -> bool:
    """Double opt-in for one address. Returns False when it was confirmed already.

    A parent who signs up again with the same address replaces their earlier registration,
    so one address never receives the same notice twice.
    """
    newly = endpoint.verified_at is None or subscriber.confirmed_at is None
    if subscriber.confirmed_at is None:
        organisation = session.get_one(Organisation, subscriber.organisation_id)
        subscriber.confirmed_at = now
        subscriber.anchor_date = subscriber.anchor_date or local_date(now, organisation.timezone)
        session.add(subscriber)
    if endpoint.verified_at is None:
        endpoint.verified_at = now
        session.add(endpoint)
    # Double opt-in proves the parent owns the address: lift an earlier block.
    session.execute(
        delete(Suppression).where(
            col(Suppression.organisation_id) == subscriber.organisation_id,
            col(Suppression.channel) == "email",
            col(Suppression.address_hash) == endpoint.address_hash,
        )
    )
    earlier = (
        select(Endpoint.subscriber_id)
        .join(Subscriber)
        .where(
            Endpoint.channel == "email",
            Endpoint.address_hash == endpoint.address_hash,
            Subscriber.organisation_id == subscriber.organisation_id,
            Subscriber.id != subscriber.id,
            col(Subscriber.unsubscribed_at).is_(None),
        )
    )
    for (earlier_id,) in session.execute(earlier).all():
        unsubscribe(session, subscriber=session.get_one(Subscriber, earlier_id), now=now)
    return newly


def set_topics(
    session: Session,
    *,
    subscriber: Subscriber,
    modes: Mapping[int, SubscriptionMode],
    now: datetime,
) -> None:
    """Replace the subscriber's topics with `modes` (topic id → at once or weekly)."""
    session.execute(delete(Subscription).where(col(Subscription.subscriber_id) == subscriber.id))
    session.add_all(
        Subscription(subscriber_id=subscriber.id or 0, topic_id=topic_id, mode=mode, created_at=now)
        for topic_id, mode in modes.items()
    )


def remove_endpoint(session: Session, *, subscriber: Subscriber, endpoint_id: int) -> bool:
    endpoint = session.get(Endpoint, endpoint_id)
    if endpoint is None or endpoint.subscriber_id != subscriber.id:
        return False
    _detach_deliveries(session, [endpoint_id])
    session.delete(endpoint)
    return True


def _detach_deliveries(session: Session, endpoint_ids: Any) -> None:
    """Before endpoints are deleted: their ledger rows stay (counts) but point at no one."""
    session.execute(
        update(Delivery).where(col(Delivery.endpoint_id).in_(endpoint_ids)).values(endpoint_id=None)
    )


def _delete_subscriber(session: Session, subscriber: Subscriber) -> None:
    _detach_deliveries(session, select(Endpoint.id).where(Endpoint.subscriber_id == subscriber.id))
    session.delete(subscriber)  # endpoints, subscriptions and children go with it


def unsubscribe(session: Session, *, subscriber: Subscriber, now: datetime) -> bool:
    """Stop everything for this subscriber. Returns False when it was stopped already."""
    if subscriber.unsubscribed_at is not None:
        return False
    subscriber.unsubscribed_at = now
    session.add(subscriber)
    endpoint_ids = select(Endpoint.id).where(Endpoint.subscriber_id == subscriber.id)
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.endpoint_id).in_(endpoint_ids),
            col(Delivery.status) == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.SUPPRESSED, last_error="unsubscribed")
    )
    return True


def resubscribe(session: Session, *, subscriber: Subscriber) -> None:
    """Take back a stop: the registration, still kept, receives again as it did."""
    subscriber.unsubscribed_at = None
    session.add(subscriber)


def erase_subscriber(
    session: Session, *, subscriber: Subscriber, now: datetime, reason: str = "erased"
) -> None:
    """Delete the subscriber and everything personal with it, now.

    Only a hash of each verified address stays, on the suppression list, so that address is
    never mailed again unless its owner signs up and confirms anew. The ledger keeps its
    delivery rows (counts for the reports), which point at no one any more.
    """
    unsubscribe(session, subscriber=subscriber, now=now)
    endpoints = session.exec(select(Endpoint).where(Endpoint.subscriber_id == subscriber.id))
    for endpoint in endpoints:
        if endpoint.verified_at is not None:
            suppress(session, subscriber=subscriber, endpoint=endpoint, reason=reason, now=now)
    _delete_subscriber(session, subscriber)


def suppress(
    session: Session, *, subscriber: Subscriber, endpoint: Endpoint, reason: str, now: datetime
) -> None:
    """Put the address on the organisation's suppression list (as a hash only)."""
    dialect = session.get_bind().dialect.name
    session.execute(
        insert_ignoring_conflicts(Suppression, dialect).values(
            organisation_id=subscriber.organisation_id,
            channel=endpoint.channel,
            address_hash=endpoint.address_hash,
            reason=reason,
            created_at=now,
        )
    )


def erase_expired(session: Session, *, now: datetime, retention: timedelta) -> tuple[int, int]:
    """The daily upkeep: erase those who left longer ago than `retention`, and drop sign-ups
    never confirmed within a week. Returns (erased, dropped)."""
    left = session.exec(
        select(Subscriber).where(col(Subscriber.unsubscribed_at) < now - retention)
    ).all()
    for subscriber in left:
        erase_subscriber(session, subscriber=subscriber, now=now, reason="unsubscribed")
    unconfirmed = session.exec(
        select(Subscriber).where(
            col(Subscriber.confirmed_at).is_(None),
            col(Subscriber.unsubscribed_at).is_(None),
            col(Subscriber.created_at) < now - UNCONFIRMED_KEPT,
        )
    ).all()
    for subscriber in unconfirmed:
        _delete_subscriber(session, subscriber)
    session.commit()
    return len(left), len(unconfirmed)


def registered_by_counter(session: Session, organisation_id: int) -> dict[int | None, int]:
    """Parents registered now (confirmed, not stopped), by the counter they came from: the one
    count every page shows."""
    return dict(
        session.execute(
            select(col(Subscriber.source_id), func.count())
            .where(
                col(Subscriber.organisation_id) == organisation_id,
                col(Subscriber.confirmed_at).is_not(None),
                col(Subscriber.unsubscribed_at).is_(None),
            )
            .group_by(col(Subscriber.source_id))
        ).all()
    )


def counter_with_code(
    session: Session, code: str | None, organisation_id: int | None = None
) -> Source | None:
    """The counter (QR code's place) a code names, however it was typed: full width or not,
    upper or lower case."""
    if not code:
        return None
    typed = unicodedata.normalize("NFKC", code).strip().upper()
    query = select(Source).where(func.upper(col(Source.code)) == typed)
    if organisation_id is not None:
        query = query.where(Source.organisation_id == organisation_id)
    return session.exec(query).first()
