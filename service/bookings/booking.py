"""A place in a slot: taking one, the waiting list and its offers, moving, cancelling.

A place is taken by one conditional UPDATE of the slot's count (`booked < capacity`), which
the database applies to one transaction at a time: however many parents press the button at
once, on however many web processes, no slot ever holds more bookings than places.

Every message to the parent is a Delivery of its booking, written in the same transaction as
the change it tells of; the worker sends it (reminders at their time) like any other delivery,
and withdraws what a cancelled booking would still have been sent.

An address typed for a booking holds its place (or its turn on the waiting list) only until its
owner presses the button in the email (HOLD_FOR), and a mailbox has one booking of an event at a
time, however its address is spelled: nobody fills a seminar with addresses that are not theirs.
Every change is a conditional UPDATE from the state it expects, so two at once (a double tap,
two tabs, the parent and the worker) never both happen.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from service.addresses import mailbox_hash
from service.bookings.models import Booking, BookingStatus, Event, EventStatus, Slot
from service.bookings.schedule import window
from service.mailbox_cap import may_email
from service.models import Delivery, DeliveryKind, DeliveryStatus, Endpoint, Organisation, Priority
from service.support.models import Desk
from service.tokens import short_code

HOLD_FOR = timedelta(minutes=30)  # to press the button in the email, for a typed address


class BookingError(ValueError):
    """The booking cannot be made or changed as asked (the message says why, for the parent)."""


@dataclass(frozen=True)
class Contact:
    """Where the parent hears about the booking: a registered address, or one given for it."""

    channel: str  # email | line | webpush
    endpoint_id: int | None = None
    subscriber_id: int | None = None
    address: str | None = None


def follow_desk(session: Session, desk: Desk) -> None:
    """A desk's consultation days belong to its department, also after the desk moves to
    another: whose staff see the bookings follows the desk."""
    session.execute(
        update(Event).where(col(Event.desk_id) == desk.id).values(department=desk.department)
    )


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
    """A place in the slot if one is free, else a place on its waiting list; for an address
    typed here, held until it is confirmed."""
    _must_be_bookable(event, slot, now)
    if childcare > slot.childcare_places:
        raise BookingError("childcare")
    mailbox = _mailbox(session, contact)
    if _already_in(session, event, contact, mailbox, now):
        raise BookingError("already-booked")
    typed = contact.address is not None
    if typed and not may_email(session, contact.address or "", now=now):
        raise BookingError("too-many-emails")  # it could never be confirmed
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
        mailbox_hash=mailbox,
        address_confirmed_at=None if typed else now,
        held_until=now + HOLD_FOR if typed else None,
        locale=locale,
        childcare=childcare,
        answers=list(answers),
        created_at=now,
    )
    if _take_place(session, slot, childcare):
        booking.status = BookingStatus.HELD if typed else BookingStatus.BOOKED
        booking.booked_at = None if typed else now
    elif _has_free_place(session, slot):
        raise BookingError("childcare")  # places left, but no child-care place
    else:
        booking.status = BookingStatus.WAITING
    session.add(booking)
    session.flush()
    if typed:
        tell(session, booking, DeliveryKind.HOLD, now=now)  # counted above
    elif booking.status == BookingStatus.BOOKED:
        _confirm(session, booking, event, slot, now)
    else:
        tell(session, booking, DeliveryKind.WAITING, now=now, capped=True)
    return booking


def confirm_address(session: Session, booking: Booking, *, now: datetime) -> None:
    """The button in the email was pressed: the address is the parent's. A held place becomes
    theirs; a turn on the waiting list counts from now on. Pressing it again does nothing."""
    confirmed = session.execute(
        update(Booking)
        .where(
            col(Booking.id) == booking.id,
            col(Booking.address_confirmed_at).is_(None),
            col(Booking.status).in_((BookingStatus.HELD, BookingStatus.WAITING)),
            col(Booking.held_until) > now,
        )
        .values(address_confirmed_at=now, held_until=None)
    )
    session.refresh(booking)
    if not confirmed.rowcount:  # type: ignore[attr-defined]
        if booking.address_confirmed_at is not None:
            return
        raise BookingError("hold-expired")
    slot = session.get_one(Slot, booking.slot_id)
    if booking.status == BookingStatus.HELD:
        booking.status, booking.booked_at = BookingStatus.BOOKED, now
        session.add(booking)
        session.flush()
        _confirm(session, booking, session.get_one(Event, booking.event_id), slot, now)
    else:
        offer_free_places(session, slot, now=now)  # one may have come free meanwhile


def _mailbox(session: Session, contact: Contact) -> str | None:
    if contact.channel != "email":
        return None
    if contact.address is not None:
        return mailbox_hash(contact.address)
    endpoint = session.get(Endpoint, contact.endpoint_id) if contact.endpoint_id else None
    return endpoint.mailbox_hash if endpoint else None


def _must_be_bookable(event: Event, slot: Slot, now: datetime) -> None:
    opens, closes = window(event, slot)
    if event.status != EventStatus.ACTIVE or slot.cancelled_at is not None:
        raise BookingError("cancelled")
    if now < opens:
        raise BookingError("not-open")
    if now >= closes:
        raise BookingError("closed")


def _already_in(
    session: Session, event: Event, contact: Contact, mailbox: str | None, now: datetime
) -> bool:
    """The same parent (registration, or mailbox) already booked or waiting for a time of
    this event still to come: one at a time (they move it rather than book again)."""
    same = []
    if contact.subscriber_id is not None:
        same.append(col(Booking.subscriber_id) == contact.subscriber_id)
    if mailbox is not None:
        same.append(col(Booking.mailbox_hash) == mailbox)
    if not same:
        return False
    return (
        session.exec(
            select(Booking.id)
            .join(Slot, col(Slot.id) == Booking.slot_id)
            .where(
                Booking.event_id == event.id,
                Booking.status != BookingStatus.CANCELLED,
                col(Slot.starts_at) > now,
                or_(*same),
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


def _give_back(session: Session, booking: Booking, slot_id: int | None = None) -> None:
    """The booking's place in its slot (or in `slot_id`, the one it had) is free again."""
    session.execute(
        update(Slot)
        .where(col(Slot.id) == (slot_id or booking.slot_id))
        .values(
            booked=col(Slot.booked) - 1,
            childcare_booked=col(Slot.childcare_booked) - booking.childcare,
        )
    )


def _confirm(session: Session, booking: Booking, event: Event, slot: Slot, now: datetime) -> None:
    """The confirmation now (a parent's own doing: counted in their mailbox's daily cap), and
    the reminders the event sets at their times."""
    tell(session, booking, DeliveryKind.BOOKED, now=now, capped=True)
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
    capped: bool = False,
) -> bool:
    """A message about the booking, to the parent's channel, for the worker to send; `capped`:
    one the parent's own form caused, which an email address gets only within its daily cap."""
    if capped and (address := _email_address(session, booking)):
        if not may_email(session, address, now=now):
            return False
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
    return True


def _email_address(session: Session, booking: Booking) -> str | None:
    if booking.channel != "email":
        return None
    if booking.address is not None:
        return booking.address
    endpoint = session.get(Endpoint, booking.endpoint_id) if booking.endpoint_id else None
    return endpoint.address if endpoint else None


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
    """Cancel the booking (by the parent or the city); its place goes at once to the next on
    the waiting list."""
    _end(session, booking, now=now, by=by, reason=reason, capped=by == "parent")


def _end(
    session: Session,
    booking: Booking,
    *,
    now: datetime,
    by: str,
    reason: str | None = None,
    only_if: tuple[Any, ...] = (),
    tell_parent: bool = True,
    capped: bool = False,
) -> bool:
    """Cancel the booking if it is still as expected (`only_if`: more conditions), by a
    conditional UPDATE from the status it had: of two at once, one gives the place back and
    the other does nothing. True if this one cancelled it."""
    held = None
    for statuses, holds in (
        ((BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.HELD), True),
        ((BookingStatus.WAITING,), False),
    ):
        changed = session.execute(
            update(Booking)
            .where(col(Booking.id) == booking.id, col(Booking.status).in_(statuses), *only_if)
            .values(
                status=BookingStatus.CANCELLED,
                cancelled_by=by,
                cancelled_at=now,
                offer_expires_at=None,
                held_until=None,
            )
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            held = holds
            break
    session.refresh(booking)
    if held is None:
        return False
    _withdraw_messages(session, booking)
    if tell_parent:
        tell(session, booking, DeliveryKind.BOOKING_CANCELLED, now=now, body=reason, capped=capped)
    if held:
        _give_back(session, booking)
        session.flush()
        offer_free_places(session, session.get_one(Slot, booking.slot_id), now=now)
    return True


def offer_free_places(session: Session, slot: Slot, *, now: datetime) -> int:
    """Each free place of the slot to the next on its waiting list whose address is confirmed,
    held for them for the event's offer time (not past the close of booking). Returns how many
    were offered."""
    event = session.get_one(Event, slot.event_id)
    _, closes = window(event, slot)
    if slot.cancelled_at is not None or now >= closes:
        return 0
    offered = 0
    waiting = session.exec(
        select(Booking)
        .where(
            Booking.slot_id == slot.id,
            Booking.status == BookingStatus.WAITING,
            col(Booking.address_confirmed_at).is_not(None),
        )
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
    """Offers not taken in time pass to the next parent, and places held for addresses nobody
    confirmed go back (the worker, every minute; after a stop, on its first run). An offer
    taken, or an address confirmed, a moment before stays so: the change is conditional."""
    ended = 0
    for booking in session.exec(
        select(Booking).where(
            Booking.status == BookingStatus.OFFERED, col(Booking.offer_expires_at) <= now
        )
    ).all():
        ended += _end(
            session,
            booking,
            now=now,
            by="expired",
            only_if=(col(Booking.status) == BookingStatus.OFFERED,),
        )
    for booking in session.exec(
        select(Booking).where(
            col(Booking.held_until) <= now, col(Booking.address_confirmed_at).is_(None)
        )
    ).all():
        # Nothing is sent to an address its owner never confirmed.
        ended += _end(
            session,
            booking,
            now=now,
            by="unconfirmed",
            only_if=(col(Booking.address_confirmed_at).is_(None),),
            tell_parent=False,
        )
    session.commit()
    return ended


def move(session: Session, booking: Booking, slot: Slot, *, now: datetime) -> Booking:
    """The same parent in another slot of the same event, if it has a free place; the old
    place goes to the next on its waiting list. Atomic: of two moves at once, one happens and
    the other is refused, so a place is never given back twice (the caller rolls back)."""
    if slot.event_id != booking.event_id or slot.id == booking.slot_id:
        raise BookingError("cancelled")
    event = session.get_one(Event, booking.event_id)
    _must_be_bookable(event, slot, now)
    old_slot = booking.slot_id
    moved = session.execute(
        update(Booking)
        .where(
            col(Booking.id) == booking.id,
            col(Booking.status) == BookingStatus.BOOKED,
            col(Booking.slot_id) == old_slot,
        )
        .values(slot_id=slot.id, booked_at=now)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise BookingError("not-booked")
    if not _take_place(session, slot, booking.childcare):
        raise BookingError("full")
    _give_back(session, booking, old_slot)
    _withdraw_messages(session, booking)
    session.refresh(booking)
    _confirm(session, booking, event, slot, now)
    offer_free_places(session, session.get_one(Slot, old_slot), now=now)
    return booking
