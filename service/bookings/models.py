"""The bookings capability's tables: events, their slots and the places booked in them
(service.tables gathers every table for Alembic)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models import (
    DeliveryKind,
    InLanguages,
    created,
    fk,
)
from service.types import UTCDateTime

# Bookings (service/bookings/): seminars, 説明会 and consultation days parents book a place at.


class EventStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Event(InLanguages, SQLModel, table=True):
    """Something parents attend: a seminar, or a desk's consultation day in appointment slots.

    Each time it takes place is a Slot (several when it is split into appointments); a place
    is booked in a slot."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)  # in the booking page's address
    organisation_id: int = fk("organisation.id")
    department: str = Field(max_length=100)  # whose staff see its bookings
    desk_id: int | None = fk("desk.id", ondelete="SET NULL", nullable=True)
    title_ja: str = Field(max_length=200)
    title_en: str = Field(default="", max_length=200)
    title_easy: str = Field(default="", max_length=200)
    details_ja: str = Field(default="", max_length=2000)
    details_en: str = Field(default="", max_length=2000)
    details_easy: str = Field(default="", max_length=2000)
    place_ja: str = Field(default="", max_length=200)
    place_en: str = Field(default="", max_length=200)
    place_easy: str = Field(default="", max_length=200)
    bring_ja: str = Field(default="", max_length=500)
    bring_en: str = Field(default="", max_length=500)
    bring_easy: str = Field(default="", max_length=500)
    online_url: str = Field(default="", max_length=500)
    starts_at: datetime = Field(sa_type=UTCDateTime)  # the first time it takes place
    duration_minutes: int = 90
    rrule: str | None = Field(default=None, max_length=500)  # repeats; None: once
    holiday_shift: str = Field(default="none", max_length=16)  # none | previous | next
    slot_minutes: int | None = None  # split each time into appointments of this length
    capacity: int = 20  # places in each slot
    childcare_places: int = 0  # 託児: children who can be looked after, each slot
    opens_days: int = 60  # booking opens this many days before
    closes_hours: int = 24  # and closes this many hours before
    subscribers_only: bool = False  # only parents registered for its topics may book
    # The desk's own questions, few and short: [{"ja": …, "en": …, "easy": …, "required": …}]
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    # [{"days": 3, "at": "18:00"}]: N days before, at local time
    reminders: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    offer_hours: int = 24  # a freed place waits this long for the next on the waiting list
    status: str = Field(default=EventStatus.ACTIVE, max_length=16)
    created_at: datetime = created()
    updated_at: datetime = created()


class EventTopic(SQLModel, table=True):
    __tablename__ = "event_topic"

    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    )
    topic_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class EventProgramme(SQLModel, table=True):
    """The programmes (制度) an event serves: the guide offers its booking under them alone."""

    __tablename__ = "event_programme"

    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    )
    programme_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Slot(SQLModel, table=True):
    """One time an event takes place, with its places. `booked` counts the places taken (and
    offered): a booking takes one with a conditional UPDATE, so there are never more."""

    __table_args__ = (UniqueConstraint("event_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = fk("event.id", ondelete="CASCADE")
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    capacity: int
    booked: int = 0
    childcare_places: int = 0
    childcare_booked: int = 0
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BookingStatus(StrEnum):
    HELD = "held"  # a place kept for an address typed for it, until the address is confirmed
    BOOKED = "booked"
    WAITING = "waiting"
    OFFERED = "offered"  # a freed place is held for them until offer_expires_at
    CANCELLED = "cancelled"


# Each message about a booking, and what the booking must still be when it goes: a reminder
# for a booking cancelled since is withdrawn, not sent.
BOOKING_MESSAGES: dict[str, tuple[str, ...]] = {
    DeliveryKind.HOLD: (BookingStatus.HELD, BookingStatus.WAITING),
    DeliveryKind.BOOKED: (BookingStatus.BOOKED,),
    DeliveryKind.REMINDER: (BookingStatus.BOOKED,),
    DeliveryKind.EVENT_NEWS: (BookingStatus.BOOKED,),
    DeliveryKind.WAITING: (BookingStatus.WAITING,),
    DeliveryKind.OFFER: (BookingStatus.OFFERED,),
    DeliveryKind.BOOKING_CANCELLED: (BookingStatus.CANCELLED,),
}


class Booking(SQLModel, table=True):
    """A parent's place (or place on the waiting list) in a slot. The parent is reached through
    their registered address (endpoint) or the one address they gave for this booking; that
    address and the answers are erased a set time after the event."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    organisation_id: int = fk("organisation.id")
    event_id: int = fk("event.id", ondelete="CASCADE")
    slot_id: int = fk("slot.id", ondelete="CASCADE")
    subscriber_id: int | None = fk("subscriber.id", ondelete="SET NULL", nullable=True)
    endpoint_id: int | None = fk("endpoint.id", ondelete="SET NULL", nullable=True)
    source_id: int | None = fk("source.id", ondelete="SET NULL", nullable=True)
    channel: str = Field(max_length=16)  # email | line | webpush
    address: str | None = Field(default=None, max_length=254)  # given for this booking only
    # The mailbox of an email booking (addresses.mailbox_hash): one place an event a mailbox.
    mailbox_hash: str | None = Field(default=None, max_length=64, index=True)
    # A typed address counts once its owner pressed the button in the email; until then the
    # booking holds its place (or its turn on the waiting list) only until held_until.
    address_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    locale: str = Field(default="ja", max_length=16)
    status: str = Field(default=BookingStatus.BOOKED, max_length=16, index=True)
    childcare: int = 0  # children to be looked after
    answers: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    offer_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    was_waiting: bool = False  # booked from the waiting list (for reports)
    attended: bool | None = None  # checked in on the day: True came, False did not
    cancelled_by: str = Field(default="", max_length=16)  # parent | city | expired
    created_at: datetime = created()
    booked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
