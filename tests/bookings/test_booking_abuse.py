"""Bookings that cannot be gamed: a typed address holds a place only until its owner confirms
it, one mailbox has one booking of an event however it is spelled, an offer taken in time
stays taken, an erased booking leaves nothing that leads to the parent, and a parent's link
to book is bound to its event and expires."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import select

from service import create_app
from service.bookings.booking import accept_offer, expire_offers
from service.bookings.models import Booking, BookingStatus, Slot
from service.mailbox_cap import EMAILS_PER_DAY
from service.models import Delivery, DeliveryKind, Endpoint
from service.parent_links import LinkMaker
from service.types import utcnow
from tests.bookings.test_bookings import _book, _booked, _in_ten_days, _slot
from tests.conftest import csrf_token, sign_up
from tests.factories import (
    create_catalogue,
    create_event,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox, text_body


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    create_catalogue(session, organisation=city)
    return city, create_topic(session, organisation=city)


def _statuses(session) -> dict[str, str]:
    session.expire_all()
    return {b.address: b.status for b in session.exec(select(Booking))}


@pytest.mark.parametrize(
    "spelling",
    [
        "Victim@Gmail.com",
        "victim+1@gmail.com",
        "v.i.c.t.i.m@googlemail.com",
        "VICTIM+seminar@gmail.com",
    ],
)
def test_one_mailbox_books_an_event_once_however_it_is_spelled(client, session, city, spelling):
    organisation, _ = city
    event = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), rrule="FREQ=WEEKLY;COUNT=3"
    )
    first, second, _ = session.exec(
        select(Slot).where(Slot.event_id == event.id).order_by(Slot.starts_at)
    ).all()
    assert _book(client, event, slot=first.id, email="victim@gmail.com").status_code == 303
    again = _book(client, event, slot=second.id, email=spelling)  # another time: move instead
    assert again.status_code == 409 and "すでに予約" in again.get_data(as_text=True)
    assert len(_statuses(session)) == 1


def test_a_place_held_for_a_typed_address_goes_back_unless_confirmed(
    client, session, city, worker, settings
):
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days(), capacity=1)
    slot = _slot(session, event)
    _book(client, event, slot=slot.id, email="forged@example.jp")  # someone else's address
    _booked(client, event, slot=slot.id, email="parent@example.jp")  # full: on the list
    assert _statuses(session) == {"forged@example.jp": "held", "parent@example.jp": "waiting"}
    worker.run_once()
    worker.bookings(utcnow() + timedelta(minutes=29))
    assert _statuses(session)["forged@example.jp"] == "held"
    worker.bookings(utcnow() + timedelta(minutes=31))
    assert _statuses(session) == {"forged@example.jp": "cancelled", "parent@example.jp": "offered"}
    held = session.exec(select(Booking).where(Booking.address == "forged@example.jp")).one()
    assert held.cancelled_by == "unconfirmed"
    assert session.get(Slot, slot.id).booked == 1  # the place, now offered to the parent
    worker.run_once(utcnow() + timedelta(minutes=32))
    forged = [m for m in read_outbox(settings.outbox_dir) if m["To"] == "forged@example.jp"]
    assert len(forged) == 1 and "確定してください" in text_body(forged[0])  # the ask, no more
    # Too late to confirm now: a clear answer, and the place stays with the next.
    link = (
        LinkMaker(settings).confirm_booking(held.public_id).removeprefix(settings.public_base_url)
    )
    late = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert late.status_code == 409 and "確認の期限を過ぎたため" in late.get_data(as_text=True)


def test_an_unconfirmed_turn_on_the_waiting_list_is_never_offered_a_place(client, session, city):
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days(), capacity=1)
    slot = _slot(session, event)
    first = _booked(client, event, slot=slot.id, email="first@example.jp")
    _book(client, event, slot=slot.id, email="unconfirmed@example.jp")
    _booked(client, event, slot=slot.id, email="confirmed@example.jp")
    token = first.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/b/{token}/cancel", data={"csrf_token": csrf_token(client, f"/b/{token}")})
    statuses = _statuses(session)
    assert statuses["unconfirmed@example.jp"] == "waiting"
    assert statuses["confirmed@example.jp"] == "offered"


def test_every_email_a_form_causes_counts_against_one_daily_cap(
    client, session, city, worker, settings
):
    organisation, topic = city
    assert sign_up(client, topic_ids=[topic.id], email="victim@example.jp").status_code == 303

    def ask(address):
        return client.post(
            "/guide/aoba/request",
            data={
                "csrf_token": csrf_token(client, "/guide/aoba"),
                "programme": "jido-teate",
                "contact_way": "email",
                "email": address,
                "consent": "y",
            },
        )

    assert ask("Victim+2@example.jp").status_code == 303
    seminars = [
        create_event(session, organisation=organisation, starts_at=_in_ten_days()) for _ in range(2)
    ]
    held = _book(
        client, seminars[0], slot=_slot(session, seminars[0]).id, email="VICTIM@example.jp"
    )
    assert held.status_code == 303
    # The fourth email of the day: a booking that could never be confirmed is refused...
    refused = _book(
        client, seminars[1], slot=_slot(session, seminars[1]).id, email="victim+3@example.jp"
    )
    assert refused.status_code == 409
    assert "今日はこれ以上メールを送れません" in refused.get_data(as_text=True)
    # ...and a request is taken, without its acknowledgement.
    assert ask("victim+4@example.jp").status_code == 303
    worker.run_once()
    mails = [m for m in read_outbox(settings.outbox_dir) if "victim" in str(m["To"]).lower()]
    assert len(mails) == EMAILS_PER_DAY


def test_an_offer_taken_in_time_stays_taken_when_the_expiry_runs_at_that_moment(
    client, session, city, database
):
    organisation, _ = city
    event = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), capacity=1, offer_hours=2
    )
    slot = _slot(session, event)
    first = _booked(client, event, slot=slot.id, email="first@example.jp")
    _booked(client, event, slot=slot.id, email="second@example.jp")
    token = first.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/b/{token}/cancel", data={"csrf_token": csrf_token(client, f"/b/{token}")})
    second = session.exec(select(Booking).where(Booking.address == "second@example.jp")).one()
    deadline = session.get(Booking, second.id).offer_expires_at

    # The expiry job reads the offers due at the deadline; the parent's press, a moment before
    # the deadline, commits between that read and the job's change.
    with database.session() as job, database.session() as parent:

        def press_between(orm_execute):  # after the job's read of the offers due
            if orm_execute.is_select and not pressed:
                pressed.append(True)
                accept_offer(
                    parent, parent.get(Booking, second.id), now=deadline - timedelta(seconds=1)
                )
                parent.commit()

        pressed: list[bool] = []
        sa_event.listen(job, "do_orm_execute", press_between)
        expire_offers(job, now=deadline)
    session.expire_all()
    taken = session.get(Booking, second.id)
    assert (taken.status, taken.cancelled_by) == (BookingStatus.BOOKED, "")
    assert session.get(Slot, slot.id).booked == 1
    cancelled = session.exec(
        select(Delivery).where(Delivery.booking_id == second.id, Delivery.kind == "cancelled")
    ).all()
    assert cancelled == []


def test_an_erased_booking_leaves_nothing_that_leads_to_the_parent(
    client, session, city, worker, settings
):
    organisation, topic = city
    parent = create_subscriber(
        session, organisation=organisation, topics=[topic], email="p@example.jp"
    )
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == parent.id)).one()
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days())
    slot = _slot(session, event)
    link = LinkMaker(settings).book(event.public_id, parent.public_id, endpoint.id, "ja")
    assert _book(client, event, slot=slot.id, link=link.split("link=")[1]).status_code == 303
    booking = session.exec(select(Booking)).one()
    assert booking.mailbox_hash is not None
    worker.run_once()
    worker.upkeep(slot.ends_at + timedelta(days=settings.request_retention_days + 1))
    session.expire_all()
    erased = session.get(Booking, booking.id)
    assert (erased.subscriber_id, erased.endpoint_id, erased.mailbox_hash) == (None, None, None)
    messages = session.exec(select(Delivery).where(Delivery.booking_id == booking.id)).all()
    assert messages and all(m.endpoint_id is None and m.body is None for m in messages)


def _booking_link(settings, session, organisation, topic, event) -> str:
    parent = create_subscriber(session, organisation=organisation, topics=[topic])
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == parent.id)).one()
    return LinkMaker(settings).book(event.public_id, parent.public_id, endpoint.id, "ja")


def test_a_booking_link_opens_its_own_event_only_and_ends_with_a_new_link(
    client, session, city, settings
):
    organisation, topic = city
    seminar = create_event(session, organisation=organisation, starts_at=_in_ten_days())
    other = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), subscribers_only=True
    )
    link = _booking_link(settings, session, organisation, topic, seminar)
    token = link.split("link=")[1]
    assert client.get(f"/e/{seminar.public_id}?link={token}").status_code == 200
    borrowed = client.get(f"/e/{other.public_id}?link={token}")
    page = borrowed.get_data(as_text=True)
    assert borrowed.status_code == 410 and "/link" in page and "リンクを送ってもらう" in page
    assert f'href="/e/{other.public_id}"' in page  # or book by typing an address


@pytest.mark.parametrize("purpose", ["book", "ask"])
def test_book_and_ask_links_expire_as_set(settings, database, session, city, purpose):
    organisation, topic = city
    expired = replace(settings, book_link_days=-1, ask_link_days=-1)  # anything signed is old
    client = create_app(expired, database).test_client()
    seminar = create_event(session, organisation=organisation, starts_at=_in_ten_days())
    parent = create_subscriber(session, organisation=organisation, topics=[topic])
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == parent.id)).one()
    links = LinkMaker(settings)
    link = (
        links.book(seminar.public_id, parent.public_id, endpoint.id, "ja")
        if purpose == "book"
        else links.ask("aoba", parent, endpoint.id)
    )
    response = client.get(link.removeprefix(settings.public_base_url))
    assert response.status_code == 410
    assert "リンクを送ってもらう" in response.get_data(as_text=True)
    assert re.search(r"このリンクはもう使えません", response.get_data(as_text=True))


def test_a_typed_booking_is_never_confirmed_from_the_page_after_the_form(
    client, session, city, settings
):
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days())
    response = _book(client, event, slot=_slot(session, event).id, email="victim@example.jp")
    page_path = response.headers["Location"].removeprefix(settings.public_base_url)
    # The booking page's own token does not confirm it.
    assert (
        client.post(
            f"{page_path}/confirm", data={"csrf_token": csrf_token(client, page_path)}
        ).status_code
        == 400
    )
    assert _statuses(session) == {"victim@example.jp": "held"}
    assert session.exec(select(Delivery.kind)).all() == [DeliveryKind.HOLD]
