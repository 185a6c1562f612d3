"""The tables every part shares (cities, topics, parents and their addresses, notices, the
ledger, staff). A capability keeps its own tables beside it (support/models.py,
bookings/models.py); service.tables gathers them all. Times are aware UTC datetimes; dates
(anchor, birth month) are local."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from service.types import UTCDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"
    # The family-registry counter's clerk: below a viewer. Makes a family's card with the
    # parent present, and nothing else — not even reading the card they made.
    COUNTER = "counter"

    def allows(self, needed: Role) -> bool:
        """An admin may do what an editor may, an editor what a viewer may, a viewer what a
        counter clerk may (their own password and sign-in, and the counter's card)."""
        order = (Role.COUNTER, Role.VIEWER, Role.EDITOR, Role.ADMIN)
        return order.index(self) >= order.index(needed)


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCHEDULED = "scheduled"
    PAUSED = "paused"
    ARCHIVED = "archived"


class RuleKind(StrEnum):
    ONCE = "once"
    RRULE = "rrule"
    RELATIVE = "relative"
    JOIN = "join"  # once to each new parent, right after they confirm (a welcome)


class DeliveryKind(StrEnum):
    CONFIRM = "confirm"
    NOTICE = "notice"
    DIGEST = "digest"  # a notice held for the parent's weekly email
    TEST = "test"  # a staff member's "send a test to me"
    LINK = "link"  # the parent's own link, asked for by typing their address, or renewed
    CHANGED = "changed"  # to a parent's addresses: another address or device was added
    VERIFY = "verify"  # a dry-run push: FCM checks a new device's token, nothing is shown
    MAIL_SIGNUP = "mail-signup"  # the answer to an empty email: a link to choose topics
    MOVED = "moved"  # to an imported parent: the city's notices now come from here
    # About a booking (Delivery.booking_id), to the channel the parent booked through:
    HOLD = "hold"  # to an address typed for a booking: press the button to confirm it
    BOOKED = "booked"  # the place is theirs: date, place, what to bring, how to cancel
    WAITING = "waiting"  # on the waiting list
    OFFER = "offer"  # a freed place, theirs if they take it before the offer expires
    REMINDER = "reminder"  # N days before, at the time the event sets
    BOOKING_CANCELLED = "cancelled"  # by the parent, by the city, or an offer not taken
    EVENT_NEWS = "event-news"  # staff's words to everyone booked (Delivery.body)


class SubscriptionMode(StrEnum):
    INSTANT = "instant"
    WEEKLY = "weekly"  # deadlines (urgent notices) still come at once


class Priority(IntEnum):
    """Lower goes first: a parent waiting at the counter, then deadlines, then the rest."""

    CONFIRM = 0
    URGENT = 5
    NORMAL = 10


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


def created() -> Any:
    """A row's creation time, set when it is made."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime)


def fk(target: str, *, ondelete: str | None = None, nullable: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey(target, ondelete=ondelete), index=True, nullable=nullable
        ),
    )


class Organisation(SQLModel, table=True):
    __table_args__ = (
        # One city per 空メール address: kept in lower case, so unique whatever the spelling.
        Index(
            "uq_organisation_registration_address",
            "registration_address",
            unique=True,
            postgresql_where=text("registration_address <> ''"),
            sqlite_where=text("registration_address <> ''"),
        ),
        CheckConstraint(
            "registration_address = lower(registration_address)",
            name="ck_organisation_registration_address_lower",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    # Shown to parents who read English or やさしい日本語; empty: the Japanese name.
    name_en: str = Field(default="", max_length=200)
    name_easy: str = Field(default="", max_length=200)
    sender_name: str = Field(max_length=200)
    sender_email: str = Field(max_length=254)
    contact_line: str = Field(default="", max_length=500)
    privacy_contact: str = Field(default="", max_length=500)
    # 空メール登録: parents send an empty email here (touroku+<counter code>@…) and get a link
    # to choose their topics. Its mail must reach SendGrid Inbound Parse.
    registration_address: str = Field(default="", max_length=254)
    # Days the city hall is closed besides weekends, holidays and 29 Dec – 3 Jan (ISO dates):
    # a desk's promise of working days does not count them.
    closed_days: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # The city's own websites, whose pages may ask the assistant (CORS): https://www.city.…
    website_origins: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # The department that leads the family's card (相談カード); "" while the city has not
    # turned the card on.
    card_lead_department: str = Field(default="", max_length=100)
    # The QR landing offers parents 相談員を呼ぶ themselves (the counter's clerk always can).
    call_from_landing: bool = False
    # The LINE group (C + 32 hex digits) of the lead department's staff, told of each call by
    # the city's LINE account, which must be a member; "" for none.
    staff_line_group: str = Field(default="", max_length=64)
    timezone: str = Field(default="Asia/Tokyo", max_length=64)
    created_at: datetime = created()


def in_language_of(locale: str, japanese: str, english: str, easy: str) -> str:
    """The text in the parent's language, or in Japanese where that version is missing."""
    return {"en": english, "easy": easy}.get(locale) or japanese


class InLanguages:
    """A row whose texts come as <name>_ja, <name>_en and <name>_easy."""

    def text(self, name: str, locale: str) -> str:
        """The text in the parent's language, or in Japanese where that version is missing."""
        return in_language_of(
            locale, *(getattr(self, f"{name}_{lang}") for lang in ("ja", "en", "easy"))
        )


class Topic(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    slug: str = Field(max_length=64)
    name_ja: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    name_easy: str = Field(default="", max_length=100)  # やさしい日本語; Japanese if empty
    description_ja: str = Field(default="", max_length=300)
    description_en: str = Field(default="", max_length=300)
    description_easy: str = Field(default="", max_length=300)
    department: str = Field(default="", max_length=100)
    active: bool = True
    position: int = 0

    def name(self, locale: str) -> str:
        return in_language_of(locale, self.name_ja, self.name_en, self.name_easy)

    def description(self, locale: str) -> str:
        return in_language_of(
            locale, self.description_ja, self.description_en, self.description_easy
        )


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    scans: int = 0  # how often its QR page was opened
    created_at: datetime = created()


class Subscriber(SQLModel, table=True):
    __table_args__ = (Index("ix_subscriber_org_anchor", "organisation_id", "anchor_date"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    organisation_id: int = fk("organisation.id")
    source_id: int | None = fk("source.id", ondelete="SET NULL", nullable=True)
    locale: str = Field(default="ja", max_length=16)
    anchor_date: date | None = None
    created_at: datetime = created()
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    push_previews: bool = False  # show the notice's words on the lock screen
    # Brought in from the city's earlier list: where the consent was given (its date is
    # confirmed_at). Empty for those who registered here.
    consent_source: str = Field(default="", max_length=200)
    # Raised to end every link the parent has been sent (a fresh one replaces them; stop links
    # in old emails keep working), and every calendar feed address, each on its own.
    link_epoch: int = 0
    calendar_epoch: int = 0


class Child(SQLModel, table=True):
    """Only the birth month of a child the parent chose to give, never a name."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = fk("subscriber.id", ondelete="CASCADE")
    birth_month: date  # the first day of the month


class Endpoint(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("subscriber_id", "channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = fk("subscriber.id", ondelete="CASCADE")
    channel: str = Field(max_length=16)
    address: str = Field(max_length=4096)
    address_hash: str = Field(max_length=64, index=True)
    mailbox_hash: str | None = Field(default=None, max_length=64, index=True)  # email only
    created_at: datetime = created()
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, max_length=200)
    soft_bounces: int = 0


class Subscription(SQLModel, table=True):
    subscriber_id: int = Field(
        sa_column=Column(Integer, ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True)
    )
    topic_id: int = Field(
        sa_column=Column(Integer, ForeignKey("topic.id"), primary_key=True, index=True)
    )
    mode: str = Field(default=SubscriptionMode.INSTANT, max_length=16)
    created_at: datetime = created()


class StaffUser(SQLModel, table=True):
    """A city's staff member. The same address may be staff of several cities, each account
    its own: one city can neither see nor take another's."""

    __tablename__ = "staff_user"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    email: str = Field(max_length=254, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.EDITOR, max_length=16)
    department: str = Field(default="", max_length=100)
    active: bool = True
    created_at: datetime = created()
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # In every session cookie; raised at logout and password change, so that copies of the
    # cookie (another browser, a stolen one) stop working at once.
    session_epoch: int = 0
    # Two-step sign-in (TOTP): the shared secret, and the last time step a code was used for,
    # so that a code seen over someone's shoulder cannot be used again.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int = 0
    # One-time codes for a lost authenticator, kept as hashes; each works once.
    recovery_codes: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Wrong codes in a row, from wherever they come; too many lock the account for a while,
    # and the city's admins are told.
    code_failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Emails about notices waiting for them (to approve, approved, sent back); theirs to turn off.
    notify_by_email: bool = True


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    staff_user_id: int = fk("staff_user.id", ondelete="CASCADE")
    name: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created()
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    title: str = Field(max_length=200)
    body: str  # Markdown
    # Optional versions for parents who read English or やさしい日本語 better (Markdown too).
    title_en: str = Field(default="", max_length=200)
    body_en: str = ""
    title_easy: str = Field(default="", max_length=200)
    body_easy: str = ""
    channels: list[str] = Field(default_factory=lambda: ["email"], sa_column=Column(JSON))
    rule_kind: str = Field(default=RuleKind.ONCE, max_length=16)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rrule: str | None = Field(default=None, max_length=500)
    holiday_shift: str = Field(default="none", max_length=16)  # none | previous | next
    offset_days: int | None = None
    send_time: str | None = Field(default=None, max_length=5)  # "HH:MM" local
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid_days: int | None = None  # each occurrence goes stale this many days after it is due
    child_age_min: int | None = None
    child_age_max: int | None = None
    # Or by school grade (0 = the year before 小1, 1 = 小1 … 12 = 高3), this school year or next.
    school_grade: int | None = None
    school_year_offset: int = 0
    urgent: bool = False
    public: bool = False  # shown on the city's page of current notices, for those who join later
    # A programme's slug: the notice offers "ask about this" to that programme's desk.
    ask_about: str = Field(default="", max_length=64)
    # An event the notice offers "予約する" for: each parent's link opens its booking page.
    book_event_id: int | None = fk("event.id", ondelete="SET NULL", nullable=True)
    status: str = Field(default=NoticeStatus.DRAFT, max_length=16, index=True)
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    author_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    # Everyone who wrote, edited or submitted it (staff ids): none of them may approve it.
    contributors: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    approver_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    # Why an admin sent it back (差し戻し), until it is sent for approval again.
    returned_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = created()
    updated_at: datetime = created()

    def in_language(self, locale: str) -> tuple[str, str, bool]:
        """(title, body) for a parent of `locale`, and whether it is in that language (else it
        is the Japanese, which a notice always has)."""
        title = in_language_of(locale, self.title, self.title_en, self.title_easy)
        body = in_language_of(locale, self.body, self.body_en, self.body_easy)
        translated = locale == "ja" or (title != self.title and body != self.body)
        if not translated:  # half a translation reads worse than none
            return self.title, self.body, False
        return title, body, True


class NoticeTopic(SQLModel, table=True):
    __tablename__ = "notice_topic"

    notice_id: int = Field(
        sa_column=Column(Integer, ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True)
    )
    topic_id: int = Field(
        sa_column=Column(Integer, ForeignKey("topic.id"), primary_key=True, index=True)
    )


class Send(SQLModel, table=True):
    """One occurrence of a notice. Unique, so materializing twice creates nothing twice."""

    __table_args__ = (UniqueConstraint("notice_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = fk("notice.id", ondelete="CASCADE")
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    anchor_date: date | None = None  # relative rules: the anchor day this occurrence is for
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fanned_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the last time
    fanned_out_through: int = 0  # fan-out goes in ranges of subscriber ids: done up to this one
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created()


PENDING = text("status = 'pending'")  # a partial index's rows: those still to send


class OutboxRow(SQLModel):
    """A message of a small outbox (jobs.outbox): to one recipient, claimed, tried, recorded.
    Its table indexes `next_attempt_at` of the pending rows (`pending_index`)."""

    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    provider_message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = created()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def pending_index(name: str) -> Index:
    """The outbox's due rows, and only those."""
    return Index(name, "next_attempt_at", postgresql_where=PENDING, sqlite_where=PENDING)


_BOOKING = text("booking_id IS NOT NULL")


class Delivery(SQLModel, table=True):
    """The ledger: nothing is sent that has no row, and no row is sent twice.

    A million rows are written per national notice, so send_id and endpoint_id carry no
    foreign-key constraints: checking them cost more than the insert itself (each check locks
    the parent row). Sends are never deleted (notices are archived), and the code that deletes
    an endpoint clears its deliveries' endpoint_id first (service.subscribers).
    """

    __table_args__ = (
        UniqueConstraint("send_id", "endpoint_id"),
        # The claim query's order; only pending rows, so the index stays small as rows are sent.
        Index(
            "ix_delivery_pending",
            "priority",
            "next_attempt_at",
            "id",
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        ),
        # Only the few rows about bookings: cancelling one withdraws its reminders.
        Index(
            "ix_delivery_booking_id",
            "booking_id",
            postgresql_where=_BOOKING,
            sqlite_where=_BOOKING,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    send_id: int | None = None
    endpoint_id: int | None = Field(default=None, index=True)
    booking_id: int | None = None  # the booking kinds' booking
    body: str | None = Field(default=None, max_length=2000)  # staff's words (event news)
    kind: str = Field(default=DeliveryKind.NOTICE, max_length=16)
    priority: int = Priority.NORMAL
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Written before revision 0029; a provider's id per call is now in the worker's log line.
    provider_message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = created()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryLease(SQLModel, table=True):
    """Deliveries a worker is sending. A claim marks them sent at once, so a batch that goes
    well as a whole costs no second write per delivery: the worker then only ends its lease.
    Those whose answer differs are written one by one; if the worker dies, the lease runs out
    and its deliveries, still marked sent, go back to the queue (jobs.claims)."""

    __tablename__ = "delivery_lease"

    id: int | None = Field(default=None, primary_key=True)
    delivery_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))
    claimed_until: datetime = Field(sa_type=UTCDateTime, index=True)


class ProviderEvent(SQLModel, table=True):
    """Each provider event once: providers deliver webhooks at least once, not exactly once."""

    __tablename__ = "provider_event"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    event_id: str = Field(max_length=100)
    kind: str = Field(max_length=32)
    delivery_id: int | None = fk("delivery.id", ondelete="SET NULL", nullable=True)
    received_at: datetime = created()


class Suppression(SQLModel, table=True):
    """Addresses never to be sent to again, kept as a hash only."""

    __table_args__ = (UniqueConstraint("organisation_id", "channel", "address_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    channel: str = Field(max_length=16)
    address_hash: str = Field(max_length=64)
    reason: str = Field(max_length=32)
    created_at: datetime = created()


class ChannelState(SQLModel, table=True):
    """Shared by every worker: a channel paused by its provider, and its send-rate budget."""

    __tablename__ = "channel_state"

    channel: str = Field(primary_key=True, max_length=16)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pause_reason: str | None = Field(default=None, max_length=200)
    tokens: float = 0.0
    refilled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffMessage(OutboxRow, table=True):
    """A short email to a staff member: a notice waits for them (to approve, approved, sent
    back), a link to set a new password, or an account locked after wrong codes. A link to the
    console and nothing of the notice. Written with the change it tells of, sent by the worker."""

    __tablename__ = "staff_message"
    __table_args__ = (pending_index("ix_staff_message_pending"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_user_id: int = fk("staff_user.id", ondelete="CASCADE")
    notice_id: int | None = fk("notice.id", ondelete="CASCADE", nullable=True)
    # locked: the staff member whose account was locked (to the city's admins)
    about_staff_id: int | None = fk("staff_user.id", ondelete="CASCADE", nullable=True)
    kind: str = Field(max_length=16)  # submit | approve | return | reset | locked | counsellor


class MailboxEmail(SQLModel, table=True):
    """An email a parent's form caused (a confirmation, a link, a request's or booking's
    acknowledgement), counted against its mailbox's daily cap (service.mailbox_cap). Kept a
    day; the mailbox only as its hash, as Endpoint.mailbox_hash."""

    __tablename__ = "mailbox_email"

    id: int | None = Field(default=None, primary_key=True)
    mailbox_hash: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class InboundSender(SQLModel, table=True):
    """An empty email a city took (空メール登録): its sender's domain and a keyed hash of the
    server it came from, counted per hour so that a flood from one domain or one server cannot
    use up the answers real parents need. Kept a day."""

    __tablename__ = "inbound_sender"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id", ondelete="CASCADE")
    sender_domain: str = Field(max_length=255)
    source_hash: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ImportStatus(StrEnum):
    PREVIEW = "preview"  # uploaded; the admin checks the counts and maps the old topic names
    QUEUED = "queued"  # the admin pressed 取り込む; the worker takes it
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # it could not be imported (report["error"] says why); nothing was


class SubscriberImport(SQLModel, table=True):
    """A list uploaded in the console to be brought in: the file until it is imported (then
    only the counts stay), the old topic names' mapping, and what the dry run or the import
    found. The worker imports it, so that a long list does not hang on a web request."""

    __tablename__ = "subscriber_import"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id", ondelete="CASCADE")
    staff_user_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    filename: str = Field(default="", max_length=200)
    data: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    mapping: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    status: str = Field(default=ImportStatus.PREVIEW, max_length=16)
    # Raised each time a worker takes it: only the worker holding the latest take may finish
    # it (one whose lease ran out while it worked throws its work away).
    taken: int = 0
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = created()
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    staff_user_id: int | None = fk("staff_user.id", ondelete="SET NULL", nullable=True)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = created()
