"""Step 3: claim due deliveries, send them through the channels in batches, record each result.

Runs inside an app context: messages are rendered with the app's templates and translations.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from service.channels import Channel, Recipient, RenderedMessage, Result
from service.db import Database
from service.messages import email_recipient, render_confirmation, render_notice
from service.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Notice,
    NoticeStatus,
    Organisation,
    Send,
    Subscriber,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a claim older than this belonged to a worker that died
BATCH_SIZE = 1000
PAUSED_RETRY = timedelta(minutes=5)


def claim_deliveries(session: Session, *, now: datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Mark up to `limit` due deliveries as ours for the length of a lease.

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent workers each claim a
    different batch instead of waiting for one another; SQLite runs one worker only.
    """
    due = (
        select(col(Delivery.id))
        .where(
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.next_attempt_at) <= now,
            or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
        )
        .order_by(col(Delivery.priority), col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(due.scalar_subquery()))
            .values(claimed_until=now + LEASE, attempts=col(Delivery.attempts) + 1)
            .returning(col(Delivery.id))
        )
        .scalars()
        .all()
    )
    session.commit()
    return sorted(claimed)


@dataclass(frozen=True)
class _Row:
    delivery_id: int
    kind: str
    attempts: int
    send_id: int | None
    channel: str | None
    address: str | None
    endpoint_disabled: bool
    public_id: str
    locale: str
    unsubscribed: bool
    organisation_id: int
    notice_id: int | None
    notice_status: str | None
    expires_at: datetime | None


def _load(session: Session, ids: Sequence[int]) -> list[_Row]:
    query = (
        select(
            col(Delivery.id),
            col(Delivery.kind),
            col(Delivery.attempts),
            col(Delivery.send_id),
            col(Endpoint.channel),
            col(Endpoint.address),
            col(Endpoint.disabled_at).is_not(None),
            col(Subscriber.public_id),
            col(Subscriber.locale),
            col(Subscriber.unsubscribed_at).is_not(None),
            col(Subscriber.organisation_id),
            col(Send.notice_id),
            col(Notice.status),
            col(Send.expires_at),
        )
        .select_from(Delivery)
        .join(Endpoint, col(Endpoint.id) == Delivery.endpoint_id)
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .outerjoin(Send, col(Send.id) == Delivery.send_id)
        .outerjoin(Notice, col(Notice.id) == Send.notice_id)
        .where(col(Delivery.id).in_(ids))
    )
    return [_Row(*row) for row in session.execute(query).all()]


def _why_not(row: _Row, now: datetime, channels: Mapping[str, Channel]) -> str | None:
    if row.address is None or row.endpoint_disabled:
        return "endpoint disabled"
    if row.unsubscribed:
        return "unsubscribed"
    if row.kind == DeliveryKind.NOTICE and row.notice_status == NoticeStatus.ARCHIVED:
        return "notice withdrawn"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    if row.channel not in channels:
        return f"channel {row.channel} not configured"
    return None


def dispatch_due(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    max_attempts: int = 8,
    limit: int = BATCH_SIZE,
) -> int:
    """Send one claimed batch. Returns how many deliveries were claimed (0: nothing due)."""
    with database.session() as session:
        ids = claim_deliveries(session, now=now, limit=limit)
        if not ids:
            return 0
        rows = _load(session, ids)
        claimed = {row.delivery_id for row in rows}
        updates: list[dict[str, Any]] = [  # endpoints erased since the claim
            _final(delivery_id, DeliveryStatus.SUPPRESSED, "endpoint erased")
            for delivery_id in ids
            if delivery_id not in claimed
        ]
        groups: dict[tuple[Any, ...], list[_Row]] = defaultdict(list)
        for row in rows:
            if row.kind == DeliveryKind.NOTICE and row.notice_status == NoticeStatus.PAUSED:
                updates.append(
                    _later(row.delivery_id, row.attempts - 1, now + PAUSED_RETRY, "paused")
                )
            elif reason := _why_not(row, now, channels):
                updates.append(_final(row.delivery_id, DeliveryStatus.SUPPRESSED, reason))
            else:
                groups[
                    (row.kind, row.notice_id, row.channel, row.locale, row.organisation_id)
                ].append(row)
        batches = [_render(session, key, members) for key, members in groups.items()]
        _record(session, updates)
    # The provider is called outside any transaction: a slow provider holds no locks.
    results: list[Result] = []
    attempts = {row.delivery_id: row.attempts for members in groups.values() for row in members}
    for channel_name, message, recipients in batches:
        channel = channels[channel_name]
        for start in range(0, len(recipients), channel.max_batch):
            chunk = recipients[start : start + channel.max_batch]
            results.extend(_send_safely(channel, message, chunk))
    with database.session() as session:
        _record(
            session,
            [
                _outcome(result, attempts[result.delivery_id], now, max_attempts)
                for result in results
            ],
        )
        _disable_endpoints(session, [r for r in results if r.outcome == "permanent"], now)
        session.commit()
    return len(ids)


def _render(
    session: Session, key: tuple[Any, ...], rows: list[_Row]
) -> tuple[str, RenderedMessage, list[Recipient]]:
    kind, notice_id, channel, locale, organisation_id = key
    organisation = session.get_one(Organisation, organisation_id)
    if kind == DeliveryKind.CONFIRM:
        message = render_confirmation(organisation, locale)
    else:
        message = render_notice(session.get_one(Notice, notice_id), organisation, locale)
    recipients = [
        email_recipient(
            delivery_id=row.delivery_id,
            address=row.address or "",
            public_id=row.public_id,
            kind=kind,
        )
        for row in rows
    ]
    return channel, message, recipients


def _send_safely(
    channel: Channel, message: RenderedMessage, recipients: Sequence[Recipient]
) -> list[Result]:
    try:
        return channel.send(message, recipients)
    except Exception as error:  # an adapter bug must not lose the batch: retry it later
        log.exception("channel %s failed on a batch of %d", channel.name, len(recipients))
        return [Result(r.delivery_id, "retry", error=f"{type(error).__name__}") for r in recipients]


def _final(delivery_id: int, status: str, reason: str | None) -> dict[str, Any]:
    return {"id": delivery_id, "status": status, "claimed_until": None, "last_error": reason}


def _later(delivery_id: int, attempts: int, when: datetime, reason: str) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "status": DeliveryStatus.PENDING,
        "claimed_until": None,
        "last_error": reason,
        "attempts": attempts,
        "next_attempt_at": when,
    }


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential with jitter, never sooner than the provider asked."""
    delay = min(30 * 2 ** max(attempts - 1, 0), 6 * 3600) * random.uniform(0.5, 1.5)
    return timedelta(seconds=max(delay, retry_after or 0))


def _outcome(result: Result, attempts: int, now: datetime, max_attempts: int) -> dict[str, Any]:
    if result.outcome == "sent":
        return {
            "id": result.delivery_id,
            "status": DeliveryStatus.SENT,
            "claimed_until": None,
            "last_error": None,
            "provider_message_id": result.provider_id,
            "sent_at": now,
        }
    if result.outcome == "retry" and attempts < max_attempts:
        return _later(
            result.delivery_id,
            attempts,
            now + backoff(attempts, result.retry_after),
            result.error or "retry",
        )
    return _final(result.delivery_id, DeliveryStatus.FAILED, (result.error or "failed")[:500])


def _record(session: Session, updates: list[dict[str, Any]]) -> None:
    # Bulk UPDATE by primary key; rows with the same keys go in one executemany.
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for values in updates:
        by_shape[tuple(sorted(values))].append(values)
    for rows in by_shape.values():
        session.execute(update(Delivery), rows)
    session.commit()


def _disable_endpoints(session: Session, permanent: list[Result], now: datetime) -> None:
    for result in permanent:
        endpoint_id = select(col(Delivery.endpoint_id)).where(
            col(Delivery.id) == result.delivery_id
        )
        session.execute(
            update(Endpoint)
            .where(
                col(Endpoint.id).in_(endpoint_id.scalar_subquery()),
                col(Endpoint.disabled_at).is_(None),
            )
            .values(disabled_at=now, disabled_reason=(result.error or "permanent failure")[:200])
        )
