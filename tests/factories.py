"""Plain factory functions with keyword defaults; each commits what it makes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, select

from jobs.fanout import fan_out_sends
from jobs.materialize import materialize_sends
from service.addresses import hash_address, mailbox_hash
from service.allowance.models import AllowanceTable
from service.allowance.tables import FIGURES, shipped_tables
from service.bookings.booking import Contact as BookingContact
from service.bookings.booking import book, confirm_address, new_event_code
from service.bookings.models import Event, EventTopic, Slot
from service.bookings.schedule import DEFAULT_REMINDERS, make_slots
from service.cards.cards import Told
from service.cards.cards import create_card as make_card
from service.cards.models import Card
from service.models import (
    Endpoint,
    Notice,
    NoticeStatus,
    NoticeTopic,
    Organisation,
    Role,
    RuleKind,
    Source,
    StaffUser,
    Subscriber,
    Subscription,
    Topic,
)
from service.settings import Settings
from service.staff_users import create_staff_user
from service.support.catalogue import import_catalogue
from service.support.demo_catalogue import CATALOGUE
from service.support.models import Desk
from service.types import utcnow

PASSWORD = "correct horse battery"
ADDRESS_KEY = "test-suppression-key-kept-apart-from-the-secret"  # the settings fixture's


def create_organisation(
    session: Session, *, slug: str = "aoba", name: str = "あおば市"
) -> Organisation:
    organisation = Organisation(
        slug=slug,
        name=name,
        sender_name=f"{name} こども家庭課",
        sender_email=f"oshirase@{slug}.example.jp",
        contact_line=f"{name} 電話 000-000-0000",
    )
    session.add(organisation)
    session.commit()
    return organisation


def create_topic(
    session: Session,
    *,
    organisation: Organisation,
    slug: str = "yoikuhi",
    name_ja: str = "養育費",
    name_en: str = "Child support",
    active: bool = True,
    department: str = "",
) -> Topic:
    topic = Topic(
        organisation_id=organisation.id,
        department=department,
        slug=slug,
        name_ja=name_ja,
        name_en=name_en,
        description_ja=f"{name_ja}のお知らせ",
        description_en=f"About {name_en}",
        active=active,
    )
    session.add(topic)
    session.commit()
    return topic


def create_source(
    session: Session,
    *,
    organisation: Organisation,
    code: str = "koseki",
    name: str = "市民課 戸籍窓口",
) -> Source:
    source = Source(organisation_id=organisation.id, code=code, name=name)
    session.add(source)
    session.commit()
    return source


def create_subscriber(
    session: Session,
    *,
    organisation: Organisation,
    topics: Sequence[Topic],
    email: str | None = None,
    confirmed: bool = True,
    anchor_date: date | None = None,
    locale: str = "ja",
    unsubscribed: bool = False,
    now: datetime | None = None,
) -> Subscriber:
    now = now or utcnow()
    subscriber = Subscriber(
        public_id=uuid.uuid4().hex,
        organisation_id=organisation.id,
        locale=locale,
        anchor_date=anchor_date or (now.date() if confirmed else None),
        confirmed_at=now if confirmed else None,
        unsubscribed_at=now if unsubscribed else None,
        created_at=now,
    )
    session.add(subscriber)
    session.flush()
    email = email or f"parent-{subscriber.public_id[:8]}@example.jp"
    session.add(
        Endpoint(
            subscriber_id=subscriber.id,
            channel="email",
            address=email,
            address_hash=hash_address("email", email, ADDRESS_KEY),
            mailbox_hash=mailbox_hash(email),
            verified_at=now if confirmed else None,
        )
    )
    session.add_all(
        Subscription(subscriber_id=subscriber.id, topic_id=topic.id) for topic in topics
    )
    session.commit()
    return subscriber


def add_endpoint(
    session: Session, *, subscriber: Subscriber, channel: str, address: str
) -> Endpoint:
    """A verified push token or LINE user id for the subscriber."""
    endpoint = Endpoint(
        subscriber_id=subscriber.id,
        channel=channel,
        address=address,
        address_hash=hash_address(channel, address, ADDRESS_KEY),
        mailbox_hash=mailbox_hash(address) if channel == "email" else None,
        verified_at=utcnow(),
    )
    session.add(endpoint)
    session.commit()
    return endpoint


def add_push_endpoint(session: Session, *, subscriber: Subscriber, token: str) -> Endpoint:
    return add_endpoint(session, subscriber=subscriber, channel="webpush", address=token)


def create_notice(
    session: Session,
    *,
    organisation: Organisation,
    topics: Sequence[Topic],
    title: str = "児童扶養手当の現況届のお知らせ",
    body: str = "8月31日までに提出してください。",
    rule_kind: RuleKind = RuleKind.ONCE,
    starts_at: datetime | None = None,
    rrule: str | None = None,
    offset_days: int | None = None,
    send_time: str | None = None,
    valid_until: datetime | None = None,
    valid_days: int | None = None,
    status: NoticeStatus = NoticeStatus.SCHEDULED,
    scheduled_at: datetime | None = None,
    child_age_min: int | None = None,
    child_age_max: int | None = None,
    channels: Sequence[str] = ("email",),
    urgent: bool = False,
    holiday_shift: str = "none",
    book_event_id: int | None = None,
) -> Notice:
    notice = Notice(
        book_event_id=book_event_id,
        organisation_id=organisation.id,
        channels=list(channels),
        urgent=urgent,
        holiday_shift=holiday_shift,
        title=title,
        body=body,
        rule_kind=rule_kind,
        starts_at=starts_at,
        rrule=rrule,
        offset_days=offset_days,
        send_time=send_time,
        valid_until=valid_until,
        valid_days=valid_days,
        status=status,
        scheduled_at=scheduled_at or (starts_at if status == NoticeStatus.SCHEDULED else None),
        child_age_min=child_age_min,
        child_age_max=child_age_max,
    )
    session.add(notice)
    session.flush()
    session.add_all(NoticeTopic(notice_id=notice.id, topic_id=topic.id) for topic in topics)
    session.commit()
    return notice


def create_staff(
    session: Session,
    *,
    organisation: Organisation,
    email: str = "staff@aoba.example.jp",
    role: Role = Role.ADMIN,
    department: str = "",
) -> StaffUser:
    user = create_staff_user(
        session,
        organisation_id=organisation.id or 0,
        email=email,
        password=PASSWORD,
        role=role,
        department=department,
    )
    session.commit()
    return user


def write_deliveries(session: Session, now: datetime) -> None:
    """The worker's schedule step without its sending: deliveries left pending for dispatch."""
    materialize_sends(session, now=now)
    fan_out_sends(session, now=now)


def create_catalogue(session: Session, *, organisation: Organisation) -> dict[str, Desk]:
    """The demo city's desks and programmes (service.support.demo_catalogue), by desk name."""
    import_catalogue(session, organisation.id or 0, CATALOGUE)
    session.commit()
    desks = session.exec(select(Desk).where(Desk.organisation_id == organisation.id)).all()
    return {desk.name_ja: desk for desk in desks}


def create_event(
    session: Session,
    *,
    organisation: Organisation,
    starts_at: datetime,
    capacity: int = 20,
    now: datetime | None = None,
    topics: Sequence[Topic] = (),
    **values: object,
) -> Event:
    """An event with its slots made as the console makes them."""
    event = Event(
        public_id=values.pop("public_id", None) or new_event_code(),
        organisation_id=organisation.id or 0,
        department=str(values.pop("department", "こども家庭課")),
        title_ja=str(values.pop("title_ja", "親支援講座「離婚後の子育て」")),
        place_ja=str(values.pop("place_ja", "市役所本庁舎 5階 会議室")),
        bring_ja=str(values.pop("bring_ja", "筆記用具")),
        starts_at=starts_at,
        capacity=capacity,
        reminders=values.pop("reminders", list(DEFAULT_REMINDERS)),  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )
    session.add(event)
    session.flush()
    session.add_all(EventTopic(event_id=event.id or 0, topic_id=topic.id or 0) for topic in topics)
    make_slots(session, event, now=now or utcnow())
    session.commit()
    return event


def fill_slot(session: Session, event: Event, answers: Sequence[str], *, mail: str = "p") -> Slot:
    """The event's one slot, with a booking per answer made and confirmed as parents make them
    (an address typed on the page, the button in the email pressed): <mail><n>@example.jp."""
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    for n, answer in enumerate(answers):
        booking = book(
            session,
            event=event,
            slot=slot,
            contact=BookingContact("email", address=f"{mail}{n}@example.jp"),
            locale="ja",
            now=utcnow(),
            answers=(answer,),
        )
        confirm_address(session, booking, now=utcnow())
    session.commit()
    return slot


def create_card(
    session: Session,
    settings: Settings,
    *,
    organisation: Organisation,
    departments: Sequence[str],
    phone: str = "09012345678",
    note: str = "平日の夕方は子どもの迎えがあります。",
    needs: Sequence[str] = ("money", "housing"),
) -> Card:
    """A family's card as the parent saves it, shared with `departments`."""
    told = Told(
        stage="divorced",
        since=None,
        children=("elementary",),
        needs=tuple(needs),
        income_band="under-2m",
        support_agreed="no",
        contact_way="phone",
        contact=phone,
        safe_times=("afternoon",),
        may_say_city=False,
        unsafe_at_home=False,
        note=note,
        locale="ja",
    )
    card = make_card(session, settings, organisation.id or 0, told, departments, now=utcnow())
    session.commit()
    return card


def create_allowance_table(
    session: Session,
    *,
    organisation: Organisation,
    effective: date,
    source: str = "次の年度の表",
    **changes: int,
) -> AllowanceTable:
    """A city's own table of the allowance's figures from `effective`: the latest shipped
    figures, with `changes`."""
    figures = {name: getattr(shipped_tables()[-1], name) for name in FIGURES}
    table = AllowanceTable(
        organisation_id=organisation.id or 0,
        effective=effective,
        source=source,
        **{**figures, **changes},
    )
    session.add(table)
    session.commit()
    return table
