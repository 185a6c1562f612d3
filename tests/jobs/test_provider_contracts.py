"""Every kind of message Yorisou sends, in every language, through SendGrid and LINE as they are
spoken to (the fakes refuse what the providers' published API descriptions and documented
limits refuse): nothing is refused, everything is sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.bookings.booking import (
    Contact as BookingContact,
)
from service.bookings.booking import book, cancel, confirm_address
from service.bookings.city_actions import send_news
from service.bookings.models import Slot
from service.importing import import_subscribers
from service.models import Delivery, DeliveryStatus, Endpoint, Role, StaffMessage
from service.notices import queue_test_email, tell_staff
from service.staff_messages import tell_staff_member
from service.support.models import ContactWay, RequestMessage
from service.support.requests import Contact, answer, open_request, transfer
from service.types import utcnow
from tests.conftest import with_line, with_sendgrid
from tests.factories import (
    add_endpoint,
    create_catalogue,
    create_event,
    create_notice,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.fakes.line import user_id

LANGUAGES = ("ja", "en", "easy")


@pytest.fixture
def app(settings, database, fake_sendgrid, fake_line):
    return create_app(with_line(with_sendgrid(settings, fake_sendgrid), fake_line), database)


def _unsent(session) -> list[str]:
    session.expire_all()
    return [
        f"{model.__name__} {row.kind}: {row.status} {row.last_error}"
        for model in (Delivery, RequestMessage, StaffMessage)
        for row in session.exec(select(model))
        if row.status != DeliveryStatus.SENT
        # Withdrawn before they went: the ask to confirm an address confirmed meanwhile, and
        # what a booking cancelled meanwhile would still have had.
        and not (model is Delivery and row.last_error in ("booking changed", "booking cancelled"))
    ]


def test_every_message_in_every_language_is_one_the_providers_accept(
    app, session, fake_sendgrid, fake_line
):
    # Noon in Tokyo tomorrow: LINE is not held for quiet hours.
    now = (utcnow() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    desks = create_catalogue(session, organisation=city)
    desk, other_desk = list(desks.values())[:2]
    admin = create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    author = create_staff(session, organisation=city, email="author@aoba.example.jp")
    other_desk.notify_email = "desk@aoba.example.jp"  # its list: the request passed on to it
    session.add(other_desk)
    session.commit()
    parents = {}
    for language in LANGUAGES:
        parents[language] = create_subscriber(
            session,
            organisation=city,
            topics=[topic],
            locale=language,
            email=f"{language}@example.jp",
        )
        add_endpoint(
            session,
            subscriber=parents[language],
            channel="line",
            address=user_id(language),
        )
    endpoints = {(e.subscriber_id, e.channel): e for e in session.exec(select(Endpoint)).all()}
    with app.app_context():
        # Notices, a staff member's test send, and the emails about notices to staff.
        notice = create_notice(
            session, organisation=city, topics=[topic], starts_at=now, channels=["email", "line"]
        )
        notice.title_en, notice.body_en = "Current-status report", "Please send it by 31 August."
        notice.title_easy, notice.body_easy = "げんきょうとどけ", "8月31日までに 出して ください。"
        session.add(notice)
        queue_test_email(session, notice=notice, staff=author, now=now - timedelta(minutes=5))
        for action, actor in (("submit", author), ("approve", admin), ("return", admin)):
            notice.contributors, notice.author_id = [author.id], author.id
            tell_staff(session, notice, action, actor, now)
        tell_staff_member(session, author, "reset", now=now)
        tell_staff_member(session, admin, "locked", now=now, about=author)
        # An imported parent's first message, by email and by LINE.
        import_subscribers(
            session,
            city,
            [
                {"email": "moved@example.jp", "topics": topic.slug, "consent_date": "2020-04-01"},
                {
                    "line_user_id": user_id("moved"),
                    "topics": topic.slug,
                    "consent_date": "2020-04-01",
                    "language": "en",
                },
            ],
            now=now,
            dry_run=False,
        )
        # Bookings: held, confirmed with reminders, waiting, offered, cancelled, news.
        event = create_event(
            session, organisation=city, starts_at=now + timedelta(days=2), capacity=2
        )
        slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
        contacts = [
            (BookingContact("email", address=f"typed-{language}@example.jp"), language)
            for language in LANGUAGES
        ]
        contacts.append(
            (
                BookingContact(
                    "line",
                    endpoints[(parents["en"].id, "line")].id,
                    parents["en"].id,
                ),
                "en",
            )
        )
        bookings = []
        for contact, language in contacts:
            booking = book(
                session, event=event, slot=slot, contact=contact, locale=language, now=now
            )
            if contact.address and language != "easy":  # its ask to confirm goes out
                confirm_address(session, booking, now=now)
            bookings.append(booking)
        send_news(session, slot, body="会場が3階に変わりました。", now=now)
        cancel(session, bookings[0], now=now, by="parent")  # the next on the list is offered it
        # Consultation requests: received, answered, passed on; by email and LINE.
        requests = []
        for language in LANGUAGES:
            requests.append(
                open_request(
                    session,
                    organisation=city,
                    desk=desk,
                    contact=Contact(way=ContactWay.EMAIL, email=f"ask-{language}@example.jp"),
                    locale=language,
                    now=now,
                )
            )
        requests.append(
            open_request(
                session,
                organisation=city,
                desk=desk,
                contact=Contact(way=ContactWay.LINE, line_user_id=user_id("ask")),
                locale="ja",
                now=now,
            )
        )
        for request in requests:
            answer(
                session,
                request,
                "お電話しましたが、つながりませんでした。",
                staff_id=admin.id,
                now=now,
            )
        transfer(session, requests[1], other_desk, "", staff_id=admin.id, now=now)
        session.commit()

    worker = Worker(app)
    for tick in (now, now + timedelta(seconds=5)):
        worker.run_once(tick)
    worker.desk_lists(now.replace(hour=23, minute=40))  # 08:40 in Tokyo: the desk's list
    day_before = slot.starts_at - timedelta(hours=16)  # 18:00 the day before, in Tokyo
    worker.run_once(day_before + timedelta(minutes=1))

    assert _unsent(session) == [], _unsent(session)
    session.expire_all()
    kinds = {d.kind for d in session.exec(select(Delivery)).all()}
    assert kinds >= {
        "notice",
        "test",
        "moved",
        "hold",
        "booked",
        "waiting",
        "offer",
        "cancelled",
        "event-news",
        "reminder",
    }
    assert {m.kind for m in session.exec(select(RequestMessage))} == {
        "received",
        "answer",
        "transferred",
    }
    received = {r.to for r in fake_sendgrid.received}
    assert {f"{language}@example.jp" for language in LANGUAGES} <= received
    # Each email names its own row for SendGrid's events: a delivery of the ledger, or a row of
    # a small outbox — never a number another table shares.
    outboxes = set()
    for email in fake_sendgrid.received:
        if "outbox" in email.custom_args:
            table, _, row = email.custom_args["outbox"].partition(":")
            outboxes.add(table)
            assert row.isdigit() and "delivery_id" not in email.custom_args
        else:
            assert session.get(Delivery, int(email.custom_args["delivery_id"])) is not None
    assert outboxes == {"request_message", "staff_message", "desk_list"}
    assert {"moved@example.jp", "desk@aoba.example.jp", "admin@aoba.example.jp"} <= received
    assert {user_id(language) for language in LANGUAGES} | {user_id("ask"), user_id("moved")} <= {
        sent.to for sent in fake_line.sent
    }
    staff_kinds = {m.kind for m in session.exec(select(StaffMessage))}
    assert staff_kinds == {"submit", "approve", "return", "reset", "locked"}
