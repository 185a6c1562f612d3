"""プッシュ型の案内: a card whose parent asked to be told hears once of each programme it fits,
why, and what to do next — again only when the reason changes, never at night, never when home
is unsafe or they said no — and each department sees the families it may reach out to."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from jobs.worker import Worker
from service import create_app
from service.allowance.estimate import Figures
from service.bookings.models import EventProgramme, Slot
from service.cards.cards import Told, reveal, update_card
from service.cards.models import Card, CardMessage
from service.cards.outreach import queue_you_may
from service.encryption import encrypt
from service.models import Role
from service.support.models import Programme
from service.types import utcnow
from tests.conftest import csrf_token, with_sendgrid
from tests.factories import (
    create_allowance_table,
    create_card,
    create_catalogue,
    create_event,
    create_organisation,
    create_staff,
)
from tests.outbox import read_outbox, text_body
from tests.staff.test_staff_notices import login

KODOMO, HOKEN = "こども家庭課", "保険年金課"
TOKYO = ZoneInfo("Asia/Tokyo")
NOON = datetime(2027, 6, 9, 12, 0, tzinfo=TOKYO)


@pytest.fixture
def city(session):
    city = create_organisation(session)
    city.card_lead_department = KODOMO
    session.add(city)
    create_catalogue(session, organisation=city)
    for email, role, department in (
        ("kodomo@aoba.example.jp", Role.EDITOR, KODOMO),
        ("hoken@aoba.example.jp", Role.EDITOR, HOKEN),
        ("viewer@aoba.example.jp", Role.VIEWER, KODOMO),
    ):
        create_staff(session, organisation=city, email=email, role=role, department=department)
    session.commit()
    return city


# Kept from the estimate: 給与所得 of 900,000 yen, one dependent — under the full limit.
UNDER_FULL = Figures(income=900_000, support=0, dependents=1, income_year=2026)


def _card(session, settings, city, *, tell_me=True, way="email", unsafe=False, figures=UNDER_FULL):
    """Divorced, one child at elementary school, income under 2 million yen, no agreement."""
    card = create_card(session, settings, organisation=city, departments=[KODOMO])
    card.tell_me, card.unsafe_at_home, card.contact_way = tell_me, unsafe, way
    card.allowance_figures = figures.as_json()
    card.contact = encrypt(settings, "hanako@example.jp" if way == "email" else "09012345678")
    session.add(card)
    session.commit()
    return card


def _told_of(settings, card, **changes):
    """What the card says, as the parent's form would tell it again, with `changes`."""
    told = {
        "stage": card.stage,
        "since": card.since,
        "children": tuple(card.children),
        "needs": tuple(card.needs),
        "income_band": card.income_band,
        "support_agreed": card.support_agreed,
        "contact_way": card.contact_way,
        "contact": reveal(settings, card.contact),
        "safe_times": tuple(card.safe_times),
        "may_say_city": card.may_say_city,
        "unsafe_at_home": card.unsafe_at_home,
        "note": reveal(settings, card.note),
        "locale": card.locale,
        "tell_me": card.tell_me,
        "allowance_figures": Figures.read(card.allowance_figures),
    }
    return Told(**{**told, **changes})


def _told(session, card):
    session.expire_all()
    return sorted(
        session.get(Programme, m.programme_id).slug
        for m in session.exec(
            select(CardMessage).where(CardMessage.card_id == card.id, CardMessage.kind == "you-may")
        )
    )


def test_a_card_hears_once_of_each_programme_it_fits_and_why(session, settings, worker, city):
    card = _card(session, settings, city)
    worker.outreach(now=NOON)
    assert _told(session, card) == [
        "jido-fuyo-teate",
        "shugaku-enjo",
    ]  # not 養育費保証: no agreement
    worker.outreach(now=NOON)
    assert _told(session, card) == ["jido-fuyo-teate", "shugaku-enjo"]  # once

    assert worker.request_messages(now=NOON) == 2
    emails = read_outbox(settings.outbox_dir)
    assert {email["Subject"] for email in emails} == {"あおば市：相談カードについて"}  # discreet
    body = "\n".join(text_body(email) for email in emails)
    assert "「児童扶養手当」を使える可能性があります。" in body
    assert "答えた内容が、条件に合っています。" in body
    assert "https://yorisou.example.jp/card/c/" in body and "チェックを外してください" in body

    # The reason changes (a raise: now the partial allowance's): told again; a note changes
    # nothing.
    raised = replace(UNDER_FULL, income=1_500_000)
    update_card(
        session, settings, card, _told_of(settings, card, allowance_figures=raised), now=NOON
    )
    session.commit()
    worker.outreach(now=NOON)
    assert _told(session, card) == ["jido-fuyo-teate", "jido-fuyo-teate", "shugaku-enjo"]
    update_card(session, settings, card, _told_of(settings, card, note="引っ越しました"), now=NOON)
    session.commit()
    worker.outreach(now=NOON)
    assert len(_told(session, card)) == 3


@pytest.mark.parametrize(
    "kind", ["said-no", "home-unsafe", "by-phone"], ids=["said-no", "home-unsafe", "by-phone"]
)
def test_no_message_unless_asked_and_safe_and_writable(session, settings, worker, city, kind):
    card = _card(
        session,
        settings,
        city,
        tell_me=kind != "said-no",
        unsafe=kind == "home-unsafe",
        way="phone" if kind == "by-phone" else "email",
    )
    worker.outreach(now=NOON)
    assert _told(session, card) == []


def test_nothing_is_sent_in_the_quiet_hours(session, settings, worker, city):
    card = _card(session, settings, city)
    night = datetime(2027, 6, 9, 23, 30, tzinfo=TOKYO)
    worker.outreach(now=night)
    assert worker.request_messages(now=night) == 0
    [first, _] = session.exec(select(CardMessage).where(CardMessage.card_id == card.id)).all()
    assert first.next_attempt_at == datetime(2027, 6, 10, 8, 0, tzinfo=TOKYO)


def test_two_workers_at_once_queue_each_message_once(database, session, settings, app, city):
    cards = [_card(session, settings, city) for _ in range(20)]
    barrier = threading.Barrier(2)

    def run():
        with app.app_context(), Session(database.engine) as own:
            barrier.wait()
            queue_you_may(own, city, now=NOON, quiet=None)
            own.commit()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(_told(session, card) == ["jido-fuyo-teate", "shugaku-enjo"] for card in cards)


def test_a_new_years_limits_tell_a_family_the_day_they_take_effect(session, settings, worker, city):
    # 給与所得 2,660,000 yen, counted 2,480,000: over the partial limit for one dependent
    # (2,460,000).
    card = _card(session, settings, city, figures=replace(UNDER_FULL, income=2_660_000))
    worker.outreach(now=NOON)
    assert _told(session, card) == ["shugaku-enjo"]
    create_allowance_table(  # the partial limit 2,580,000 yen for one dependent
        session, organisation=city, effective=date(2027, 11, 1), fuyou_limit_partial=2_200_000
    )
    worker.outreach(now=datetime(2027, 10, 31, 12, 0, tzinfo=TOKYO))
    assert _told(session, card) == ["shugaku-enjo"]  # not yet in force
    first_day = datetime(2027, 11, 1, 12, 0, tzinfo=TOKYO)
    worker.outreach(now=first_day)
    assert _told(session, card) == ["jido-fuyo-teate", "shugaku-enjo"]
    worker.outreach(now=first_day)
    assert _told(session, card) == ["jido-fuyo-teate", "shugaku-enjo"]  # once
    [message] = session.exec(
        select(CardMessage).where(CardMessage.reason.contains("allowance"))
    ).all()
    assert "allowance=partial" in message.reason
    assert worker.request_messages(now=first_day) == 2
    body = "\n".join(text_body(email) for email in read_outbox(settings.outbox_dir))
    assert "「児童扶養手当」を使える可能性があります。" in body
    assert "2027年11月1日からの手当の限度額で見ると" in body


def test_each_department_sees_the_families_it_may_reach_out_to(
    client, session, settings, worker, city
):
    told = _card(session, settings, city)
    quiet = _card(session, settings, city, tell_me=False)
    worker.outreach(now=NOON)
    programme = session.exec(select(Programme).where(Programme.slug == "jido-fuyo-teate")).one()
    path = f"/staff/outreach?programme={programme.id}"
    login(client, "kodomo@aoba.example.jp")
    page = client.get(path).get_data(as_text=True)
    assert f"{told.id}番" in page and f"{quiet.id}番" in page
    assert page.index(f"{quiet.id}番") < page.index(f"{told.id}番")  # never told: first
    assert "送信待ち" in page and "09012345678" not in page
    assert "送信待ち 1件" in page and "まだ知らせても連絡してもいない 1件" in page
    login(client, "hoken@aoba.example.jp")
    assert f"{told.id}番" not in client.get(path).get_data(as_text=True)  # not shared with it
    login(client, "viewer@aoba.example.jp")
    assert client.get(path).status_code == 403
    login(client, "kodomo@aoba.example.jp")
    assert client.get("/staff/outreach?programme=999999").status_code == 404


def test_life_event_dates_move_off_holidays_and_closed_days():
    from datetime import date

    from service.cards.reminders import reminders

    found = {
        r.key: r.on
        for r in reminders(["2021-06", "2010-02"], date(2022, 5, 1), frozenset(), date(2027, 6, 1))
    }
    # Born June 2021: primary school in April 2028; 15 January 2028 is a Saturday.
    assert found["primary:2028:0"] == date(2028, 1, 17)
    assert found["junior-high:2034:0"] == date(2034, 1, 16)  # the 15th is a Sunday
    # Born February 2010: 18 in February 2028, the allowance ends that March.
    assert found["allowance-ends:2028:1"] == date(2028, 1, 17)
    # Five years after May 2022: the August of 2027, told on 20 July (not 海の日, the 19th).
    assert found["exemption:2027"] == date(2027, 7, 20)
    # 25 July 2027 is a Sunday: the 現況届 reminder comes on Monday.
    assert found["genkyo:2027"] == date(2027, 7, 26)
    closed = frozenset({date(2027, 7, 26)})  # the city's own closed day
    later = {r.key: r.on for r in reminders([], date(2022, 5, 1), closed, date(2027, 6, 1))}
    assert later["genkyo:2027"] == date(2027, 7, 27)


def test_a_reminder_comes_on_its_day_once_and_never_weeks_late(session, settings, worker, city):
    card = _card(session, settings, city)
    card.birth_months, card.allowance_since = ["2021-06"], None
    session.add(card)
    session.commit()
    # Born June 2021: not at school until April 2028, whatever was ticked (elementary).
    programmes = {"jido-fuyo-teate", "hoikusho"}
    worker.outreach(now=datetime(2028, 1, 14, 12, 0, tzinfo=TOKYO))  # the Friday before
    assert set(_told(session, card)) == programmes  # the "you may" ones only
    worker.outreach(now=datetime(2028, 1, 17, 12, 0, tzinfo=TOKYO))
    worker.outreach(now=datetime(2028, 1, 18, 12, 0, tzinfo=TOKYO))
    reminders = session.exec(
        select(CardMessage).where(CardMessage.card_id == card.id, CardMessage.kind == "reminder")
    ).all()
    assert [r.reason for r in reminders] == ["primary:2028:0"]
    assert worker.request_messages(now=datetime(2028, 1, 18, 12, 0, tzinfo=TOKYO)) == 3
    body = "\n".join(text_body(email) for email in read_outbox(settings.outbox_dir))
    assert "お子さんは2028年4月に小学校に入学します。" in body and "就学援助" in body

    late = _card(session, settings, city)
    late.birth_months = ["2021-06"]
    session.add(late)
    session.commit()
    worker.outreach(now=datetime(2028, 2, 10, 12, 0, tzinfo=TOKYO))  # 24 days after: not sent
    assert (
        session.exec(
            select(CardMessage).where(
                CardMessage.card_id == late.id, CardMessage.kind == "reminder"
            )
        ).all()
        == []
    )


def test_the_card_form_keeps_birth_months_and_the_allowances_start(client, session, city):
    from tests.conftest import csrf_token

    saved = client.post(
        "/card/aoba/new",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "needs": ["money"],
            "contact_way": "email",
            "email": "hanako@example.jp",
            "departments": [KODOMO],
            "birth_months-0": "2019-09",
            "birth_months-1": "２０２１年１３月",
            "allowance_since": "2023-04",
            "tell_me": "y",
        },
    )
    assert saved.status_code == 400  # no 13th month
    assert "「2019-04」のように入力してください" in saved.get_data(as_text=True)
    saved = client.post(
        "/card/aoba/new",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "needs": ["money"],
            "contact_way": "email",
            "email": "hanako@example.jp",
            "departments": [KODOMO],
            "birth_months-0": "２０２１－０６",  # as a phone's keyboard may give it
            "birth_months-1": "2019年9月",
            "allowance_since": "2023-04",
            "tell_me": "y",
        },
    )
    assert saved.status_code == 303
    [card] = session.exec(select(Card)).all()
    assert card.birth_months == ["2019-09", "2021-06"] and card.tell_me
    assert card.allowance_since.isoformat() == "2023-04-01"
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "2019-09、2021-06" in page and "市からメールかLINEでお知らせします。" in page


def test_the_list_counts_what_the_messages_did_opened_and_followed_by_a_request(
    session, settings, database, fake_sendgrid, city
):
    from tests.webhooks.test_sendgrid_webhook import PUBLIC_KEY, signed

    app = create_app(
        replace(with_sendgrid(settings, fake_sendgrid), sendgrid_webhook_public_key=PUBLIC_KEY),
        database,
    )
    client, worker = app.test_client(), Worker(app)
    card = _card(session, settings, city)
    enjo_programme = session.exec(select(Programme).where(Programme.slug == "shugaku-enjo")).one()
    # Booking opens a while before an event, by the clock: a week from now is open.
    seminar = create_event(session, organisation=city, starts_at=utcnow() + timedelta(days=7))
    session.add(EventProgramme(event_id=seminar.id, programme_id=enjo_programme.id))
    session.commit()
    worker.outreach(now=NOON)
    assert worker.request_messages(now=NOON) == 2
    messages = {
        session.get(Programme, m.programme_id).slug: m
        for m in session.exec(select(CardMessage).where(CardMessage.card_id == card.id))
    }
    # Each email names its own message for SendGrid's events, never a delivery of the ledger
    # (whose numbers the cards' messages share: an event must not reach another parent's).
    assert sorted(r.custom_args["outbox"] for r in fake_sendgrid.received) == sorted(
        f"card_message:{m.id}" for m in messages.values()
    )
    assert all("delivery_id" not in r.custom_args for r in fake_sendgrid.received)
    jido = messages["jido-fuyo-teate"]
    payload, headers = signed(
        [
            {
                "email": "hanako@example.jp",
                "timestamp": 1812942000,
                "event": event,
                "sg_event_id": f"e-{event}",
                "outbox": f"card_message:{jido.id}",
            }
            for event in ("open", "bounce")
        ]
    )
    assert client.post("/webhooks/sendgrid", data=payload, headers=headers).status_code == 200

    [email] = [r for r in fake_sendgrid.received if r.custom_args["outbox"].endswith(f":{jido.id}")]
    asked = re.search(r"この件で相談する： (https://yorisou\.example\.jp(\S+))", email.text)
    assert asked and "programme=jido-fuyo-teate" in asked.group(1)
    page = client.get(asked.group(2).removeprefix("https://yorisou.example.jp"))
    form = page.get_data(as_text=True)
    hidden = dict(re.findall(r'<input[^>]*name="(programme|via)"[^>]*value="([^"]*)"', form))
    sent = client.post(
        "/guide/aoba/request",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            **hidden,
            "contact_way": "phone",
            "phone": "09012345678",
            "consent": "y",
        },
    )
    assert sent.status_code == 303
    forged = client.post(
        "/guide/aoba/request",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "programme": "shugaku-enjo",
            "via": "not-a-token",  # counts for nothing; the request stands
            "contact_way": "phone",
            "phone": "09012345678",
            "consent": "y",
        },
    )
    assert forged.status_code == 303
    session.expire_all()
    jido, enjo = session.get(CardMessage, jido.id), messages["shugaku-enjo"]
    assert jido.opened_at == datetime(2027, 6, 14, 3, 0, tzinfo=UTC) and jido.followed_at
    assert session.get(CardMessage, enjo.id).followed_at is None

    # The other message lists the seminar its programme offers: a booking from it counts too.
    [other] = [r for r in fake_sendgrid.received if r.custom_args["outbox"].endswith(f":{enjo.id}")]
    book = re.search(r"https://yorisou\.example\.jp(/e/\S+)", other.text)
    assert book and f"/e/{seminar.public_id}?via=" in book.group(1)
    page = client.get(book.group(1)).get_data(as_text=True)
    via = re.search(r'name="via"[^>]*value="([^"]+)"', page)
    booked = client.post(
        f"/e/{seminar.public_id}",
        data={
            "csrf_token": csrf_token(client, book.group(1)),
            "via": via.group(1),
            "slot": str(session.exec(select(Slot).where(Slot.event_id == seminar.id)).one().id),
            "email": "hanako@example.jp",
            "consent": "y",
            "childcare": "0",
        },
    )
    assert booked.status_code == 303
    session.expire_all()
    assert session.get(CardMessage, enjo.id).followed_at is not None

    login(client, "kodomo@aoba.example.jp")
    programme = session.get(Programme, jido.programme_id)
    page = client.get(f"/staff/outreach?programme={programme.id}").get_data(as_text=True)
    assert "開封 1件" in page and "お知らせのリンクから相談・予約 1件" in page
    assert "・開封・相談か予約あり" in page
