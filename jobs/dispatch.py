"""Step 3: claim due deliveries, send them through the channels in batches, record each result.

Runs inside an app context: messages are rendered with the app's templates and translations.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from jobs.channel_state import RateLimit, pause_channel, paused_until, take_tokens
from service.addresses import mask_address
from service.calendar.quiet_hours import QuietHours
from service.channels import Channel, ChannelUnavailable, Recipient, RenderedMessage, Result
from service.db import Database, insert_ignoring_conflicts
from service.messages import make_recipient, render_confirmation, render_notice, render_push
from service.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Notice,
    NoticeStatus,
    Organisation,
    Priority,
    Send,
    Subscriber,
)
from service.types import UTCDateTime

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a claim older than this belonged to a worker that died;
# longer than any provider call can take (timeouts are 30 s), or a slow batch is sent twice
BATCH_SIZE = 1000
PAUSED_NOTICE_RETRY = timedelta(minutes=5)
RATE_LIMITED_RETRY = timedelta(seconds=1)
PUSH_CHANNELS = {"webpush", "line"}


@dataclass(frozen=True)
class DispatchPolicy:
    max_attempts: int = 8
    lease: timedelta = LEASE
    rate_limits: Mapping[str, Sequence[RateLimit]] = field(default_factory=dict)
    quiet_hours: QuietHours | None = None  # for the channels that can wake a parent
    allowlist: tuple[str, ...] = ()  # rehearsal: addresses or "@domain"s that may receive

    def allows(self, channel: str, address: str) -> bool:
        if not self.allowlist or channel != "email":
            return True
        address = address.lower()
        return address in self.allowlist or "@" + address.partition("@")[2] in self.allowlist


def claim_deliveries(
    session: Session,
    *,
    now: datetime,
    limit: int = BATCH_SIZE,
    max_priority: int | None = None,
    lease: timedelta = LEASE,
) -> list[int]:
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
    if max_priority is not None:
        due = due.where(col(Delivery.priority) <= max_priority)
    claimed = (
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(due.scalar_subquery()))
            .values(claimed_until=now + lease, attempts=col(Delivery.attempts) + 1)
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
    priority: int
    attempts: int
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

    @property
    def group(self) -> tuple[Any, ...]:
        return (self.kind, self.notice_id, self.channel, self.locale, self.organisation_id)


def _load(session: Session, ids: Sequence[int]) -> list[_Row]:
    query = (
        select(
            col(Delivery.id),
            col(Delivery.kind),
            col(Delivery.priority),
            col(Delivery.attempts),
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
        .order_by(col(Delivery.priority), col(Delivery.id))
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
    policy: DispatchPolicy | None = None,
    limit: int = BATCH_SIZE,
    max_priority: int | None = None,
) -> int:
    """Send one claimed batch. Returns how many deliveries were claimed (0: nothing due)."""
    policy = policy or DispatchPolicy()
    with database.session() as session:
        ids = claim_deliveries(
            session, now=now, limit=limit, max_priority=max_priority, lease=policy.lease
        )
        if not ids:
            return 0
        rows = _load(session, ids)
        loaded = {row.delivery_id for row in rows}
        updates: list[dict[str, Any]] = [  # endpoints erased since the claim
            _final(delivery_id, DeliveryStatus.SUPPRESSED, "endpoint erased")
            for delivery_id in ids
            if delivery_id not in loaded
        ]
        sendable: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            if row.kind == DeliveryKind.NOTICE and row.notice_status == NoticeStatus.PAUSED:
                updates.append(_later(row, now + PAUSED_NOTICE_RETRY, "notice paused"))
            elif reason := _why_not(row, now, channels):
                updates.append(_final(row.delivery_id, DeliveryStatus.SUPPRESSED, reason))
            elif not policy.allows(row.channel or "", row.address or ""):
                log.info(
                    "rehearsal: not sent to %s (delivery %d)",
                    mask_address(row.address or ""),
                    row.delivery_id,
                )
                updates.append(_final(row.delivery_id, DeliveryStatus.SUPPRESSED, "rehearsal"))
            else:
                sendable[row.channel or ""].append(row)
        groups: dict[tuple[Any, ...], list[_Row]] = defaultdict(list)
        for channel_name, channel_rows in sendable.items():
            if until := paused_until(session, channel_name, now):
                updates.extend(_later(row, until, "channel paused") for row in channel_rows)
                continue
            if channel_name in PUSH_CHANNELS and policy.quiet_hours:
                if until := policy.quiet_hours.ends_after(now):
                    updates.extend(_later(row, until, "quiet hours") for row in channel_rows)
                    continue
            granted = take_tokens(
                session,
                channel_name,
                len(channel_rows),
                limits=policy.rate_limits.get(channel_name, ()),
                now=now,
            )
            updates.extend(
                _later(row, now + RATE_LIMITED_RETRY, "rate limited")
                for row in channel_rows[granted:]
            )
            for row in channel_rows[:granted]:
                groups[row.group].append(row)
        batches = [(key, _render(session, key, members)) for key, members in groups.items()]
        _record(session, updates)

    # The provider is called outside any transaction: a slow provider holds no locks.
    by_id = {row.delivery_id: row for members in groups.values() for row in members}
    outcomes: list[dict[str, Any]] = []
    permanent: list[Result] = []
    for (kind, notice_id, channel_name, *_), (message, recipients) in batches:
        channel = channels[channel_name]
        for start in range(0, len(recipients), channel.max_batch):
            chunk = recipients[start : start + channel.max_batch]
            started = time.monotonic()
            try:
                results = _send_safely(channel, message, chunk)
            except ChannelUnavailable as error:
                log.error("ALERT channel=%s paused: %s", channel_name, error.reason)
                until = now + timedelta(seconds=error.pause_seconds)
                with database.session() as session:
                    pause_channel(session, channel_name, until=until, reason=error.reason)
                outcomes.extend(
                    _later(by_id[r.delivery_id], until, "channel paused") for r in chunk
                )
                continue
            counts = Counter(result.outcome for result in results)
            log.info(
                "batch channel=%s kind=%s notice=%s count=%d sent=%d retry=%d failed=%d "
                "permanent=%d duration_ms=%d",
                channel_name,
                kind,
                notice_id,
                len(chunk),
                counts["sent"],
                counts["retry"],
                counts["failed"],
                counts["permanent"],
                (time.monotonic() - started) * 1000,
            )
            for result in results:
                row = by_id[result.delivery_id]
                outcomes.append(_outcome(result, row.attempts, now, policy.max_attempts))
            permanent.extend(r for r in results if r.outcome == "permanent")
    with database.session() as session:
        _record(session, outcomes)
        _disable_endpoints(session, permanent, now)
        _fall_back_to_email(session, [r.delivery_id for r in permanent], now)
        session.commit()
    return len(ids)


def _render(
    session: Session, key: tuple[Any, ...], rows: list[_Row]
) -> tuple[RenderedMessage, list[Recipient]]:
    kind, notice_id, channel, locale, organisation_id = key
    organisation = session.get_one(Organisation, organisation_id)
    if kind == DeliveryKind.CONFIRM:
        message = render_confirmation(organisation, locale)
    else:
        render = render_notice if channel == "email" else render_push
        message = render(session.get_one(Notice, notice_id), organisation, locale)
    recipients = [
        make_recipient(
            channel=channel,
            delivery_id=row.delivery_id,
            address=row.address or "",
            public_id=row.public_id,
            kind=kind,
        )
        for row in rows
    ]
    return message, recipients


def _send_safely(
    channel: Channel, message: RenderedMessage, recipients: Sequence[Recipient]
) -> list[Result]:
    try:
        results = channel.send(message, recipients)
    except ChannelUnavailable:
        raise
    except Exception as error:  # an adapter bug must not lose the batch: retry it later
        log.exception("channel %s failed on a batch of %d", channel.name, len(recipients))
        return [Result(r.delivery_id, "retry", error=type(error).__name__) for r in recipients]
    missing = {r.delivery_id for r in recipients} - {r.delivery_id for r in results}
    return results + [Result(i, "retry", error="no result from adapter") for i in missing]


def _final(delivery_id: int, status: str, reason: str | None) -> dict[str, Any]:
    return {"id": delivery_id, "status": status, "claimed_until": None, "last_error": reason}


def _later(row: _Row, when: datetime, reason: str) -> dict[str, Any]:
    """Back to the queue; an attempt that never reached the provider does not count."""
    return {
        "id": row.delivery_id,
        "status": DeliveryStatus.PENDING,
        "claimed_until": None,
        "last_error": reason,
        "attempts": row.attempts - 1,
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
        # retry_after=0: the batch was refused because of another recipient; go again now.
        delay = timedelta(0) if result.retry_after == 0 else backoff(attempts, result.retry_after)
        return {
            "id": result.delivery_id,
            "status": DeliveryStatus.PENDING,
            "claimed_until": None,
            "last_error": (result.error or "retry")[:500],
            "next_attempt_at": now + delay,
        }
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


def _fall_back_to_email(session: Session, delivery_ids: list[int], now: datetime) -> None:
    """An urgent notice whose push failed for good goes to the parent's email instead."""
    if not delivery_ids:
        return
    failed, push, email = aliased(Delivery), aliased(Endpoint), aliased(Endpoint)
    fallback = (
        select(
            col(failed.send_id),
            col(email.id),
            literal(DeliveryKind.NOTICE.value),
            literal(int(Priority.URGENT)),
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        )
        .select_from(failed)
        .join(push, col(push.id) == failed.endpoint_id)
        .join(email, col(email.subscriber_id) == push.subscriber_id)
        .join(Send, col(Send.id) == failed.send_id)
        .join(Notice, col(Notice.id) == Send.notice_id)
        .where(
            col(failed.id).in_(delivery_ids),
            col(push.channel) != "email",
            col(Notice.urgent).is_(True),
            col(email.channel) == "email",
            col(email.verified_at).is_not(None),
            col(email.disabled_at).is_(None),
        )
    )
    dialect = session.get_bind().dialect.name
    session.execute(
        insert_ignoring_conflicts(Delivery, dialect).from_select(
            [
                "send_id",
                "endpoint_id",
                "kind",
                "priority",
                "status",
                "attempts",
                "next_attempt_at",
                "created_at",
            ],
            fallback,
        )
    )
