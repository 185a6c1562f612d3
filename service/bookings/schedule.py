"""When an event takes place: its slots, made ahead as far as its booking window reaches."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from service.bookings.models import Booking, Event, EventProgramme, EventStatus, Slot
from service.calendar import closed_days, repeats_between
from service.calendar.business_days import HolidayShift
from service.db import insert_ignoring_conflicts
from service.models import Notice, Organisation

DEFAULT_REMINDERS = [{"days": 3, "at": "18:00"}, {"days": 1, "at": "18:00"}]


def times_between(
    event: Event, start: datetime, end: datetime, organisation: Organisation
) -> list[datetime]:
    """When the event begins (UTC) in [start, end]: once, or as its RRULE repeats."""
    if not event.rrule:
        return [event.starts_at] if start <= event.starts_at <= end else []
    return repeats_between(
        event.starts_at,
        event.rrule,
        HolidayShift(event.holiday_shift),
        start,
        end,
        organisation.timezone,
        closed_days(organisation),
    )


def slot_times(event: Event, begins: datetime) -> list[tuple[datetime, datetime]]:
    """The slots of one time the event takes place: the whole of it, or its appointments."""
    ends = begins + timedelta(minutes=event.duration_minutes)
    if not event.slot_minutes:
        return [(begins, ends)]
    step = timedelta(minutes=event.slot_minutes)
    slots = []
    while begins + step <= ends:
        slots.append((begins, begins + step))
        begins += step
    return slots


def make_slots(session: Session, event: Event, *, now: datetime) -> int:
    """Write the slots that come within the booking window from now (and a day), each once."""
    if event.status != EventStatus.ACTIVE:
        return 0
    organisation = session.get_one(Organisation, event.organisation_id)
    horizon = now + timedelta(days=event.opens_days + 1)
    rows = [
        {
            "event_id": event.id,
            "starts_at": starts,
            "ends_at": ends,
            "capacity": event.capacity,
            "booked": 0,
            "childcare_places": event.childcare_places,
            "childcare_booked": 0,
        }
        for begins in times_between(event, now, horizon, organisation)
        for starts, ends in slot_times(event, begins)
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    result = session.execute(insert_ignoring_conflicts(Slot, dialect).values(rows))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def make_all_slots(session: Session, *, now: datetime) -> int:
    """Every active event's slots up to its window (the worker's daily upkeep: repeating
    events). The caller commits."""
    events = session.exec(select(Event).where(Event.status == EventStatus.ACTIVE)).all()
    return sum(make_slots(session, event, now=now) for event in events)


def replan(session: Session, event: Event, *, now: datetime) -> None:
    """After its times changed: future slots nobody booked go, the new ones come; a slot with
    bookings stays as it is (staff cancel it, and everyone in it is told)."""
    booked = select(Booking.slot_id).where(Booking.event_id == event.id)
    session.execute(
        delete(Slot).where(
            col(Slot.event_id) == event.id,
            col(Slot.starts_at) > now,
            col(Slot.id).not_in(booked),
        )
    )
    session.execute(
        Slot.__table__.update()  # type: ignore[attr-defined]
        .where(Slot.event_id == event.id, Slot.starts_at > now)
        .values(capacity=event.capacity, childcare_places=event.childcare_places)
    )
    make_slots(session, event, now=now)


def window(event: Event, slot: Slot) -> tuple[datetime, datetime]:
    """When booking a slot opens and closes."""
    return (
        slot.starts_at - timedelta(days=event.opens_days),
        slot.starts_at - timedelta(hours=event.closes_hours),
    )


def open_slots(session: Session, event: Event, now: datetime) -> list[Slot]:
    """The times a parent can book now (or join the waiting list of), soonest first."""
    slots = session.exec(
        select(Slot)
        .where(
            Slot.event_id == event.id,
            col(Slot.cancelled_at).is_(None),
            col(Slot.starts_at) > now,
        )
        .order_by(col(Slot.starts_at))
    ).all()
    return [slot for slot in slots if (times := window(event, slot))[0] <= now < times[1]]


def bookable_by_programme(
    session: Session, organisation_id: int, now: datetime
) -> dict[int, list[Event]]:
    """The events a parent can book now, by the programme they serve (the guide shows each
    under its programmes, and nowhere else)."""
    events: dict[int, list[Event]] = {}
    rows = session.exec(
        select(Event, EventProgramme.programme_id)
        .join(EventProgramme, col(EventProgramme.event_id) == Event.id)
        .where(Event.organisation_id == organisation_id, Event.status == EventStatus.ACTIVE)
        .order_by(col(Event.starts_at), col(Event.id))
    ).all()
    bookable: dict[int, bool] = {}
    for event, programme_id in rows:
        if event.id not in bookable:
            bookable[event.id or 0] = bool(open_slots(session, event, now))
        if bookable[event.id or 0]:
            events.setdefault(programme_id, []).append(event)
    return events


def offered_event_code(session: Session, notice: Notice) -> str:
    """The public id of the event a notice offers to book, if it is still on; "" otherwise,
    and then no message shows a booking link."""
    event = session.get(Event, notice.book_event_id) if notice.book_event_id else None
    if event is None or event.organisation_id != notice.organisation_id:
        return ""
    return event.public_id if event.status == EventStatus.ACTIVE else ""
