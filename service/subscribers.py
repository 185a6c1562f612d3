"""What happens to a subscriber: signing up, confirming, unsubscribing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from service.addresses import hash_address
from service.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Organisation,
    Priority,
    Source,
    Subscriber,
    Subscription,
    Suppression,
    Topic,
)


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


def subscribe_email(
    session: Session,
    *,
    source: Source,
    email: str,
    topic_ids: Sequence[int],
    locale: str,
    now: datetime,
) -> Subscriber:
    """Create an unconfirmed subscriber and queue the confirmation email at top priority.

    The caller has checked that every topic belongs to the source's organisation.
    """
    subscriber = Subscriber(
        public_id=uuid.uuid4().hex,
        organisation_id=source.organisation_id,
        source_id=source.id,
        locale=locale,
        created_at=now,
    )
    session.add(subscriber)
    session.flush()
    assert subscriber.id is not None
    endpoint = Endpoint(
        subscriber_id=subscriber.id,
        channel="email",
        address=email.strip(),
        address_hash=hash_address("email", email),
        created_at=now,
    )
    session.add(endpoint)
    session.add_all(
        Subscription(subscriber_id=subscriber.id, topic_id=topic_id, created_at=now)
        for topic_id in sorted(set(topic_ids))
    )
    session.flush()
    session.add(
        Delivery(
            endpoint_id=endpoint.id,
            kind=DeliveryKind.CONFIRM,
            priority=Priority.CONFIRM,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return subscriber


def confirm_subscriber(session: Session, *, subscriber: Subscriber, now: datetime) -> bool:
    """Confirm the email address. Returns False when it was confirmed already.

    A parent who signs up again with the same address replaces their earlier registration,
    so one address never receives the same notice twice.
    """
    if subscriber.confirmed_at is not None:
        return False
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    subscriber.confirmed_at = now
    if subscriber.anchor_date is None:
        subscriber.anchor_date = local_date(now, organisation.timezone)
    endpoints = session.exec(select(Endpoint).where(Endpoint.subscriber_id == subscriber.id)).all()
    for endpoint in endpoints:
        if endpoint.channel != "email":
            continue
        endpoint.verified_at = now
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
    session.add(subscriber)
    return True


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


def find_subscriber(session: Session, public_id: str) -> Subscriber | None:
    return session.exec(select(Subscriber).where(Subscriber.public_id == public_id)).first()
