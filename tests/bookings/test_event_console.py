"""Events in the console: set one up (its slots follow), run the day (the list opened is in
the audit log, check-in, CSV with only what the event asked), tell everyone booked, cancel."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from service.bookings.booking import Contact, accept_offer, book, cancel, confirm_address
from service.bookings.models import Booking, BookingStatus, Event, Slot
from service.models import AuditEvent, Delivery, DeliveryKind, Role
from service.support.models import Desk
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import create_event, create_organisation, create_staff, create_topic, fill_slot
from tests.outbox import read_outbox, text_body
from tests.staff.test_staff_notices import login

KODOMO = "こども家庭課"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    for email, role, department in [
        ("kodomo@aoba.example.jp", Role.EDITOR, KODOMO),
        ("hoken@aoba.example.jp", Role.EDITOR, "保険年金課"),
        ("admin@aoba.example.jp", Role.ADMIN, ""),
    ]:
        create_staff(session, organisation=city, email=email, role=role, department=department)
    return city


def _event_form(client, **values):
    day = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%d")
    data = {
        "csrf_token": csrf_token(client, "/staff/events/new"),
        "title_ja": "弁護士による無料法律相談",
        "place_ja": "市役所 3階 相談室",
        "department": KODOMO,
        "desk": "0",
        "starts_at": f"{day}T13:00",
        "duration_minutes": "180",
        "slot_minutes": "30",
        "capacity": "1",
        "childcare_places": "0",
        "opens_days": "60",
        "closes_hours": "24",
        "offer_hours": "24",
        "holiday_shift": "none",
        "reminder_0_days": "1",
        "reminder_0_at": "18:00",
        "question_0_ja": "相談したいこと（養育費、親権など）",
        "question_0_required": "y",
        **values,
    }
    return client.post("/staff/events/new", data=data)


def test_a_consultation_day_in_thirty_minute_slots(client, session, city):
    login(client, "kodomo@aoba.example.jp")
    response = _event_form(client)
    assert response.status_code == 303
    event = session.exec(select(Event)).one()
    slots = session.exec(
        select(Slot).where(Slot.event_id == event.id).order_by(Slot.starts_at)
    ).all()
    assert len(slots) == 6 and all(slot.capacity == 1 for slot in slots)
    assert (slots[1].starts_at - slots[0].starts_at) == timedelta(minutes=30)
    assert event.questions == [
        {"ja": "相談したいこと（養育費、親権など）", "en": "", "easy": "", "required": True}
    ]
    assert event.reminders == [{"days": 1, "at": "18:00"}]
    [saved] = session.exec(select(AuditEvent).where(AuditEvent.action == "event.save")).all()
    assert saved.detail["after"]["title_ja"] == "弁護士による無料法律相談"
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "13:00" in page and "13:30" in page and f"予約 <code>{event.public_id}</code>" in page


def test_a_repeating_event_and_a_bad_rule(client, session, city):
    login(client, "kodomo@aoba.example.jp")
    bad = _event_form(client, repeat="custom", rrule="FREQ=MINUTELY")
    assert bad.status_code == 400 and "繰り返しの指定が正しくありません" in bad.get_data(
        as_text=True
    )
    assert session.exec(select(Event)).all() == []
    good = _event_form(
        client, repeat="weekly", repeat_weekdays=["SA"], slot_minutes="", capacity="20"
    )
    assert good.status_code == 303
    slots = session.exec(select(Slot)).all()
    assert 5 <= len(slots) <= 7  # weekly, from day 20 to the 61 days the window reaches


def test_staff_make_events_of_their_own_department_only(client, session, city):
    login(client, "hoken@aoba.example.jp")
    response = _event_form(client)
    assert response.status_code == 400
    assert "自分の課の行事だけ" in response.get_data(as_text=True)


def _booked_day(session, city, count=2):
    event = create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=10),
        questions=[{"ja": "相談したいこと", "en": "", "easy": "", "required": True}],
    )
    slot = fill_slot(session, event, [f"養育費のこと{n}" for n in range(count)], mail="parent")
    return event, slot


def test_the_days_list_is_for_the_department_and_every_opening_is_audited(client, session, city):
    event, slot = _booked_day(session, city)
    login(client, "hoken@aoba.example.jp")
    assert client.get(f"/staff/slots/{slot.id}").status_code == 403
    assert client.get(f"/staff/slots/{slot.id}/bookings.csv").status_code == 403
    login(client, "kodomo@aoba.example.jp")
    page = client.get(f"/staff/slots/{slot.id}").get_data(as_text=True)
    assert "養育費のこと0" in page and "養育費のこと1" in page
    assert "parent0@example.jp" not in page  # the address is for the messages, not the list
    csv_response = client.get(f"/staff/slots/{slot.id}/bookings.csv")
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["予約番号", "状態", "託児", "相談したいこと", "出欠", "来た窓口", "連絡方法"]
    assert {row[3] for row in rows[1:]} == {"養育費のこと0", "養育費のこと1"}
    assert not any("@" in cell for row in rows for cell in row)
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions.count("slot.open") == 1 and actions.count("slot.csv") == 1


def test_the_clerk_finds_a_booking_by_its_number_or_the_name_given(client, session, city):
    event, slot = _booked_day(session, city)
    first, second = session.exec(select(Booking).order_by(Booking.id)).all()
    login(client, "kodomo@aoba.example.jp")
    wide = str(second.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    found = client.get(f"/staff/slots/{slot.id}?find={wide}").get_data(as_text=True)
    assert "養育費のこと1" in found and "養育費のこと0" not in found
    by_answer = client.get(f"/staff/slots/{slot.id}?find=のこと0").get_data(as_text=True)
    assert "養育費のこと0" in by_answer and "養育費のこと1" not in by_answer
    none = client.get(f"/staff/slots/{slot.id}?find=9999999").get_data(as_text=True)
    assert "「9999999」に当たる予約はありません。" in none


def test_check_in_news_and_cancelling_a_slot(client, session, city, worker, settings):
    event, slot = _booked_day(session, city)
    first, second = session.exec(select(Booking).order_by(Booking.id)).all()
    login(client, "kodomo@aoba.example.jp")
    token = csrf_token(client, f"/staff/slots/{slot.id}")
    early = client.post(
        f"/staff/slots/{slot.id}/attended", data={"csrf_token": token, "booking": first.id}
    )
    assert "出欠は当日だけ記録できます。" in client.get(early.headers["Location"]).get_data(
        as_text=True
    )
    session.expire_all()
    assert session.get(Booking, first.id).attended is None
    on_the_day = session.get(Slot, slot.id)
    on_the_day.starts_at = utcnow()  # the day has come
    session.add(on_the_day)
    session.commit()
    client.post(f"/staff/slots/{slot.id}/attended", data={"csrf_token": token, "booking": first.id})
    client.post(f"/staff/slots/{slot.id}/absent", data={"csrf_token": token, "booking": second.id})
    session.expire_all()
    assert (session.get(Booking, first.id).attended, session.get(Booking, second.id).attended) == (
        True,
        False,
    )

    news = "会場が 5階 第2会議室 に変わりました。%%unsubscribe_url%% {{ name }}"
    client.post(f"/staff/slots/{slot.id}/news", data={"csrf_token": token, "body": news})
    worker.run_once()
    mails = [m for m in read_outbox(settings.outbox_dir) if news in text_body(m)]
    assert sorted(m["To"] for m in mails) == ["parent0@example.jp", "parent1@example.jp"]

    client.post(
        f"/staff/slots/{slot.id}/cancel", data={"csrf_token": token, "body": "講師の急病のため"}
    )
    session.expire_all()
    assert {b.status for b in session.exec(select(Booking)).all()} == {BookingStatus.CANCELLED}
    assert session.get(Slot, slot.id).cancelled_at is not None
    worker.run_once()
    cancelled = [
        m for m in read_outbox(settings.outbox_dir) if "市の都合により中止" in text_body(m)
    ]
    assert len(cancelled) == 2 and all("講師の急病のため" in text_body(m) for m in cancelled)
    reminders = session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.REMINDER)).all()
    assert {d.status for d in reminders} == {"suppressed"}


def test_the_report_counts_attendance_no_shows_and_the_waiting_list(client, session, city):
    event, slot = _booked_day(session, city, count=3)
    first, second, third = session.exec(select(Booking).order_by(Booking.id)).all()
    first.attended, second.attended = True, False
    session.add_all([first, second])
    slot.capacity = 3
    late = book(
        session,
        event=event,
        slot=slot,
        contact=Contact("email", address="late@example.jp"),
        locale="ja",
        now=utcnow(),
    )
    confirm_address(session, late, now=utcnow())
    session.commit()
    assert late.status == BookingStatus.WAITING
    cancel(session, third, now=utcnow(), by="parent")
    accept_offer(session, session.get(Booking, late.id), now=utcnow())
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    page = client.get("/staff/events/report").get_data(as_text=True)
    assert "親支援講座「離婚後の子育て」" in page and "50%" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/staff/events/report.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert rows[0][0] == "区分"
    # booked 4 (three, and the one moved up), 1 cancelled, 1 came, 1 did not: 50 %
    assert rows[1][1:] == ["4", "1", "1", "1", "50", "1", "1"]
    assert rows[-1][0] == "合計"


def test_a_desks_day_and_its_bookings_belong_to_the_desks_department(client, session, city):
    dv = Desk(organisation_id=city.id, department="女性相談課", name_ja="女性相談・DV相談")
    own = Desk(organisation_id=city.id, department=KODOMO, name_ja="ひとり親相談")
    session.add_all([dv, own])
    session.commit()
    create_staff(session, organisation=city, email="dv@aoba.example.jp", department="女性相談課")
    login(client, "kodomo@aoba.example.jp")
    form = client.get("/staff/events/new").get_data(as_text=True)
    assert "ひとり親相談" in form and "女性相談・DV相談" not in form
    refused = _event_form(client, desk=str(dv.id))
    assert refused.status_code == 400 and session.exec(select(Event)).all() == []
    assert _event_form(client, desk=str(own.id)).status_code == 303

    # An admin may attach any desk: the day is then the desk's department's, whatever was typed.
    login(client, "admin@aoba.example.jp")
    assert _event_form(client, desk=str(dv.id), department=KODOMO).status_code == 303
    day = session.exec(select(Event).where(Event.desk_id == dv.id)).one()
    assert day.department == "女性相談課"
    slot = session.exec(select(Slot).where(Slot.event_id == day.id)).first()
    login(client, "kodomo@aoba.example.jp")
    assert client.get(f"/staff/slots/{slot.id}").status_code == 403
    assert client.get(f"/staff/events/{day.id}/edit").status_code == 403
    login(client, "dv@aoba.example.jp")
    assert client.get(f"/staff/slots/{slot.id}").status_code == 200

    # The desk moves to another department: its days and bookings go with it.
    login(client, "admin@aoba.example.jp")
    page = f"/staff/desks/{dv.id}"
    client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "department": "子育て支援課",
            "name_ja": "女性相談・DV相談",
            "response_days": "3",
            "takes_requests": "y",
            "active": "y",
        },
    )
    session.expire_all()
    assert session.get(Event, day.id).department == "子育て支援課"
