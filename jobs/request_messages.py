"""Messages to the parents of consultation requests: a handful a day, each to one parent.

Each is claimed by moving its next attempt past the lease (one UPDATE, so two workers never
both take it), sent outside any transaction, then recorded, like the ledger's deliveries."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from jobs.claims import LEASE
from jobs.results import backoff
from service.channels import Channel, ChannelUnavailable, Recipient, Result
from service.db import Database
from service.models import (
    ConsultationRequest,
    DeliveryStatus,
    Desk,
    Organisation,
    RequestMessage,
)
from service.support.messages import render_request_message

log = logging.getLogger(__name__)
BATCH = 20


def _claim(session: Session, now: datetime, lease: timedelta) -> list[int]:
    due = session.exec(
        select(RequestMessage.id)
        .where(
            RequestMessage.status == DeliveryStatus.PENDING,
            col(RequestMessage.next_attempt_at) <= now,
        )
        .order_by(col(RequestMessage.id))
        .limit(BATCH)
    ).all()
    claimed = []
    for message_id in due:
        taken = session.execute(
            update(RequestMessage)
            .where(
                col(RequestMessage.id) == message_id,
                col(RequestMessage.status) == DeliveryStatus.PENDING,
                col(RequestMessage.next_attempt_at) <= now,
            )
            .values(next_attempt_at=now + lease, attempts=col(RequestMessage.attempts) + 1)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            claimed.append(message_id)
    session.commit()
    return [message_id for message_id in claimed if message_id is not None]


def send_request_messages(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    max_attempts: int = 8,
    lease: timedelta = LEASE,
) -> int:
    """Send what is due; returns how many were tried."""
    with database.session() as session:
        claimed = _claim(session, now, lease)
    for message_id in claimed:
        with database.session() as session:
            message = session.get_one(RequestMessage, message_id)
            consultation = session.get_one(ConsultationRequest, message.request_id)
            address = (
                consultation.email if message.channel == "email" else consultation.line_user_id
            )
            channel = channels.get(message.channel)
            if address is None or channel is None:
                _record(
                    session,
                    message,
                    Result(message_id, "failed", error="no address or channel"),
                    now,
                    max_attempts,
                )
                continue
            rendered = render_request_message(
                message,
                consultation,
                session.get_one(Desk, consultation.desk_id),
                session.get_one(Organisation, consultation.organisation_id),
            )
        try:
            [result] = channel.send(rendered, [Recipient(message_id, address)])
        except ChannelUnavailable as error:
            result = Result(
                message_id, "retry", retry_after=error.pause_seconds, error=error.reason
            )
        with database.session() as session:
            _record(session, session.get_one(RequestMessage, message_id), result, now, max_attempts)
    return len(claimed)


def _record(
    session: Session, message: RequestMessage, result: Result, now: datetime, max_attempts: int
) -> None:
    if result.outcome == "sent":
        message.status = DeliveryStatus.SENT
        message.sent_at = now
        message.provider_message_id = result.provider_id
    elif result.outcome == "retry" and message.attempts < max_attempts:
        message.next_attempt_at = now + backoff(message.attempts, result.retry_after)
    else:
        message.status = DeliveryStatus.FAILED
        log.warning("request message %s not sent: %s", message.id, result.error)
    message.last_error = result.error
    session.add(message)
    session.commit()
