"""Many confirmed subscribers at once, written straight to the database (not through the web)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlmodel import Session, col

from service.addresses import hash_address, mailbox_hash
from service.models import Endpoint, Subscriber, Subscription
from service.types import utcnow
from tests.factories import ADDRESS_KEY
from tests.fakes.line import user_id


def add_subscribers(
    session: Session,
    *,
    organisation_id: int,
    topic_ids: Sequence[int],
    count: int,
    prefix: str = "p",
    now: datetime | None = None,
    channel: str = "email",
) -> list[str]:
    """Add `count` confirmed subscribers, reached by email or LINE; returns their addresses.

    Subscriber n follows topic_ids[n % k] and the next one after it, so a notice about
    several topics reaches many people through two of them (and must still send once).
    """
    now = now or utcnow()
    tag = uuid.uuid4().hex[:8]
    public_ids = [f"{tag}{n:024d}" for n in range(count)]
    session.execute(
        insert(Subscriber),
        [
            {
                "public_id": public_id,
                "organisation_id": organisation_id,
                "locale": "ja",
                "anchor_date": now.date(),
                "created_at": now,
                "confirmed_at": now,
            }
            for public_id in public_ids
        ],
    )
    ids = (
        session.execute(
            select(col(Subscriber.id))
            .where(col(Subscriber.public_id).startswith(tag))
            .order_by(col(Subscriber.id))
        )
        .scalars()
        .all()
    )
    addresses = [
        f"{prefix}{n}@example.jp" if channel == "email" else user_id(f"{prefix}{n}")
        for n in range(count)
    ]
    session.execute(
        insert(Endpoint),
        [
            {
                "subscriber_id": subscriber_id,
                "channel": channel,
                "address": address,
                "address_hash": hash_address(channel, address, ADDRESS_KEY),
                "mailbox_hash": mailbox_hash(address) if channel == "email" else None,
                "created_at": now,
                "verified_at": now,
                "soft_bounces": 0,
            }
            for subscriber_id, address in zip(ids, addresses, strict=True)
        ],
    )
    session.execute(
        insert(Subscription),
        [
            {"subscriber_id": subscriber_id, "topic_id": topic_id, "created_at": now}
            for n, subscriber_id in enumerate(ids)
            for topic_id in {topic_ids[n % len(topic_ids)], topic_ids[(n + 1) % len(topic_ids)]}
        ],
    )
    session.commit()
    return addresses
