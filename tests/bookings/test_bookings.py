"""Booking a place: from the event's page with an email address, or recognised by a notice's
link; the confirmation with its calendar file, reminders at their time through the ledger, the
waiting list and its offers, moving and cancelling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from service.bookings.booking import Contact, book, cancel, expire_offers
from service.bookings.models import Booking, BookingStatus, EventProgramme, Slot
from service.models import Delivery, DeliveryKind, DeliveryStatus, Endpoint
from service.parent_links import LinkMaker
from service.support.models import Programme
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_catalogue,
    create_event,
    create_organisation,
    create_subscriber,
    create_topic,
)
from tests.outbox import html_body, read_outbox, text_body

TOKYO = ZoneInfo("Asia/Tokyo")


def _in_ten_days() -> datetime:
    day = (utcnow() + timedelta(days=10)).astimezone(TOKYO).date()
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=TOKYO).astimezone(UTC)


@pytest.fixture
def city(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    return city, topic


def _book(client, event, **data):
    path = f"/e/{event.public_id}" + (f"?link={data['link']}" if data.get("link") else "")
    slot = data.pop("slot", None)
    form = {
        "csrf_token": csrf_token(client, path),
        "consent": "y",
        "childcare": "0",
        **({"slot": str(slot)} if slot else {}),
        **data,
    }
    return client.post(f"/e/{event.public_id}", data=form)


def _slot(session, event):
    return session.exec(select(Slot).where(Slot.event_id == event.id)).one()


def press_confirm_in_email(client, path):
    """The button the email to a typed address opens: a page, then the press."""
    assert client.get(path).status_code == 200
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def _booked(client, event, **data):
    """Booked with a typed address, and the address confirmed as its owner does (the link the
    email carries, made the same way)."""
    response = _book(client, event, **data)
    assert response.status_code == 303, response.get_data(as_text=True)
    session = client.application.extensions["yorisou.database"].session()
    address = data["email"]
    booking = session.exec(select(Booking).where(Booking.address == address)).one()
    settings = client.application.extensions["yorisou.settings"]
    link = LinkMaker(settings).confirm_booking(booking.public_id)
    assert (
        press_confirm_in_email(client, link.removeprefix(settings.public_base_url)).status_code
        == 303
    )
    session.close()
    return response


def test_a_parent_books_with_an_email_address_and_gets_the_confirmation(
    client, session, city, worker, settings
):
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days(), capacity=2)
    slot = _slot(session, event)
    page = client.get(f"/e/{event.public_id}").get_data(as_text=True)
    assert "親支援講座「離婚後の子育て」" in page and "2" in page
    response = _book(client, event, slot=slot.id, email="ｐａｒｅｎｔ＠ｅｘａｍｐｌｅ．ｊｐ")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://yorisou.example.jp/b/")
    booking = session.exec(select(Booking)).one()
    # Held for the typed address until its owner confirms it.
    assert (booking.status, booking.address, booking.channel) == (
        "held",
        "parent@example.jp",
        "email",
    )
    session.refresh(slot)
    assert slot.booked == 1
    assert [d.kind for d in session.exec(select(Delivery)).all()] == ["hold"]
    after_form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "メールでご予約を確定してください" in after_form and "p***@example.jp" in after_form
    assert "/confirm" not in after_form  # only the email can confirm it

    worker.run_once()
    [hold] = read_outbox(settings.outbox_dir)
    assert hold["To"] == "parent@example.jp" and "講座" not in hold["Subject"]
    assert "ボタンを押して予約を確定してください" in text_body(hold)
    confirm = re.search(
        r"https://yorisou\.example\.jp(/b/[\w.\-]+/confirm)", text_body(hold)
    ).group(1)
    assert press_confirm_in_email(client, confirm).status_code == 303
    assert press_confirm_in_email(client, confirm).status_code == 303  # pressed again: no change
    session.expire_all()
    assert session.get(Booking, booking.id).status == "booked"
    kinds = sorted(d.kind for d in session.exec(select(Delivery)).all())
    assert kinds == ["booked", "hold", "reminder", "reminder"]

    worker.run_once()
    [mail] = [
        m
        for m in read_outbox(settings.outbox_dir)
        if m.get_filename()
        or m.is_multipart()
        and any(p.get_content_type() == "text/calendar" for p in m.walk())
    ]
    assert mail["To"] == "parent@example.jp"
    # the subject says only whose message it is: 講座 names can say too much on a lock screen
    assert "講座" not in mail["Subject"]
    body = text_body(mail)
    assert "親支援講座「離婚後の子育て」" in body and "市役所本庁舎 5階 会議室" in body
    assert "筆記用具" in body
    assert f"予約番号：{booking.id}" in body  # what the parent says at reception
    assert f">{booking.id}</td>" in html_body(mail)
    own_page = re.search(r"https://yorisou\.example\.jp(/b/[\w.\-]+)", body).group(1)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [entry] = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == slot.starts_at
    assert str(entry["location"]) == "市役所本庁舎 5階 会議室"

    booking_page = client.get(own_page).get_data(as_text=True)
    assert "予約が確定しました" in booking_page and "予約を取り消す" in booking_page
    assert re.search(rf'<dd class="booking-number">{booking.id}<br>', booking_page)


def test_reminders_go_at_their_time_once_and_not_after_a_cancellation(
    client, session, city, worker, settings
):
    organisation, _ = city
    starts = _in_ten_days()
    event = create_event(session, organisation=organisation, starts_at=starts)
    slot = _slot(session, event)
    _booked(client, event, slot=slot.id, email="one@example.jp")
    _booked(client, event, slot=slot.id, email="two@example.jp")
    worker.run_once()
    # The confirmations; the emails asking to confirm went unsent, confirmed before they went.
    assert len(read_outbox(settings.outbox_dir)) == 2

    three_days_before = datetime.combine(
        starts.astimezone(TOKYO).date() - timedelta(days=3),
        datetime.min.time().replace(hour=18),
        TOKYO,
    )
    worker.run_once(three_days_before - timedelta(minutes=1))
    assert len(read_outbox(settings.outbox_dir)) == 2  # not yet

    two = session.exec(select(Booking).where(Booking.address == "two@example.jp")).one()
    token = LinkMaker(settings).booking(two.public_id).rsplit("/", 1)[1]
    cancelled = client.post(
        f"/b/{token}/cancel", data={"csrf_token": csrf_token(client, f"/b/{token}")}
    )
    assert cancelled.status_code == 303

    worker.run_once(three_days_before + timedelta(seconds=1))
    worker.run_once(three_days_before + timedelta(seconds=2))  # a second tick sends nothing twice
    mails = read_outbox(settings.outbox_dir)
    reminders = [m for m in mails if "ご予約の日が近づきました" in text_body(m)]
    assert [m["To"] for m in reminders] == ["one@example.jp"]
    withdrawn = session.exec(
        select(Delivery).where(
            Delivery.booking_id == two.id, Delivery.kind == DeliveryKind.REMINDER
        )
    ).all()
    assert {d.status for d in withdrawn} == {DeliveryStatus.SUPPRESSED}
    assert any(m["To"] == "two@example.jp" and "取り消し" in text_body(m) for m in mails)


def test_a_registered_parent_books_from_a_notice_link_without_typing_an_address(
    client, session, city, settings
):
    organisation, topic = city
    parent = create_subscriber(session, organisation=organisation, topics=[topic])
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == parent.id)).one()
    event = create_event(
        session,
        organisation=organisation,
        starts_at=_in_ten_days(),
        subscribers_only=True,
        topics=[topic],
    )
    slot = _slot(session, event)
    link = LinkMaker(settings).book(event.public_id, parent.public_id, endpoint.id, "ja")
    token = link.split("link=")[1]
    page = client.get(f"/e/{event.public_id}?link={token}").get_data(as_text=True)
    assert 'name="email"' not in page
    assert _book(client, event, slot=slot.id, link=token).status_code == 303
    booking = session.exec(select(Booking)).one()
    assert (booking.subscriber_id, booking.endpoint_id, booking.address) == (
        parent.id,
        endpoint.id,
        None,
    )
    assert booking.source_id == parent.source_id


def test_an_event_for_registered_parents_refuses_the_public_link(client, session, city):
    organisation, _ = city
    event = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), subscribers_only=True
    )
    slot = _slot(session, event)
    page = client.get(f"/e/{event.public_id}").get_data(as_text=True)
    assert 'name="slot"' not in page
    response = client.post(
        f"/e/{event.public_id}",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),  # the page has no form to send
            "slot": str(slot.id),
            "email": "someone@example.jp",
            "consent": "y",
        },
    )
    assert response.status_code == 400
    assert session.exec(select(Booking)).all() == []


def test_a_full_event_offers_the_waiting_list_then_a_freed_place_in_order(
    client, session, city, worker, settings
):
    organisation, _ = city
    event = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), capacity=1, offer_hours=24
    )
    slot = _slot(session, event)
    first = _booked(client, event, slot=slot.id, email="first@example.jp")
    _booked(client, event, slot=slot.id, email="second@example.jp")
    _booked(client, event, slot=slot.id, email="third@example.jp")
    statuses = {b.address: b.status for b in session.exec(select(Booking)).all()}
    assert statuses == {
        "first@example.jp": "booked",
        "second@example.jp": "waiting",
        "third@example.jp": "waiting",
    }
    full_page = client.get(f"/e/{event.public_id}").get_data(as_text=True)
    assert "キャンセル待ち" in full_page

    token = first.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/b/{token}/cancel", data={"csrf_token": csrf_token(client, f"/b/{token}")})
    session.expire_all()
    second = session.exec(select(Booking).where(Booking.address == "second@example.jp")).one()
    assert second.status == BookingStatus.OFFERED
    assert session.get(Slot, slot.id).booked == 1  # held for them

    worker.run_once()
    offer = [m for m in read_outbox(settings.outbox_dir) if m["To"] == "second@example.jp"][-1]
    offer_link = re.search(r"https://yorisou\.example\.jp(/b/[\w.\-]+)", text_body(offer)).group(1)

    # The offer is not taken in time: the next tick after it expires passes it on.
    expire_offers(session, now=utcnow() + timedelta(hours=25))
    session.expire_all()
    assert session.get(Booking, second.id).status == BookingStatus.CANCELLED
    third = session.exec(select(Booking).where(Booking.address == "third@example.jp")).one()
    assert third.status == BookingStatus.OFFERED
    assert "次の方にご案内しました" in client.get(offer_link).get_data(as_text=True)
    late = client.post(
        f"{offer_link}/accept", data={"csrf_token": csrf_token(client, "/staff/login")}
    )
    assert late.status_code == 409  # too late for the second

    third_token = LinkMaker(settings).booking(third.public_id).rsplit("/", 1)[1]
    accepted = client.post(
        f"/b/{third_token}/accept", data={"csrf_token": csrf_token(client, f"/b/{third_token}")}
    )
    assert accepted.status_code == 303
    session.expire_all()
    third = session.get(Booking, third.id)
    assert (third.status, third.was_waiting) == (BookingStatus.BOOKED, True)
    kinds = [
        d.kind for d in session.exec(select(Delivery).where(Delivery.booking_id == third.id)).all()
    ]
    assert kinds.count("reminder") == 2 and "booked" in kinds


def test_moving_to_another_time_frees_the_old_place(client, session, city):
    organisation, _ = city
    starts = _in_ten_days()
    event = create_event(
        session,
        organisation=organisation,
        starts_at=starts,
        capacity=1,
        rrule="FREQ=WEEKLY;COUNT=2",
    )
    first_slot, second_slot = session.exec(
        select(Slot).where(Slot.event_id == event.id).order_by(Slot.starts_at)
    ).all()
    response = _booked(client, event, slot=first_slot.id, email="mover@example.jp")
    token = response.headers["Location"].rsplit("/", 1)[1]
    moved = client.post(
        f"/b/{token}/move",
        data={"csrf_token": csrf_token(client, f"/b/{token}"), "slot": str(second_slot.id)},
    )
    assert moved.status_code == 303
    session.expire_all()
    assert (session.get(Slot, first_slot.id).booked, session.get(Slot, second_slot.id).booked) == (
        0,
        1,
    )
    assert session.exec(select(Booking)).one().slot_id == second_slot.id


def test_childcare_places_are_counted_apart(client, session, city):
    organisation, _ = city
    event = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), childcare_places=1
    )
    slot = _slot(session, event)
    assert (
        _book(client, event, slot=slot.id, email="a@example.jp", childcare="1").status_code == 303
    )
    refused = _book(client, event, slot=slot.id, email="b@example.jp", childcare="1")
    assert refused.status_code == 409
    assert "託児" in refused.get_data(as_text=True)
    assert _book(client, event, slot=slot.id, email="b@example.jp").status_code == 303
    session.refresh(slot)
    assert (slot.booked, slot.childcare_booked) == (2, 1)


def test_booking_outside_the_window_and_twice_is_refused(client, session, city):
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days())
    slot = _slot(session, event)
    assert _book(client, event, slot=slot.id, email="twice@example.jp").status_code == 303
    again = _book(client, event, slot=slot.id, email="twice@example.jp")
    assert again.status_code == 409
    with pytest.raises(Exception, match="closed"):
        book(
            session,
            event=event,
            slot=slot,
            contact=Contact("email", address="late@example.jp"),
            locale="ja",
            now=slot.starts_at - timedelta(hours=1),
        )


def test_bad_input_gets_a_clear_answer(client, session, city):
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days())
    slot = _slot(session, event)
    no_email = _book(client, event, slot=slot.id)
    assert no_email.status_code == 400
    assert "メールアドレス" in no_email.get_data(as_text=True)
    no_slot = _book(client, event, email="x@example.jp")
    assert no_slot.status_code == 400
    assert client.get("/e/NOSUCHID").status_code == 404
    assert client.get("/b/not-a-token").status_code in (400, 404, 410)
    assert session.exec(select(Booking)).all() == []


def test_the_guide_leads_from_a_desk_to_its_consultation_day(client, session, city):
    organisation, _ = city
    desks = create_catalogue(session, organisation=organisation)
    desk = desks["こども家庭課 ひとり親支援係"]
    event = create_event(
        session,
        organisation=organisation,
        starts_at=_in_ten_days(),
        desk_id=desk.id,
        title_ja="弁護士による無料法律相談",
    )
    serves = session.exec(select(Programme).where(Programme.slug == "yoikuhi-kosei-shosho")).one()
    session.add(EventProgramme(event_id=event.id, programme_id=serves.id))
    session.commit()
    page = client.post(
        "/guide/aoba",
        data={"csrf_token": csrf_token(client, "/guide/aoba"), "worries": "child-support"},
    ).get_data(as_text=True)
    assert f"/e/{event.public_id}" in page and "予約：弁護士による無料法律相談" in page


def test_an_offer_that_expired_while_the_worker_was_stopped_passes_on_at_its_next_run(
    client, session, city, worker
):
    organisation, _ = city
    event = create_event(
        session, organisation=organisation, starts_at=_in_ten_days(), capacity=1, offer_hours=2
    )
    slot = _slot(session, event)
    first = _booked(client, event, slot=slot.id, email="first@example.jp")
    _booked(client, event, slot=slot.id, email="second@example.jp")
    _booked(client, event, slot=slot.id, email="third@example.jp")
    token = first.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/b/{token}/cancel", data={"csrf_token": csrf_token(client, f"/b/{token}")})
    # the worker was down for a day: its first run finds the offer expired
    worker.run_once(utcnow() + timedelta(days=1))
    session.expire_all()
    statuses = {b.address: b.status for b in session.exec(select(Booking)).all()}
    assert statuses["second@example.jp"] == "cancelled"
    assert statuses["third@example.jp"] == "offered"
    second = session.exec(select(Booking).where(Booking.address == "second@example.jp")).one()
    assert second.cancelled_by == "expired"


def test_what_a_parent_gave_is_erased_after_the_retention_period(client, session, city, worker):
    organisation, _ = city
    event = create_event(
        session,
        organisation=organisation,
        starts_at=_in_ten_days(),
        questions=[{"ja": "相談したいこと", "en": "", "easy": "", "required": False}],
    )
    slot = _slot(session, event)
    _booked(client, event, slot=slot.id, email="gone@example.jp", answer_0="養育費")
    booking = session.exec(select(Booking)).one()
    assert booking.answers == ["養育費"]
    worker.upkeep(slot.ends_at + timedelta(days=89))
    session.expire_all()
    assert session.get(Booking, booking.id).address == "gone@example.jp"  # not yet
    worker.upkeep(slot.ends_at + timedelta(days=91))
    session.expire_all()
    erased = session.get(Booking, booking.id)
    assert (erased.address, erased.answers, erased.erased_at is not None) == (None, [], True)
    assert erased.status == "booked"  # the count stays for the reports
    token = (
        LinkMaker(client.application.extensions["yorisou.settings"])
        .booking(erased.public_id)
        .rsplit("/", 1)[1]
    )
    assert client.get(f"/b/{token}").status_code == 410


def test_two_cancellations_of_one_booking_give_its_place_back_once(client, session, city, database):
    """A double tap, or the parent and the worker at once: the second finds it cancelled."""
    organisation, _ = city
    event = create_event(session, organisation=organisation, starts_at=_in_ten_days(), capacity=1)
    slot = _slot(session, event)
    _booked(client, event, slot=slot.id, email="first@example.jp")
    _booked(client, event, slot=slot.id, email="second@example.jp")
    first = session.exec(select(Booking).where(Booking.address == "first@example.jp")).one()
    with database.session() as one, database.session() as other:
        stale = other.get(Booking, first.id)  # read before the first cancellation
        cancel(one, one.get(Booking, first.id), now=utcnow(), by="parent")
        one.commit()
        cancel(other, stale, now=utcnow(), by="parent")
        other.commit()
    session.expire_all()
    assert session.get(Slot, slot.id).booked == 1  # held for the second, not given back twice
    statuses = sorted(b.status for b in session.exec(select(Booking)).all())
    assert statuses == ["cancelled", "offered"]
    told = session.exec(
        select(Delivery).where(Delivery.booking_id == first.id, Delivery.kind == "cancelled")
    ).all()
    assert len(told) == 1
