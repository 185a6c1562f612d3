"""Small outboxes of one-recipient messages (a request's parent, a staff member): each row is
claimed by moving its next attempt past the lease (one UPDATE, so two workers never both take
it), sent outside any transaction, then recorded, like the ledger's deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from jobs.results import backoff
from service.channels import Channel, ChannelUnavailable, Recipient, RenderedMessage, Result
from service.db import Database
from service.models import DeliveryStatus

log = logging.getLogger(__name__)
BATCH = 20


def claim(session: Session, model: Any, now: datetime, lease: timedelta) -> list[int]:
    due = session.exec(
        select(model.id)
        .where(model.status == DeliveryStatus.PENDING, col(model.next_attempt_at) <= now)
        .order_by(col(model.id))
        .limit(BATCH)
    ).all()
    claimed = []
    for message_id in due:
        taken = session.execute(
            update(model)
            .where(
                col(model.id) == message_id,
                col(model.status) == DeliveryStatus.PENDING,
                col(model.next_attempt_at) <= now,
            )
            .values(next_attempt_at=now + lease, attempts=col(model.attempts) + 1)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            claimed.append(message_id)
    session.commit()
    return claimed


# What sending one message needs: its channel and address, and the message; None if it cannot
# be sent (no address, the channel is off), which fails it for good.
Prepare = Callable[[Session, Any], tuple[Channel, str, RenderedMessage] | None]


def send_outbox(
    database: Database,
    model: Any,
    prepare: Prepare,
    *,
    now: datetime,
    max_attempts: int,
    lease: timedelta,
) -> int:
    """Send what is due; returns how many were tried."""
    with database.session() as session:
        claimed = claim(session, model, now, lease)
    for message_id in claimed:
        with database.session() as session:
            message = session.get_one(model, message_id)
            prepared = prepare(session, message)
            if prepared is None:
                record(
                    session,
                    message,
                    Result(message_id, "failed", error="no address or channel"),
                    now,
                    max_attempts,
                )
                continue
            channel, address, rendered = prepared
        try:
            recipient = Recipient(message_id, address, outbox=model.__tablename__)
            [result] = channel.send(rendered, [recipient])
        except ChannelUnavailable as error:
            result = Result(
                message_id, "retry", retry_after=error.pause_seconds, error=error.reason
            )
        with database.session() as session:
            record(session, session.get_one(model, message_id), result, now, max_attempts)
    return len(claimed)


def record(
    session: Session, message: Any, result: Result, now: datetime, max_attempts: int
) -> None:
    if result.outcome == "sent":
        message.status = DeliveryStatus.SENT
        message.sent_at = now
        message.provider_message_id = result.provider_id
    elif result.outcome == "retry" and message.attempts < max_attempts:
        message.next_attempt_at = now + backoff(message.attempts, result.retry_after)
    else:
        message.status = DeliveryStatus.FAILED
        log.warning("%s %s not sent: %s", type(message).__name__, message.id, result.error)
    message.last_error = result.error
    session.add(message)
    session.commit()
