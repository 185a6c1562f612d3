"""What the city does to bookings it already has: cancelling a time or the whole event (everyone
in it is told), news to those booked, the day's check-in, and erasing what a past booking kept
of the parent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.bookings.booking import BookingError, cancel, tell
from service.bookings.models import Booking, BookingStatus, Event, EventStatus, Slot
from service.models import Delivery, DeliveryKind, Organisation


def cancel_slot(session: Session, slot: Slot, *, now: datetime, reason: str) -> int:
    """The city cancels one time of the event: everyone booked or waiting is told."""
    slot.cancelled_at = now
    session.add(slot)
    bookings = session.exec(
        select(Booking).where(Booking.slot_id == slot.id, Booking.status != BookingStatus.CANCELLED)
    ).all()
    for booking in bookings:
        cancel(session, booking, now=now, by="city", reason=reason)
    return len(bookings)


def cancel_event(session: Session, event: Event, *, now: datetime, reason: str) -> int:
    """The city cancels the event: every time still to come, and everyone in them."""
    event.status = EventStatus.CANCELLED
    session.add(event)
    slots = session.exec(
        select(Slot).where(
            Slot.event_id == event.id, col(Slot.starts_at) > now, col(Slot.cancelled_at).is_(None)
        )
    ).all()
    return sum(cancel_slot(session, slot, now=now, reason=reason) for slot in slots)


def send_news(session: Session, slot: Slot, *, body: str, now: datetime) -> int:
    """Staff's words (a new room, bring a pen) to everyone booked in the slot, word for word."""
    bookings = session.exec(
        select(Booking).where(Booking.slot_id == slot.id, Booking.status == BookingStatus.BOOKED)
    ).all()
    for booking in bookings:
        tell(session, booking, DeliveryKind.EVENT_NEWS, now=now, body=body)
    return len(bookings)


def on_the_day(session: Session, slot: Slot, now: datetime) -> bool:
    """Whether it is the slot's day in the city: attendance is recorded then, and only then."""
    event = session.get_one(Event, slot.event_id)
    tz = ZoneInfo(session.get_one(Organisation, event.organisation_id).timezone)
    return slot.starts_at.astimezone(tz).date() == now.astimezone(tz).date()


def check_in(session: Session, booking: Booking, *, attended: bool | None, now: datetime) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise BookingError("not-booked")
    if not on_the_day(session, session.get_one(Slot, booking.slot_id), now):
        raise BookingError("not-today")
    booking.attended = attended
    session.add(booking)


def erase_past(session: Session, *, now: datetime, retention: timedelta) -> int:
    """The address given for a booking and the answers, `retention` after its slot ended;
    what remains (event, slot, status, attendance, counter) counts in reports."""
    ended = select(Slot.id).where(col(Slot.ends_at) < now - retention)
    erased = select(Booking.id).where(
        col(Booking.slot_id).in_(ended), col(Booking.erased_at).is_(None)
    )
    # Its messages too: a delivery row would still lead to the parent's address.
    session.execute(
        update(Delivery)
        .where(col(Delivery.booking_id).in_(erased))
        .values(endpoint_id=None, body=None, last_error=None)
    )
    result = session.execute(
        update(Booking)
        .where(col(Booking.slot_id).in_(ended), col(Booking.erased_at).is_(None))
        .values(
            address=None,
            mailbox_hash=None,
            answers=[],
            endpoint_id=None,
            subscriber_id=None,
            erased_at=now,
        ),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
