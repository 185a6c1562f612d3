"""A place in a slot: taking one, the waiting list and its offers, moving, cancelling.

A place is taken by one conditional UPDATE of the slot's count (`booked < capacity`), which
the database applies to one transaction at a time: however many parents press the button at
once, on however many web processes, no slot ever holds more bookings than places.

Every message to the parent is a Delivery of its booking, written in the same transaction as
the change it tells of; the worker sends it (reminders at their time) like any other delivery,
and withdraws what a cancelled booking would still have been sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.bookings.schedule import window
from service.models import (
    Booking,
    BookingStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Event,
    EventStatus,
    Organisation,
    Priority,
    Slot,
)
from service.tokens import short_code


class BookingError(ValueError):
    """The booking cannot be made or changed as asked (the message says why, for the parent)."""


@dataclass(frozen=True)
class Contact:
    """Where the parent hears about the booking: a registered address, or one given for it."""

    channel: str  # email | line | webpush
    endpoint_id: int | None = None
    subscriber_id: int | None = None
    address: str | None = None


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_event_code() -> str:
    """The event's public id: short enough to type after 「予約」 in the LINE chat."""
    return short_code()


def book(
    session: Session,
    *,
    event: Event,
    slot: Slot,
    contact: Contact,
    locale: str,
    now: datetime,
    childcare: int = 0,
    answers: tuple[str, ...] = (),
    source_id: int | None = None,
) -> Booking:
    """A place in the slot if one is free, else a place on its waiting list."""
    _must_be_bookable(event, slot, now)
    if childcare > slot.childcare_places:
        raise BookingError("childcare")
    if _already_in(session, slot, contact):
        raise BookingError("already-booked")
    booking = Booking(
        public_id=new_public_id(),
        organisation_id=event.organisation_id,
        event_id=event.id or 0,
        slot_id=slot.id or 0,
        subscriber_id=contact.subscriber_id,
        endpoint_id=contact.endpoint_id,
        source_id=source_id,
        channel=contact.channel,
        address=contact.address,
        locale=locale,
        childcare=childcare,
        answers=list(answers),
        created_at=now,
    )
    if _take_place(session, slot, childcare):
        booking.status = BookingStatus.BOOKED
        booking.booked_at = now
    elif _has_free_place(session, slot):
        raise BookingError("childcare")  # places left, but no child-care place
    else:
        booking.status = BookingStatus.WAITING
    session.add(booking)
    session.flush()
    if booking.status == BookingStatus.BOOKED:
        _confirm(session, booking, event, slot, now)
    else:
        tell(session, booking, DeliveryKind.WAITING, now=now)
    return booking


def _must_be_bookable(event: Event, slot: Slot, now: datetime) -> None:
    opens, closes = window(event, slot)
    if event.status != EventStatus.ACTIVE or slot.cancelled_at is not None:
        raise BookingError("cancelled")
    if now < opens:
        raise BookingError("not-open")
    if now >= closes:
        raise BookingError("closed")


def _already_in(session: Session, slot: Slot, contact: Contact) -> bool:
    """The same parent (registration, or address given) already in this slot or its list."""
    same = (
        col(Booking.subscriber_id) == contact.subscriber_id
        if contact.subscriber_id is not None
        else col(Booking.address) == contact.address
    )
    return (
        session.exec(
            select(Booking.id).where(
                Booking.slot_id == slot.id, Booking.status != BookingStatus.CANCELLED, same
            )
        ).first()
        is not None
    )


def _take_place(session: Session, slot: Slot, childcare: int) -> bool:
    taken = session.execute(
        update(Slot)
        .where(
            col(Slot.id) == slot.id,
            col(Slot.cancelled_at).is_(None),
            col(Slot.booked) < col(Slot.capacity),
            col(Slot.childcare_booked) + childcare <= col(Slot.childcare_places),
        )
        .values(
            booked=col(Slot.booked) + 1, childcare_booked=col(Slot.childcare_booked) + childcare
        )
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def _has_free_place(session: Session, slot: Slot) -> bool:
    session.refresh(slot)
    return slot.booked < slot.capacity


def _give_back(session: Session, booking: Booking) -> None:
    session.execute(
        update(Slot)
        .where(col(Slot.id) == booking.slot_id)
        .values(
            booked=col(Slot.booked) - 1,
            childcare_booked=col(Slot.childcare_booked) - booking.childcare,
        )
    )


def _confirm(session: Session, booking: Booking, event: Event, slot: Slot, now: datetime) -> None:
    """The confirmation now, and the reminders the event sets at their times."""
    tell(session, booking, DeliveryKind.BOOKED, now=now)
    tz = ZoneInfo(session.get_one(Organisation, event.organisation_id).timezone)
    day = slot.starts_at.astimezone(tz).date()
    for reminder in event.reminders:
        at = datetime.combine(
            day - timedelta(days=int(reminder["days"])), time.fromisoformat(reminder["at"]), tz
        )
        if now < at < slot.starts_at:
            tell(
                session, booking, DeliveryKind.REMINDER, now=now, when=at, priority=Priority.URGENT
            )


def tell(
    session: Session,
    booking: Booking,
    kind: DeliveryKind,
    *,
    now: datetime,
    when: datetime | None = None,
    body: str | None = None,
    priority: int = Priority.CONFIRM,
) -> None:
    """A message about the booking, to the parent's channel, for the worker to send."""
    session.add(
        Delivery(
            booking_id=booking.id,
            endpoint_id=booking.endpoint_id,
            kind=kind,
            priority=priority,
            next_attempt_at=when or now,
            body=body,
            created_at=now,
        )
    )


def _withdraw_messages(session: Session, booking: Booking) -> None:
    """What the booking would still have been sent (reminders, an offer) goes unsent."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.booking_id) == booking.id,
            col(Delivery.status) == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.SUPPRESSED, last_error="booking cancelled")
    )


def cancel(
    session: Session, booking: Booking, *, now: datetime, by: str, reason: str | None = None
) -> None:
    """Cancel the booking (by the parent, the city, or an offer not taken in time); its place
    goes at once to the next on the waiting list. The change is a conditional UPDATE from the
    status it had: of two cancellations at once (a double tap, the parent and the worker), one
    gives the place back and the other does nothing."""
    held = None
    for statuses, holds in (
        ((BookingStatus.BOOKED, BookingStatus.OFFERED), True),
        ((BookingStatus.WAITING,), False),
    ):
        changed = session.execute(
            update(Booking)
            .where(col(Booking.id) == booking.id, col(Booking.status).in_(statuses))
            .values(
                status=BookingStatus.CANCELLED,
                cancelled_by=by,
                cancelled_at=now,
                offer_expires_at=None,
            )
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            held = holds
            break
    session.refresh(booking)
    if held is None:
        return  # cancelled already
    _withdraw_messages(session, booking)
    tell(session, booking, DeliveryKind.BOOKING_CANCELLED, now=now, body=reason)
    if held:
        _give_back(session, booking)
        session.flush()
        offer_free_places(session, session.get_one(Slot, booking.slot_id), now=now)


def offer_free_places(session: Session, slot: Slot, *, now: datetime) -> int:
    """Each free place of the slot to the next on its waiting list, held for them for the
    event's offer time (not past the close of booking). Returns how many were offered."""
    event = session.get_one(Event, slot.event_id)
    _, closes = window(event, slot)
    if slot.cancelled_at is not None or now >= closes:
        return 0
    offered = 0
    waiting = session.exec(
        select(Booking)
        .where(Booking.slot_id == slot.id, Booking.status == BookingStatus.WAITING)
        .order_by(col(Booking.created_at), col(Booking.id))
    ).all()
    for booking in waiting:
        if not _take_place(session, slot, booking.childcare):
            if not _has_free_place(session, slot):
                break
            continue  # a place, but not the child-care place this parent needs
        # Only if no other transaction offered it first.
        expires = min(now + timedelta(hours=event.offer_hours), closes)
        moved = session.execute(
            update(Booking)
            .where(col(Booking.id) == booking.id, col(Booking.status) == BookingStatus.WAITING)
            .values(status=BookingStatus.OFFERED, offer_expires_at=expires)
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            _give_back(session, booking)
            continue
        session.refresh(booking)
        tell(session, booking, DeliveryKind.OFFER, now=now)
        offered += 1
    return offered


def accept_offer(session: Session, booking: Booking, *, now: datetime) -> None:
    """Take an offered place: once, however often the button is pressed."""
    if booking.status != BookingStatus.OFFERED:
        raise BookingError("no-offer")
    taken = session.execute(
        update(Booking)
        .where(
            col(Booking.id) == booking.id,
            col(Booking.status) == BookingStatus.OFFERED,
            col(Booking.offer_expires_at) > now,
        )
        .values(status=BookingStatus.BOOKED, booked_at=now, was_waiting=True, offer_expires_at=None)
    )
    session.refresh(booking)
    if not taken.rowcount:  # type: ignore[attr-defined]
        raise BookingError(
            "offer-expired" if booking.status == BookingStatus.OFFERED else "no-offer"
        )
    _withdraw_messages(session, booking)
    event = session.get_one(Event, booking.event_id)
    _confirm(session, booking, event, session.get_one(Slot, booking.slot_id), now)


def expire_offers(session: Session, *, now: datetime) -> int:
    """Offers not taken in time pass to the next parent (the worker, every minute; after a
    stop, on its first run)."""
    expired = session.exec(
        select(Booking).where(
            Booking.status == BookingStatus.OFFERED,
            col(Booking.offer_expires_at) <= now,
        )
    ).all()
    for booking in expired:
        cancel(session, booking, now=now, by="expired")
    session.commit()
    return len(expired)


def move(session: Session, booking: Booking, slot: Slot, *, now: datetime) -> Booking:
    """The same parent in another slot of the same event, if it has a free place; the old
    place goes to the next on its waiting list."""
    if booking.status != BookingStatus.BOOKED:
        raise BookingError("not-booked")
    if slot.event_id != booking.event_id or slot.id == booking.slot_id:
        raise BookingError("cancelled")
    event = session.get_one(Event, booking.event_id)
    _must_be_bookable(event, slot, now)
    if not _take_place(session, slot, booking.childcare):
        raise BookingError("full")
    old_slot = booking.slot_id
    _give_back(session, booking)
    _withdraw_messages(session, booking)
    booking.slot_id = slot.id or 0
    booking.booked_at = now
    session.add(booking)
    session.flush()
    _confirm(session, booking, event, slot, now)
    offer_free_places(session, session.get_one(Slot, old_slot), now=now)
    return booking


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


def check_in(session: Session, booking: Booking, *, attended: bool | None) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise BookingError("not-booked")
    booking.attended = attended
    session.add(booking)


def erase_past(session: Session, *, now: datetime, retention: timedelta) -> int:
    """The address given for a booking and the answers, `retention` after its slot ended;
    what remains (event, slot, status, attendance, counter) counts in reports."""
    ended = select(Slot.id).where(col(Slot.ends_at) < now - retention)
    result = session.execute(
        update(Booking)
        .where(col(Booking.slot_id).in_(ended), col(Booking.erased_at).is_(None))
        .values(address=None, answers=[], endpoint_id=None, subscriber_id=None, erased_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
