"""The card's tables: the card itself (contact detail and free text encrypted with
ENCRYPTION_KEY), the parent's consent per department, and what each department did."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from service.models import OutboxRow, created, fk, pending_index
from service.types import UTCDateTime


class Card(SQLModel, table=True):
    """A family's card: only what the parent chose to give. Erased a set time after its last
    activity (Settings.card_retention_days), or when the parent erases it."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    organisation_id: int = fk("organisation.id")
    # The counter where it was made with a clerk, or whose QR page the parent came from.
    source_id: int | None = fk("source.id", ondelete="SET NULL", nullable=True)
    stage: str = Field(default="", max_length=16)  # before | separated | divorced
    since: date | None = None  # the month it began (the 1st)
    children: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # guide's ages
    # The children's birth months ("2019-04"), if the parent gave them: for the reminders of
    # school entry and of the allowance's end (service.cards.reminders).
    birth_months: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    allowance_since: date | None = None  # the month 児童扶養手当 began, if the parent said
    # The estimate's income figures, if the parent chose to keep them (allowance.estimate.Figures):
    # each new year's limits are applied to them, for programmes with an allowance condition.
    allowance_figures: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # guide's worries
    income_band: str = Field(default="", max_length=16)
    support_agreed: str = Field(default="", max_length=8)  # 養育費: yes | no | "" (not said)
    contact_way: str = Field(max_length=16)  # phone | email | line | visit
    contact: str | None = Field(default=None, max_length=1000)  # encrypted: phone or address
    safe_times: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    may_say_city: bool = False
    locale: str = Field(default="ja", max_length=16)
    unsafe_at_home: bool = False
    # The parent asked to be told of support they may be able to use (service.cards.outreach).
    tell_me: bool = False
    note: str | None = Field(default=None, max_length=4000)  # encrypted: the parent's words
    # Made in the LINE chat: the keyed hash of the parent's LINE user id (contact holds the id),
    # so that the chat finds the card again.
    line_hash: str | None = Field(default=None, max_length=64, index=True)
    link_epoch: int = 0  # a fresh link to the card's page ends the older ones
    # The department the lead department asked to call first; the others wait for it.
    first_caller: str = Field(default="", max_length=100)
    created_at: datetime = created()
    updated_at: datetime = Field(sa_type=UTCDateTime)
    last_activity_at: datetime = Field(sa_type=UTCDateTime, index=True)


class CardConsent(SQLModel, table=True):
    """The parent agreed that this department may see the card (until withdrawn)."""

    __tablename__ = "card_consent"
    __table_args__ = (UniqueConstraint("card_id", "department"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = fk("card.id", ondelete="CASCADE")
    department: str = Field(max_length=100)
    given_at: datetime = Field(sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CardEvent(SQLModel, table=True):
    """What happened to a card: a department's contact or note (shared with the other consented
    departments only when its writer says so), a change the parent made, a consent given or
    withdrawn. The body is encrypted."""

    __tablename__ = "card_event"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = fk("card.id", ondelete="CASCADE")
    department: str = Field(default="", max_length=100)  # "" for the parent's own changes
    staff_user_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    kind: str = Field(max_length=16)  # contact | note | change | consent | withdraw | assign
    body: str = Field(default="", max_length=8000)  # encrypted
    shared: bool = False
    created_at: datetime = created()


class CounsellorCall(SQLModel, table=True):
    """相談員を呼ぶ: the counter asks the lead department to come while the parent is there.
    Nothing of the parent: the counter, and the times."""

    __tablename__ = "counsellor_call"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    source_id: int | None = fk("source.id", ondelete="SET NULL", nullable=True)
    asked_by_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    asked_at: datetime = Field(sa_type=UTCDateTime, index=True)
    accepted_by_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    minutes: int | None = None  # "向かっています（3分）"
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


REMINDER = text("kind = 'reminder'")


class CardMessage(OutboxRow, table=True):
    """A message to the parent about their card — a department asks to share it with another
    (a hand-off, which needs the parent's consent); what they shared and their card's link;
    a fresh link; a department's own words — by email or LINE, when that is how they chose to
    be reached and home is safe. Written by the page, sent by the worker."""

    __tablename__ = "card_message"
    __table_args__ = (
        pending_index("ix_card_message_pending"),
        # A "you may be able to use this" goes once per programme and reason (NULLs differ).
        UniqueConstraint(
            "card_id", "programme_id", "reason", name="uq_card_message_programme_reason"
        ),
        # A life event's reminder goes once (its programme may be missing: NULLs differ).
        Index(
            "uq_card_message_reminder",
            "card_id",
            "reason",
            unique=True,
            postgresql_where=REMINDER,
            sqlite_where=REMINDER,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = fk("card.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)  # handoff | saved | link | message | you-may | reminder
    # handoff: the department that asks; message: the one that writes
    asked_by: str = Field(default="", max_length=100)
    department: str = Field(default="", max_length=100)  # handoff: the one it asks to share with
    body: str = Field(default="", max_length=8000)  # message: what the department wrote, encrypted
    # you-may: the programme the card fits, and what made it fit (eligibility.reason_key)
    programme_id: int | None = fk("programme.id", ondelete="CASCADE", nullable=True)
    reason: str | None = Field(default=None, max_length=200)
    # What came of it, where known: SendGrid's first open event; a consultation request or a
    # booking made from its links (outreach.followed).
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CounsellorAlert(OutboxRow, table=True):
    """A call told to the lead department's LINE group (Organisation.staff_line_group): the
    counter's name and the console's link, nothing of the parent."""

    __tablename__ = "counsellor_alert"
    __table_args__ = (pending_index("ix_counsellor_alert_pending"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = fk("counsellor_call.id", ondelete="CASCADE")
