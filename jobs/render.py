"""What each batch is sent: the message its deliveries share, and each recipient's own links
and lines. Runs inside an app context (templates, translations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from jobs.claims import ClaimedRow
from service.bookings.messages import render_booking_message
from service.bookings.models import BOOKING_MESSAGES
from service.bookings.schedule import offered_event_code
from service.channels import Recipient, RenderedMessage
from service.line.bubble import render_line, render_line_moved
from service.messages import (
    render_about_registration,
    render_confirmation,
    render_digest,
    render_notice,
    render_push,
)
from service.models import Delivery, DeliveryKind, Notice, Organisation
from service.notices import topic_ids_of
from service.own_links import recent_additions
from service.recipients import (
    RecipientRow,
    make_recipients,
    registration_reasons,
    sample_reason,
)
from service.support.catalogue import asked_about

# Messages about the registration itself, which a pause does not hold back.
ABOUT_THE_REGISTRATION = {
    DeliveryKind.CONFIRM,
    DeliveryKind.LINK,
    DeliveryKind.CHANGED,
    DeliveryKind.VERIFY,
    DeliveryKind.MAIL_SIGNUP,
    DeliveryKind.MOVED,
}


OFFERS_BOOKING = {DeliveryKind.NOTICE, DeliveryKind.TEST}


def render_batch(
    session: Session, key: tuple[Any, ...], rows: Sequence[ClaimedRow], now: datetime
) -> tuple[RenderedMessage, list[Recipient]]:
    """The message that a batch shares (`key`: see ClaimedRow.group), and its recipients with
    the values that are theirs alone."""
    kind, notice_ref, channel, locale, organisation_id, previews = key
    if kind in BOOKING_MESSAGES:  # one booking's own message: its link is in it
        booking_id, delivery_id = notice_ref
        message = render_booking_message(
            session,
            kind=kind,
            booking_id=booking_id,
            delivery_body=session.get_one(Delivery, delivery_id).body,
            channel=channel,
            previews=previews,
        )
        message = replace(message, organisation_id=organisation_id)
        return message, [Recipient(row.delivery_id, row.address or "") for row in rows]
    organisation = session.get_one(Organisation, organisation_id)
    book_event = (
        offered_event_code(session, session.get_one(Notice, notice_ref))
        if kind in OFFERS_BOOKING
        else ""
    )
    if kind in (DeliveryKind.CONFIRM, DeliveryKind.MAIL_SIGNUP):
        message = render_confirmation(organisation, locale, choose=kind == DeliveryKind.MAIL_SIGNUP)
    elif kind == DeliveryKind.VERIFY:  # a dry run: FCM checks the token, nothing is shown
        message = RenderedMessage(organisation.name, "", "", "", organisation.name, dry_run=True)
    elif kind == DeliveryKind.MOVED and channel == "line":
        message = render_line_moved(organisation, locale)
    elif kind in (DeliveryKind.LINK, DeliveryKind.CHANGED, DeliveryKind.MOVED):
        message = render_about_registration(kind, organisation, locale)
    elif kind == DeliveryKind.DIGEST:
        notices = session.exec(
            select(Notice).where(col(Notice.id).in_(notice_ref)).order_by(col(Notice.id))
        ).all()
        programmes = {notice.id or 0: asked_about(session, notice) for notice in notices}
        message = render_digest(list(notices), organisation, locale, programmes)
    elif channel == "email":
        notice = session.get_one(Notice, notice_ref)
        message = render_notice(
            notice,
            organisation,
            locale,
            book_event=book_event,
            programme=asked_about(session, notice),
        )
        if kind == DeliveryKind.TEST:
            message = replace(message, subject=f"[テスト] {message.subject}")
    elif channel == "line":
        notice = session.get_one(Notice, notice_ref)
        message = render_line(
            notice,
            organisation,
            locale,
            previews=previews,
            book_code=book_event,
            programme=asked_about(session, notice),
        )
    else:
        notice = session.get_one(Notice, notice_ref)
        message = render_push(
            notice, organisation, locale, previews=previews, book_event=book_event
        )
    subscribers = {row.subscriber_id for row in rows}
    reasons: dict[int, str] = {}
    changes: dict[int, str] = {}
    if kind == DeliveryKind.TEST:  # a staff member, seeing what a parent of its topics sees
        sample = sample_reason(
            session,
            topic_ids=topic_ids_of(session, session.get_one(Notice, notice_ref)),
            organisation_id=organisation_id,
            locale=locale,
        )
        reasons = dict.fromkeys(subscribers, sample)
    elif kind == DeliveryKind.CHANGED:
        changes = recent_additions(
            session,
            {(row.subscriber_id, row.endpoint_id) for row in rows},
            locale=locale,
            now=now,
        )
    elif channel == "email" and kind not in ABOUT_THE_REGISTRATION:
        reasons = registration_reasons(session, subscribers, locale)
    recipients = make_recipients(
        channel=channel,
        kind=kind,
        slots=message.used_slots(),
        book_event=book_event,
        locale=locale,
        rows=(
            RecipientRow(
                row.delivery_id,
                row.address or "",
                row.public_id,
                row.endpoint_id,
                row.link_epoch,
                reasons.get(row.subscriber_id, ""),
                changes.get(row.endpoint_id, ""),
            )
            for row in rows
        ),
    )
    return replace(message, organisation_id=organisation_id), recipients
