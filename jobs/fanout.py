"""Step 2: each due Send becomes one Delivery per matching endpoint, by INSERT … SELECT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, text, update
from sqlmodel import Session, col
from sqlmodel import select as select_models

from jobs.claims import BATCH_SIZE, LEASE, Claim, Lease, take_lease
from service.calendar.digest import DigestSchedule
from service.db import insert_ignoring_conflicts
from service.models import (
    Child,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Notice,
    NoticeStatus,
    NoticeTopic,
    Organisation,
    Priority,
    RuleKind,
    Send,
    Subscriber,
    Subscription,
    SubscriptionMode,
    Suppression,
)
from service.types import UTCDateTime

# The columns an INSERT … SELECT of new deliveries fills, in this order.
NEW_DELIVERY_COLUMNS = [
    "send_id",
    "endpoint_id",
    "kind",
    "priority",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
]


# A first fan-out goes in ranges of subscriber ids, one transaction each, so the first
# deliveries are sent while the rest are still being written. Every table in the query is
# limited to the range, so each step reads a range of each index, not the whole tables. A range's
# claimed deliveries stay in the worker's memory until sent: 10,000 kept a worker under 110 MB.
CHUNK = 10_000
Span = tuple[int, int]
# A relative Send is fanned out again this often until it expires, so a parent who confirms
# after the reminder's time of day still gets that day's reminder; a welcome ("when a parent
# joins") for good, reaching each parent within seconds of their confirmation.
REFRESH_EVERY = timedelta(seconds=15)
# A welcome reaches those who confirmed this recently (and after it was approved): a parent
# who confirmed while the workers were down for a day still gets it.
JOINED_WITHIN = timedelta(days=2)


def fan_out_sends(
    session: Session,
    *,
    now: datetime,
    digest: DigestSchedule | None = None,
    send_now: Callable[[list[Lease]], None] | None = None,
    lease: timedelta = LEASE,
) -> None:
    """Create the deliveries of every due Send; reruns add nothing (unique send × endpoint).

    Each step locks its Send row (SKIP LOCKED), so concurrent workers share the work of a big
    send range by range instead of writing the same rows twice. With `send_now`, the deliveries
    due at once are written already claimed by this worker (marked sent, under leases of a
    batch each: a claim would be one more write per row) and handed to it after each range's
    commit; without it the dispatcher claims them.
    """
    dialect = session.get_bind().dialect.name
    while (due := _next_due(session, now)) is not None:
        send, notice, timezone = due
        weekly = not notice.urgent and notice.rule_kind != RuleKind.JOIN  # a welcome comes now
        digest_at = digest.next_after(now) if digest and weekly else None
        span: Span | None = None  # a relative send's refresh: everyone again (the key drops dups)
        values: dict[str, Any] = {"fanned_out_at": now}
        if send.fanned_out_at is None:
            last_id = session.execute(select(func.max(col(Subscriber.id)))).scalar_one() or 0
            span = (send.fanned_out_through + 1, send.fanned_out_through + CHUNK)
            values = {"fanned_out_through": span[1]}
            if span[1] >= last_id:
                values["fanned_out_at"] = now
        written, claimed = 0, list[Claim]()
        if send.expires_at is None or send.expires_at > now:
            claim_until = now + lease if send_now is not None else None
            for targets, due_at in _matching_endpoints(
                send,
                notice,
                now=now,
                timezone=timezone,
                digest_at=digest_at,
                span=span,
                claim_until=claim_until,
            ):
                insert = insert_ignoring_conflicts(Delivery, dialect).from_select(
                    [*NEW_DELIVERY_COLUMNS, "claimed_until", "sent_at"], targets
                )
                if claim_until is not None and due_at <= now:
                    # Only what differs from row to row comes back: a range's rows of every
                    # column would be megabytes of a worker's memory.
                    new = session.connection().execute(
                        insert.returning(
                            Delivery.__table__.c.id,  # type: ignore[attr-defined]
                            Delivery.__table__.c.endpoint_id,  # type: ignore[attr-defined]
                        )
                    )
                    kind, priority = DeliveryKind.NOTICE.value, _priority(notice)
                    send_id = int(send.id or 0)
                    before = len(claimed)
                    claimed += (
                        Claim(delivery_id, kind, priority, 1, endpoint_id, send_id, None)
                        for delivery_id, endpoint_id in new
                    )
                    written += len(claimed) - before
                else:
                    written += (
                        session.connection()
                        .execute(insert.execution_options(preserve_rowcount=True))
                        .rowcount
                    )
        else:
            values["fanned_out_at"] = now
        session.execute(update(Send).where(col(Send.id) == send.id).values(**values))
        claimed.sort(key=lambda claim: claim.delivery_id)
        leases = [
            take_lease(session, claimed[start : start + BATCH_SIZE], claim_until)
            for start in range(0, len(claimed), BATCH_SIZE)
            if claim_until is not None
        ]
        session.commit()
        if dialect == "postgresql" and span is not None and span[0] == 1 and written >= CHUNK / 2:
            # The claim's plan depends on the table's statistics, which autovacuum refreshes
            # only a minute or more later; until then PostgreSQL would sort every pending row
            # for each batch it claims.
            session.execute(text("ANALYZE delivery"))
            session.commit()
        if leases and send_now is not None:
            send_now(leases)


def _next_due(session: Session, now: datetime) -> tuple[Send, Notice, str] | None:
    row = session.exec(
        select_models(Send, Notice, Organisation.timezone)
        .join(Notice, col(Notice.id) == Send.notice_id)
        .join(Organisation, col(Organisation.id) == Notice.organisation_id)
        .where(
            col(Send.cancelled_at).is_(None),
            Send.due_at <= now,
            Notice.status == NoticeStatus.SCHEDULED,
            or_(
                col(Send.fanned_out_at).is_(None),
                and_(
                    col(Send.anchor_date).is_not(None),
                    col(Send.expires_at) > now,
                    col(Send.fanned_out_at) <= now - REFRESH_EVERY,
                ),
                and_(
                    col(Notice.rule_kind) == RuleKind.JOIN,
                    col(Send.fanned_out_at) <= now - REFRESH_EVERY,
                ),
            ),
        )
        .order_by(col(Send.due_at), col(Send.id))
        .limit(1)
        .with_for_update(of=Send, skip_locked=True)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def _matching_endpoints(
    send: Send,
    notice: Notice,
    *,
    now: datetime,
    timezone: str,
    digest_at: datetime | None,
    span: Span | None,
    claim_until: datetime | None,
) -> list[tuple[Select[*tuple[Any, ...]], datetime]]:
    """One SELECT per kind of delivery, with its due time: at once, and (for weekly readers) in
    the digest. Those due now are claimed until `claim_until`, when it is given."""
    priority = _priority(notice)
    suppressed = exists().where(
        col(Suppression.organisation_id) == notice.organisation_id,
        col(Suppression.channel) == Endpoint.channel,
        col(Suppression.address_hash) == Endpoint.address_hash,
    )

    def deliveries(
        kind: DeliveryKind, due: datetime, *conditions: Any
    ) -> tuple[Select[*tuple[Any, ...]], datetime]:
        claimed = claim_until is not None and due <= now
        query = (
            select(
                literal(send.id),
                col(Endpoint.id),
                literal(kind.value),
                literal(priority),
                # Claimed: marked sent at once, under the lease the caller takes (jobs.claims).
                literal((DeliveryStatus.SENT if claimed else DeliveryStatus.PENDING).value),
                literal(1 if claimed else 0),
                literal(due, UTCDateTime()),
                literal(now, UTCDateTime()),
                literal(claim_until if claimed else None, UTCDateTime()),
                literal(now if claimed else None, UTCDateTime()),
            )
            .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
            .where(
                col(Subscriber.organisation_id) == notice.organisation_id,
                col(Subscriber.confirmed_at).is_not(None),
                col(Subscriber.unsubscribed_at).is_(None),
                or_(col(Subscriber.paused_until).is_(None), col(Subscriber.paused_until) <= now),
                col(Endpoint.channel).in_(notice.channels),
                col(Endpoint.verified_at).is_not(None),
                col(Endpoint.disabled_at).is_(None),
                ~suppressed,
                *conditions,
            )
        )
        if notice.rule_kind == RuleKind.JOIN:
            joined = max(notice.scheduled_at or send.due_at, now - JOINED_WITHIN)
            query = query.where(col(Subscriber.confirmed_at) >= joined)
        elif send.anchor_date is not None:
            # A reminder whose day had passed when the parent joined is not theirs to get.
            tz = ZoneInfo(timezone)
            day_after = send.due_at.astimezone(tz).date() + timedelta(days=1)
            query = query.where(
                col(Subscriber.anchor_date) == send.anchor_date,
                col(Subscriber.confirmed_at) < datetime.combine(day_after, time(), tz),
            )
        if span is not None:
            query = query.where(
                col(Subscriber.id).between(*span), col(Endpoint.subscriber_id).between(*span)
            )
        targeted = (notice.child_age_min, notice.child_age_max, notice.school_grade)
        if any(bound is not None for bound in targeted):
            today = now.astimezone(ZoneInfo(timezone)).date()
            query = query.where(_has_child_targeted(notice, today))
        return query, due

    if digest_at is None:
        return [deliveries(DeliveryKind.NOTICE, now, _wants_topic(notice, span))]
    instant = _wants_topic(notice, span, SubscriptionMode.INSTANT)
    return [
        # Only email has a digest; other channels deliver at once.
        deliveries(
            DeliveryKind.NOTICE,
            now,
            _wants_topic(notice, span),
            or_(instant, col(Endpoint.channel) != "email"),
        ),
        deliveries(
            DeliveryKind.DIGEST,
            digest_at,
            _wants_topic(notice, span),
            ~instant,
            col(Endpoint.channel) == "email",
        ),
    ]


def _priority(notice: Notice) -> int:
    return int(Priority.URGENT if notice.urgent else Priority.NORMAL)


def _wants_topic(
    notice: Notice, span: Span | None, mode: SubscriptionMode | None = None
) -> ColumnElement[bool]:
    conditions = [
        col(Subscription.subscriber_id) == Subscriber.id,
        col(NoticeTopic.topic_id) == Subscription.topic_id,
        col(NoticeTopic.notice_id) == notice.id,
    ]
    if mode is not None:
        conditions.append(col(Subscription.mode) == mode)
    if span is not None:
        conditions.append(col(Subscription.subscriber_id).between(*span))
    return exists().where(*conditions)


def school_grade_births(grade: int, school_year: int) -> tuple[date, date]:
    """The birth months of the children in `grade` (1 = 小1) in the school year that starts in
    April of `school_year`: born 2 April … 1 April, six years before. Only the month is known,
    so a child born on 1 April counts with the younger year."""
    return date(school_year - 6 - grade, 4, 1), date(school_year - 5 - grade, 3, 1)


def _has_child_targeted(notice: Notice, today: date) -> ColumnElement[bool]:
    """A child within the notice's age bounds (whole years on `today`) and school grade."""
    conditions: list[ColumnElement[bool]] = [col(Child.subscriber_id) == Subscriber.id]
    if notice.school_grade is not None:
        this_school_year = today.year if today.month >= 4 else today.year - 1
        first, last = school_grade_births(
            notice.school_grade, this_school_year + notice.school_year_offset
        )
        conditions.append(col(Child.birth_month).between(first, last))
    if notice.child_age_min is not None:
        conditions.append(
            col(Child.birth_month) <= today - relativedelta(years=notice.child_age_min)
        )
    if notice.child_age_max is not None:
        oldest = today - relativedelta(years=notice.child_age_max + 1)
        conditions.append(col(Child.birth_month) > oldest)
    return exists().where(*conditions)
