"""Which deliveries a worker takes, and what it needs to know about each."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, delete, func, insert, literal_column, or_, select, update
from sqlmodel import Session, col

from service.bookings.models import BOOKING_MESSAGES, Booking, Slot
from service.db import among
from service.models import (
    Delivery,
    DeliveryKind,
    DeliveryLease,
    DeliveryStatus,
    Endpoint,
    Notice,
    Send,
    Subscriber,
)

LEASE = timedelta(minutes=5)  # a claim older than this belonged to a worker that died;
# longer than any provider call can take (timeouts are 30 s), or a slow batch is sent twice
BATCH_SIZE = 1000


def _due(now: datetime) -> Select[Any]:
    return select(col(Delivery.id)).where(
        # A literal, not a parameter: only then can the planner use the partial index.
        col(Delivery.status) == literal_column(f"'{DeliveryStatus.PENDING}'"),
        col(Delivery.next_attempt_at) <= now,
        or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now),
    )


class Claim(NamedTuple):
    """A claimed delivery, as the claim's UPDATE … RETURNING (or INSERT) gives it back."""

    delivery_id: int
    kind: str
    priority: int
    attempts: int
    endpoint_id: int | None
    send_id: int | None
    booking_id: int | None


CLAIM_COLUMNS = (
    col(Delivery.id),
    col(Delivery.kind),
    col(Delivery.priority),
    col(Delivery.attempts),
    col(Delivery.endpoint_id),
    col(Delivery.send_id),
    col(Delivery.booking_id),
)


def in_claim_order(claims: Iterable[Sequence[Any]]) -> list[Claim]:
    """Most urgent first, then oldest."""
    return sorted(map(Claim._make, claims), key=lambda c: (c.priority, c.delivery_id))


class Lease(NamedTuple):
    """A batch a worker took to send: its deliveries are marked sent until it says otherwise."""

    id: int
    claims: list[Claim]


def take_lease(session: Session, claims: list[Claim], until: datetime) -> Lease:
    """The lease of deliveries just marked sent, in the same transaction as the marking."""
    ids = [claim.delivery_id for claim in claims]
    lease_id = (
        session.connection()
        .execute(
            insert(DeliveryLease)
            .values(delivery_ids=ids, claimed_until=until)
            .returning(DeliveryLease.__table__.c.id)  # type: ignore[attr-defined]
        )
        .scalar_one()
    )
    return Lease(lease_id, claims)


def _claim(session: Session, due: Select[Any], *, now: datetime, lease: timedelta) -> Lease | None:
    """Mark the rows sent, under a lease; most urgent first.

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent workers each claim a
    different batch instead of waiting for one another; SQLite runs one worker only.
    """
    # Through the connection (Core): plain rows, without the ORM's per-row work.
    claimed = (
        session.connection()
        .execute(
            update(Delivery)
            .where(col(Delivery.id).in_(due.with_for_update(skip_locked=True).scalar_subquery()))
            .values(
                status=DeliveryStatus.SENT,
                sent_at=now,
                claimed_until=now + lease,
                attempts=col(Delivery.attempts) + 1,
                last_error=None,
            )
            .returning(*CLAIM_COLUMNS)
        )
        .all()
    )
    taken = take_lease(session, in_claim_order(claimed), now + lease) if claimed else None
    session.commit()
    return taken


# What a leased delivery goes back to when it was not sent: the queue.
UNSENT = {"status": DeliveryStatus.PENDING, "sent_at": None, "claimed_until": None}


def release(session: Session, leases: Sequence[Lease]) -> None:
    """Give leased deliveries back unsent, as if never claimed: any worker may take them."""
    ids = [claim.delivery_id for lease in leases for claim in lease.claims]
    session.connection().execute(
        update(Delivery)
        .where(among(session, col(Delivery.id), ids), col(Delivery.status) == DeliveryStatus.SENT)
        .values(**UNSENT, attempts=col(Delivery.attempts) - 1)
    )
    end_leases(session, [lease.id for lease in leases])
    session.commit()


def end_leases(session: Session, lease_ids: Collection[int]) -> set[int]:
    """End these leases; returns those that were still ours (not run out and taken back)."""
    ended = session.connection().execute(
        delete(DeliveryLease)
        .where(col(DeliveryLease.id).in_(lease_ids))
        .returning(DeliveryLease.__table__.c.id)  # type: ignore[attr-defined]
    )
    return set(ended.scalars())


def take_back_run_out(session: Session, now: datetime) -> int:
    """Deliveries whose worker died while sending them (its lease ran out) go back to the
    queue; their attempt counts. Returns how many."""
    run_out = (
        session.connection()
        .execute(
            select(col(DeliveryLease.id), col(DeliveryLease.delivery_ids))
            .where(col(DeliveryLease.claimed_until) < now)
            .order_by(col(DeliveryLease.id))
            .limit(100)
            .with_for_update(skip_locked=True)
        )
        .all()
    )
    if not run_out:
        return 0
    ids = [delivery_id for _, delivery_ids in run_out for delivery_id in delivery_ids]
    taken_back = (
        session.connection()
        .execute(
            update(Delivery)
            .where(
                among(session, col(Delivery.id), ids),
                col(Delivery.status) == DeliveryStatus.SENT,
            )
            .values(**UNSENT)
            .execution_options(preserve_rowcount=True)
        )
        .rowcount
    )
    end_leases(session, [lease_id for lease_id, _ in run_out if lease_id is not None])
    session.commit()
    return taken_back


def claim_deliveries(
    session: Session,
    *,
    now: datetime,
    limit: int = BATCH_SIZE,
    max_priority: int | None = None,
    lease: timedelta = LEASE,
) -> Lease | None:
    """Up to `limit` due deliveries, most urgent first."""
    due = (
        _due(now)
        .order_by(col(Delivery.priority), col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    if max_priority is not None:
        due = due.where(col(Delivery.priority) <= max_priority)
    return _claim(session, due, now=now, lease=lease)


def claim_digest_companions(
    session: Session, *, endpoint_ids: Collection[int], now: datetime, lease: timedelta = LEASE
) -> Lease | None:
    """The other due digest deliveries of these addresses, so each gets one digest email."""
    due = _due(now).where(
        col(Delivery.kind) == DeliveryKind.DIGEST,
        among(session, col(Delivery.endpoint_id), endpoint_ids),
    )
    return _claim(session, due, now=now, lease=lease)


class ClaimedRow(NamedTuple):  # a tuple: a thousand are made per batch
    delivery_id: int
    kind: str
    priority: int
    attempts: int
    endpoint_id: int
    subscriber_id: int
    channel: str | None
    address: str | None
    endpoint_disabled: bool
    public_id: str
    link_epoch: int
    locale: str
    unsubscribed: bool
    paused_until: datetime | None
    push_previews: bool
    organisation_id: int
    notice_id: int | None  # a booking's messages: the booking's id
    notice_status: str | None  # a booking's messages: the booking's status
    expires_at: datetime | None

    @property
    def group(self) -> tuple[Any, ...]:
        """Deliveries that share one rendered message."""
        previews = self.push_previews and (self.channel != "email" or self.kind in BOOKING_MESSAGES)
        # Each message about a booking is its own (staff's news differ from one to the next).
        about = (
            (self.notice_id, self.delivery_id) if self.kind in BOOKING_MESSAGES else self.notice_id
        )
        return (
            self.kind,
            about,
            self.channel,
            self.locale,
            self.organisation_id,
            previews,
        )


def load_claimed(session: Session, claims: Sequence[Claim]) -> list[ClaimedRow]:
    """What sending needs to know of each claimed delivery whose endpoint still exists.

    Looked up by primary key from the claim's own rows, so the cost stays that of one batch
    however large the ledger (a join from the ledger let PostgreSQL walk the endpoint index).
    """
    about_bookings = [claim for claim in claims if claim.booking_id is not None]
    claims = [claim for claim in claims if claim.booking_id is None]
    endpoint_ids = {c.endpoint_id for c in claims if c.endpoint_id is not None}
    recipients: dict[Any, Any] = {  # endpoint id → its row (the id first)
        row[0]: row
        for row in session.connection().execute(
            select(
                col(Endpoint.id),
                col(Endpoint.subscriber_id),
                col(Endpoint.channel),
                col(Endpoint.address),
                col(Endpoint.disabled_at).is_not(None),
                col(Subscriber.public_id),
                col(Subscriber.link_epoch),
                col(Subscriber.locale),
                col(Subscriber.unsubscribed_at).is_not(None),
                col(Subscriber.paused_until),
                col(Subscriber.push_previews),
                col(Subscriber.organisation_id),
            )
            .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
            .where(among(session, col(Endpoint.id), endpoint_ids))
        )
    }
    send_ids = {c.send_id for c in claims if c.send_id is not None}
    sends = {
        row[0]: row[1:]
        for row in session.connection().execute(
            select(col(Send.id), col(Send.notice_id), col(Notice.status), col(Send.expires_at))
            .outerjoin(Notice, col(Notice.id) == Send.notice_id)
            .where(among(session, col(Send.id), send_ids))
        )
    }
    return [
        ClaimedRow(
            claim.delivery_id,
            claim.kind,
            claim.priority,
            claim.attempts,
            *recipients[claim.endpoint_id],
            *sends.get(claim.send_id or 0, (None, None, None)),
        )
        for claim in claims
        if claim.endpoint_id in recipients
    ] + load_booking_rows(session, about_bookings)


def load_booking_rows(session: Session, claims: Sequence[Claim]) -> list[ClaimedRow]:
    """What sending needs of each claimed message about a booking: the registered address it
    was booked through, or the address given for it, and the booking as it is now."""
    if not claims:
        return []
    rows = {
        row[0]: row[1:]
        for row in session.connection().execute(
            select(
                col(Booking.id),
                col(Booking.subscriber_id),
                col(Booking.channel),
                func.coalesce(col(Endpoint.address), col(Booking.address)),
                col(Endpoint.disabled_at).is_not(None),
                col(Subscriber.public_id),
                col(Subscriber.link_epoch),
                col(Booking.locale),
                col(Subscriber.push_previews),
                col(Booking.organisation_id),
                col(Booking.status),
                col(Slot.starts_at),
            )
            .join(Slot, col(Slot.id) == Booking.slot_id)
            .outerjoin(Endpoint, col(Endpoint.id) == Booking.endpoint_id)
            .outerjoin(Subscriber, col(Subscriber.id) == Booking.subscriber_id)
            .where(among(session, col(Booking.id), {c.booking_id or 0 for c in claims}))
        )
    }
    loaded = []
    for claim in claims:
        found = rows.get(claim.booking_id)
        if found is None:
            continue
        subscriber, channel, address, disabled, public_id, epoch, locale, previews, *rest = found
        organisation_id, status, starts_at = rest
        loaded.append(
            ClaimedRow(
                claim.delivery_id,
                claim.kind,
                claim.priority,
                claim.attempts,
                claim.endpoint_id or 0,
                subscriber or 0,
                channel,
                address,
                bool(disabled),
                public_id or "",
                epoch or 0,
                locale,
                False,  # a parent who stopped the notices still has their booking
                None,
                bool(previews),
                organisation_id,
                claim.booking_id,
                status,
                # a reminder after the start is no use
                starts_at if claim.kind == DeliveryKind.REMINDER else None,
            )
        )
    return loaded
