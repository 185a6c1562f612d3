"""The support capability's tables: programmes, desks, consultation requests and their
messages (service.tables gathers every table for Alembic)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models import (
    InLanguages,
    OutboxRow,
    created,
    fk,
    pending_index,
)
from service.types import UTCDateTime

# Connecting (service/support/): the city's programmes, its desks, and the requests parents
# send a desk. A phone number or a message lives only in a request, and only until it is erased.


class Desk(InLanguages, SQLModel, table=True):
    """A desk (窓口) parents can call or visit; it answers consultation requests if it says so."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    department: str = Field(max_length=100)  # whose staff see its requests
    name_ja: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    name_easy: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    hours_ja: str = Field(default="", max_length=200)
    hours_en: str = Field(default="", max_length=200)
    hours_easy: str = Field(default="", max_length=200)
    place_ja: str = Field(default="", max_length=200)
    place_en: str = Field(default="", max_length=200)
    place_easy: str = Field(default="", max_length=200)
    takes_requests: bool = True
    response_days: int = 3  # business days within which the desk gets in touch
    notify_email: str = Field(default="", max_length=254)  # the daily list of its requests
    active: bool = True
    position: int = 0


class Programme(InLanguages, SQLModel, table=True):
    """A support programme (制度) of the city, as the guide shows it."""

    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    slug: str = Field(max_length=64)
    desk_id: int | None = fk("desk.id", ondelete="SET NULL", nullable=True)
    name_ja: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    name_easy: str = Field(default="", max_length=100)
    summary_ja: str = Field(max_length=1000)
    summary_en: str = Field(default="", max_length=1000)
    summary_easy: str = Field(default="", max_length=1000)
    eligibility_ja: str = Field(default="", max_length=1000)  # who it is for
    eligibility_en: str = Field(default="", max_length=1000)
    eligibility_easy: str = Field(default="", max_length=1000)
    bring_ja: str = Field(default="", max_length=1000)  # what to bring
    bring_en: str = Field(default="", max_length=1000)
    bring_easy: str = Field(default="", max_length=1000)
    apply_ja: str = Field(default="", max_length=1000)  # how to apply
    apply_en: str = Field(default="", max_length=1000)
    apply_easy: str = Field(default="", max_length=1000)
    url: str = Field(default="", max_length=500)  # the city's own page
    # Where to apply online (e-申請, ぴったりサービス, the city's own form); "" for none.
    apply_url: str = Field(default="", max_length=500)
    # Who may use it, in the family's words (service.support.eligibility): kind → answers.
    conditions: dict[str, list[str]] = Field(default_factory=dict, sa_column=Column(JSON))
    # The guide's answers it fits (service.support.guide.ANSWERS): worries, stage, children.
    answers: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    active: bool = True
    position: int = 0

    @property
    def for_safety(self) -> bool:
        """For a parent whose home is not safe (DV): asking about it puts the request in the
        safe mode, and its desk is never named in a message."""
        return "safety" in self.answers


class ProgrammeTopic(SQLModel, table=True):
    __tablename__ = "programme_topic"

    programme_id: int = Field(
        sa_column=Column(Integer, ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    )
    topic_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class RequestStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_CONTACT = "in_contact"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # by the parent


class ContactWay(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LINE = "line"
    VISIT = "visit"  # "I will come to the desk"


class ConsultationRequest(SQLModel, table=True):
    """A parent asks a desk to get in touch. The contact detail and the message are erased a
    set time after the request ends; what remains counts in reports and says nothing of anyone."""

    __tablename__ = "consultation_request"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    organisation_id: int = fk("organisation.id")
    desk_id: int = fk("desk.id")
    programme_id: int | None = fk("programme.id", ondelete="SET NULL", nullable=True)
    topic_id: int | None = fk("topic.id", ondelete="SET NULL", nullable=True)
    subscriber_id: int | None = fk("subscriber.id", ondelete="SET NULL", nullable=True)
    source_id: int | None = fk("source.id", ondelete="SET NULL", nullable=True)
    locale: str = Field(default="ja", max_length=16)
    contact_way: str = Field(max_length=16)
    # Only the detail the chosen way needs; None once erased.
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    line_user_id: str | None = Field(default=None, max_length=64)
    safe_times: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    may_say_city: bool = False
    may_leave_message: bool = False
    message: str | None = Field(default=None, max_length=1000)
    unsafe_at_home: bool = False  # the parent said home is not safe: every step honours it
    status: str = Field(default=RequestStatus.NEW, max_length=16, index=True)
    assigned_to_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    outcome: str = Field(default="", max_length=32)
    due_on: date
    created_at: datetime = created()
    first_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def open(self) -> bool:
        return self.status not in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)


class RequestEvent(SQLModel, table=True):
    """The request's history: status changes, notes, passes, answers and the parent's replies."""

    __tablename__ = "request_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = fk("consultation_request.id", ondelete="CASCADE")
    staff_user_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    kind: str = Field(max_length=16)  # status | note | transfer | answer | reply
    body: str = Field(default="", max_length=2000)
    created_at: datetime = created()


class RequestMessage(OutboxRow, table=True):
    """A message to the parent of a request (acknowledgement, answer, new desk): written by the
    web page, sent by the worker through the parent's chosen channel."""

    __tablename__ = "request_message"
    __table_args__ = (pending_index("ix_request_message_pending"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = fk("consultation_request.id", ondelete="CASCADE")
    channel: str = Field(max_length=16)
    kind: str = Field(max_length=16)  # received | answer | transferred | withdrawn
    body: str = Field(default="", max_length=2000)  # a staff answer; empty for the others


class AnswerTemplate(SQLModel, table=True):
    """A desk's short answer it sends often ("お電話しましたがつながりませんでした…")."""

    __tablename__ = "answer_template"

    id: int | None = Field(default=None, primary_key=True)
    desk_id: int = fk("desk.id", ondelete="CASCADE")
    title: str = Field(max_length=100)
    body: str = Field(max_length=2000)


class DeskList(SQLModel, table=True):
    """The daily list of new and overdue requests sent to a desk: one row a desk a day, so
    that of several workers only the first sends it."""

    __tablename__ = "desk_list"
    __table_args__ = (UniqueConstraint("desk_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    desk_id: int = fk("desk.id", ondelete="CASCADE")
    day: date
    requests: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)
