"""What providers tell us after sending: delivered, opened, bounced, reported as spam."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from service.cards.models import CardMessage
from service.db import insert_ignoring_conflicts
from service.models import Delivery, Endpoint, ProviderEvent, Subscriber
from service.subscribers import suppress, unsubscribe

log = logging.getLogger(__name__)

# Soft bounces (mailbox full, temporarily blocked) before the address is given up, as
# mailing-list managers score them.
SOFT_BOUNCE_LIMIT = 3


def record_sendgrid_events(
    session: Session, events: Iterable[Mapping[str, Any]], *, now: datetime
) -> int:
    """Apply each new event once; returns how many were new."""
    applied = 0
    for event in events:
        event_id, kind = _text(event.get("sg_event_id")), _text(event.get("event"))
        if not event_id or not kind:
            continue
        # Our custom args, echoed at the top level: a delivery of the ledger, or a message of
        # a small outbox (never mistaken for the delivery that has the same number).
        outbox, _, row = _text(event.get("outbox")).partition(":")
        delivery_id = None if outbox else _int(event.get("delivery_id"))
        delivery = session.get(Delivery, delivery_id) if delivery_id else None
        if not first_time(
            session,
            provider="sendgrid",
            event_id=event_id,
            kind=kind,
            delivery_id=delivery.id if delivery else None,
            now=now,
        ):
            continue
        applied += 1
        if delivery is not None:
            _apply(session, delivery, kind, event, now)
        elif outbox == "card_message" and kind == "open" and (message_id := _int(row)):
            session.execute(
                update(CardMessage)
                .where(col(CardMessage.id) == message_id, col(CardMessage.opened_at).is_(None))
                .values(opened_at=_timestamp(event) or now)
            )
    session.commit()
    return applied


def first_time(
    session: Session,
    *,
    provider: str,
    event_id: str,
    kind: str,
    now: datetime,
    delivery_id: int | None = None,
) -> bool:
    """Note the event; False when it was noted before (providers post at least once, not
    exactly once, and a repeated event must change nothing)."""
    new = session.execute(
        insert_ignoring_conflicts(ProviderEvent, session.get_bind().dialect.name)
        .values(
            provider=provider,
            event_id=event_id[:100],
            kind=kind[:32],
            delivery_id=delivery_id,
            received_at=now,
        )
        .returning(col(ProviderEvent.id))
    ).scalar_one_or_none()
    return new is not None


def _apply(
    session: Session, delivery: Delivery, kind: str, event: Mapping[str, Any], now: datetime
) -> None:
    when = _timestamp(event) or now
    if kind == "delivered":
        delivery.delivered_at = delivery.delivered_at or when
    elif kind == "open":
        delivery.opened_at = delivery.opened_at or when
    session.add(delivery)
    endpoint = session.get(Endpoint, delivery.endpoint_id) if delivery.endpoint_id else None
    if endpoint is None:
        return
    if kind == "bounce" and event.get("type") == "blocked":  # SendGrid's soft bounce
        endpoint.soft_bounces += 1
        session.add(endpoint)
        if endpoint.soft_bounces >= SOFT_BOUNCE_LIMIT:
            _disable(session, endpoint, "repeated soft bounces", now, suppressed=False)
    elif kind in {"bounce", "dropped", "spamreport"}:
        _disable(session, endpoint, kind, now, suppressed=True)
        if kind == "spamreport":
            unsubscribe(
                session, subscriber=session.get_one(Subscriber, endpoint.subscriber_id), now=now
            )
    elif kind in {"unsubscribe", "group_unsubscribe"}:
        unsubscribe(
            session, subscriber=session.get_one(Subscriber, endpoint.subscriber_id), now=now
        )


def _disable(
    session: Session, endpoint: Endpoint, reason: str, now: datetime, *, suppressed: bool
) -> None:
    session.execute(
        update(Endpoint)
        .where(col(Endpoint.id) == endpoint.id, col(Endpoint.disabled_at).is_(None))
        .values(disabled_at=now, disabled_reason=reason)
    )
    if suppressed:
        subscriber = session.get_one(Subscriber, endpoint.subscriber_id)
        suppress(session, subscriber=subscriber, endpoint=endpoint, reason=reason, now=now)
    log.info("endpoint %s disabled: %s", endpoint.id, reason)


def _text(value: Any) -> str:
    """A string a database column can hold (PostgreSQL refuses NUL)."""
    return str(value or "").replace("\x00", "")


def _int(value: Any, limit: int = 2**31 - 1) -> int | None:
    """A positive integer within the column's range, or None for anything else."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= limit else None


def _timestamp(event: Mapping[str, Any]) -> datetime | None:
    seconds = _int(event.get("timestamp"), limit=253402300799)  # 9999-12-31
    return datetime.fromtimestamp(seconds, UTC) if seconds else None
