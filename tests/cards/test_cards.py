"""The family's card: made from the guide with the parent's own ticks; seen by the consented
departments alone (every opening audited), hidden the moment consent is withdrawn, encrypted at
rest, and erased — on the parent's word or when idle — with everything written on it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from service.cards.models import Card, CardConsent, CardEvent
from service.encryption import encrypt
from service.models import AuditEvent, Role
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_card,
    create_catalogue,
    create_organisation,
    create_source,
    create_staff,
)
from tests.outbox import read_outbox, text_body
from tests.staff.test_staff_notices import login

KODOMO, HOKEN = "こども家庭課", "保険年金課"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    city.card_lead_department = KODOMO
    session.add(city)
    create_catalogue(session, organisation=city)
    for email, role, department in (
        ("kodomo@aoba.example.jp", Role.EDITOR, KODOMO),
        ("hoken@aoba.example.jp", Role.EDITOR, HOKEN),
        ("nobody@aoba.example.jp", Role.EDITOR, ""),
        ("viewer@aoba.example.jp", Role.VIEWER, KODOMO),
        ("admin@aoba.example.jp", Role.ADMIN, ""),
    ):
        create_staff(session, organisation=city, email=email, role=role, department=department)
    session.commit()
    return city


def _card_form(client):
    """From the guide's results, as the parent presses 「この内容で相談する」."""
    page = client.post(
        "/guide/aoba",
        data={"csrf_token": csrf_token(client, "/guide/aoba"), "worries": ["money", "health"]},
    ).get_data(as_text=True)
    assert 'action="/card/aoba/new' in page
    return client.post(
        "/card/aoba/new",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "from_guide": "1",
            "worries": ["money", "health"],
        },
    )


def _save(client, **fields):
    data = {
        "csrf_token": csrf_token(client, "/guide/aoba"),
        "needs": ["money", "health"],
        "contact_way": "phone",
        "phone": "０９０－１２３４－５６７８",
        "safe_times": ["afternoon"],
        "note": "夕方は子どもの迎えがあります。",
        **fields,
    }
    return client.post("/card/aoba/new", data=data)


def _opened(session, card) -> int:
    return session.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "card.open", AuditEvent.target == f"card:{card.id}")
    ).one()


def test_a_parent_saves_a_card_that_only_the_ticked_departments_see(client, session, city):
    form = _card_form(client)
    page = form.get_data(as_text=True)
    assert form.status_code == 200
    assert KODOMO in page and HOKEN in page and "児童扶養手当" in page  # proposed, with why
    assert 'name="departments" value="こども家庭課" checked' not in page  # nothing ticked
    refused = _save(client)
    assert refused.status_code == 400
    assert "カードを見てよい課を、1つ以上選んでください" in refused.get_data(as_text=True)
    assert session.exec(select(Card)).all() == []

    saved = _save(client, departments=[KODOMO])
    assert saved.status_code == 303 and saved.headers["Location"].startswith("/card/c/")
    [card] = session.exec(select(Card)).all()
    assert card.needs == ["money", "health"]
    own = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "09012345678" in own and KODOMO in own and "夕方は子どもの迎え" in own

    login(client, "kodomo@aoba.example.jp")
    listing = client.get("/staff/cards").get_data(as_text=True)
    assert f"{card.id}番" in listing and "09012345678" not in listing  # no detail in the list
    opened = client.get(f"/staff/cards/{card.id}").get_data(as_text=True)
    assert "09012345678" in opened and "夕方は子どもの迎え" in opened
    assert _opened(session, card) == 1

    for email, seen in (
        ("hoken@aoba.example.jp", False),
        ("nobody@aoba.example.jp", False),
        ("admin@aoba.example.jp", True),
    ):
        login(client, email)
        assert (f"{card.id}番" in client.get("/staff/cards").get_data(as_text=True)) == seen
        assert client.get(f"/staff/cards/{card.id}").status_code == (200 if seen else 404)
    assert _opened(session, card) == 2  # the admin's; a refused look is no opening
    login(client, "viewer@aoba.example.jp")
    assert client.get("/staff/cards").status_code == 403
    assert client.get(f"/staff/cards/{card.id}").status_code == 403


def test_nothing_readable_is_stored(session, settings, city):
    card = create_card(session, settings, organisation=city, departments=[KODOMO])
    row = session.execute(text("SELECT contact, note FROM card WHERE id = :id"), {"id": card.id})
    contact, note = row.one()
    assert "09012345678" not in contact and "迎え" not in note
    assert "0901" not in str(session.execute(text("SELECT * FROM card")).all())


def test_withdrawing_hides_the_card_at_once(client, session, city):
    location = _save(client, departments=[KODOMO]).headers["Location"]
    [card] = session.exec(select(Card)).all()
    token = location.removeprefix("/card/c/")
    edit = client.get(f"{location}/edit").get_data(as_text=True)
    assert 'value="09012345678"' in edit and 'value="こども家庭課" checked' in edit
    changed = client.post(
        f"/card/c/{token}/edit",
        data={
            "csrf_token": csrf_token(client, f"{location}/edit"),
            "needs": ["money", "housing"],
            "contact_way": "phone",
            "phone": "09012345678",
            "departments": [HOKEN],
        },
    )
    assert changed.status_code == 303
    login(client, "kodomo@aoba.example.jp")
    assert client.get(f"/staff/cards/{card.id}").status_code == 404
    assert f"{card.id}番" not in client.get("/staff/cards").get_data(as_text=True)
    login(client, "hoken@aoba.example.jp")
    page = client.get(f"/staff/cards/{card.id}").get_data(as_text=True)
    assert "保護者が共有をやめた" in page and "保護者が内容を変更" in page
    withdrawn = session.exec(select(CardConsent).where(CardConsent.department == KODOMO)).one()
    assert withdrawn.withdrawn_at is not None


def test_a_note_reaches_the_other_departments_only_when_shared(client, session, settings, city):
    card = create_card(session, settings, organisation=city, departments=[KODOMO, HOKEN])
    login(client, "kodomo@aoba.example.jp")
    path = f"/staff/cards/{card.id}"
    for kind, body, shared in (
        ("contact", "児童扶養手当の申請を案内しました", ""),
        ("note", "まだ課内だけのメモ", ""),
        ("note", "国保の切り替えが必要そうです", "y"),
    ):
        response = client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "kind": kind,
                "body": body,
                "shared": shared,
            },
        )
        assert response.status_code == 303
    login(client, "hoken@aoba.example.jp")
    page = client.get(path).get_data(as_text=True)
    assert "最後の連絡：こども家庭課" in page  # no second call the same evening
    assert "国保の切り替えが必要そうです" in page
    assert "まだ課内だけのメモ" not in page and "児童扶養手当の申請を案内しました" not in page
    raw = str(session.execute(text("SELECT body FROM card_event")).all())
    assert "メモ" not in raw and "国保" not in raw  # encrypted at rest


def test_erasing_the_card_erases_everything_of_it(client, session, settings, worker, city):
    location = _save(client, departments=[KODOMO]).headers["Location"]
    [card] = session.exec(select(Card)).all()
    login(client, "kodomo@aoba.example.jp")
    path = f"/staff/cards/{card.id}"
    client.post(path, data={"csrf_token": csrf_token(client, path), "kind": "note", "body": "x"})
    not_sure = client.post(f"{location}/erase", data={"csrf_token": csrf_token(client, location)})
    assert not_sure.status_code == 303 and session.exec(select(Card)).all()
    erased = client.post(
        f"{location}/erase", data={"csrf_token": csrf_token(client, location), "sure": "yes"}
    )
    assert erased.status_code == 200
    for table in (Card, CardConsent, CardEvent):
        assert session.exec(select(func.count()).select_from(table)).one() == 0
    assert client.get(location).status_code == 410

    # And a card nobody touched for the retention period goes by itself.
    session.expunge_all()  # the erased card's row is gone; its id may come again
    idle = create_card(session, settings, organisation=city, departments=[KODOMO]).id
    worker.upkeep(now=utcnow() + timedelta(days=settings.card_retention_days - 1))
    assert session.get(Card, idle) is not None
    worker.upkeep(now=utcnow() + timedelta(days=settings.card_retention_days + 1))
    session.expire_all()
    assert session.exec(select(func.count()).select_from(CardConsent)).one() == 0
    assert session.get(Card, idle) is None


def test_a_city_that_has_not_turned_the_card_on_offers_none(client, session, city):
    city.card_lead_department = ""
    session.add(city)
    session.commit()
    page = client.post(
        "/guide/aoba",
        data={"csrf_token": csrf_token(client, "/guide/aoba"), "worries": ["money"]},
    ).get_data(as_text=True)
    assert "/card/aoba/new" not in page
    assert client.get("/card/aoba/new").status_code == 404
    assert re.search(r"相談カード", client.get("/staff/login").get_data(as_text=True)) is None


def test_the_counter_clerk_makes_a_card_and_can_never_open_it(client, session, city):
    create_staff(session, organisation=city, email="koseki@aoba.example.jp", role=Role.COUNTER)
    counter = create_source(session, organisation=city, code="koseki")
    login(client, "koseki@aoba.example.jp")
    assert client.get("/staff/").headers["Location"] == "/staff/counter/card"
    page = client.get("/staff/counter/card").get_data(as_text=True)
    assert "保護者ご本人が選んで" in page and 'href="/staff/notices"' not in page  # no menu
    offered = client.post(
        "/staff/counter/card",
        data={
            "csrf_token": csrf_token(client, "/staff/counter/card"),
            "needs": ["housing"],
            "offers": "1",
        },
    )
    assert offered.status_code == 200 and "理由" in offered.get_data(as_text=True)
    done = client.post(
        "/staff/counter/card",
        data={
            "csrf_token": csrf_token(client, "/staff/counter/card"),
            "counter": str(counter.id),
            "needs": ["housing"],
            "contact_way": "email",
            "email": "hanako@example.jp",
            "departments": [KODOMO],
            "save": "1",
        },
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert "data:image/svg+xml;base64," in html and "https://yorisou.example.jp/card/c/" in html
    [card] = session.exec(select(Card)).all()
    assert card.source_id == counter.id and card.needs == ["housing"]
    assert client.get(f"/staff/cards/{card.id}").status_code == 403
    assert client.get("/staff/cards").status_code == 403
    assert client.get("/staff/dashboard").status_code == 403
    assert _opened(session, card) == 0
    link = re.search(r"https://yorisou.example.jp(/card/c/[^<\s\"]+)", html).group(1)
    assert "hanako@example.jp" in client.get(link).get_data(as_text=True)  # the parent's link


def test_the_lead_department_says_who_calls_first(client, session, settings, city):
    card = create_card(session, settings, organisation=city, departments=[KODOMO, HOKEN])
    path = f"/staff/cards/{card.id}"
    login(client, "hoken@aoba.example.jp")  # not the lead department
    refused = client.post(
        f"{path}/first", data={"csrf_token": csrf_token(client, path), "department": HOKEN}
    )
    assert refused.status_code == 403
    login(client, "kodomo@aoba.example.jp")
    chosen = client.post(
        f"{path}/first", data={"csrf_token": csrf_token(client, path), "department": HOKEN}
    )
    assert chosen.status_code == 303
    session.refresh(card)
    assert card.first_caller == HOKEN
    login(client, "hoken@aoba.example.jp")
    page = client.get(path).get_data(as_text=True)
    assert "最初に連絡する課：<strong>保険年金課</strong>" in page
    login(client, "kodomo@aoba.example.jp")
    assert "その課の連絡を待ってください" in client.get(path).get_data(as_text=True)


def test_the_counter_calls_a_counsellor_and_sees_who_is_coming(
    client, session, settings, worker, city
):
    from service.cards.calls import accept, call_counsellor, is_open, next_opening
    from service.cards.models import CounsellorCall
    from service.models import StaffMessage, StaffUser

    tokyo = ZoneInfo("Asia/Tokyo")
    wednesday_morning = datetime(2027, 8, 18, 10, 0, tzinfo=tokyo)
    friday_evening = datetime(2027, 8, 20, 18, 0, tzinfo=tokyo)
    assert is_open(city, wednesday_morning) and not is_open(city, friday_evening)
    assert next_opening(city, friday_evening) == datetime(2027, 8, 23, 8, 30, tzinfo=tokyo)
    assert next_opening(city, datetime(2027, 12, 28, 18, 0, tzinfo=tokyo)) == datetime(
        2028, 1, 4, 8, 30, tzinfo=tokyo
    )  # the year-end closure
    told = call_counsellor(session, city, source_id=None, asked_by_id=None, now=wednesday_morning)
    emailed = session.exec(
        select(StaffUser.email)
        .join(StaffMessage, StaffMessage.staff_user_id == StaffUser.id)
        .where(StaffMessage.kind == "counsellor")
    ).all()
    assert emailed == ["kodomo@aoba.example.jp"]  # the lead department's, nobody else
    late = call_counsellor(session, city, source_id=None, asked_by_id=None, now=friday_evening)
    assert late.ended_at is not None and told.ended_at is None
    assert len(session.exec(select(StaffMessage)).all()) == 1  # nobody disturbed at night
    session.commit()
    assert worker.staff_messages(now=wednesday_morning) == 1
    [email] = read_outbox(settings.outbox_dir)
    assert email["To"] == "kodomo@aoba.example.jp"
    assert email["Subject"] == "【寄り添う】戸籍窓口が相談員を呼んでいます"
    assert "https://yorisou.example.jp/staff/calls" in text_body(email)

    create_staff(session, organisation=city, email="koseki@aoba.example.jp", role=Role.COUNTER)
    login(client, "koseki@aoba.example.jp")
    pressed = client.post(
        "/staff/counter/call", data={"csrf_token": csrf_token(client, "/staff/counter/card")}
    )
    assert pressed.status_code == 303
    status = client.get(pressed.headers["Location"]).get_data(as_text=True)
    call = session.exec(select(CounsellorCall).order_by(CounsellorCall.id.desc())).first()
    if is_open(city, call.asked_at):
        assert "担当課（こども家庭課）に知らせました" in status
    else:
        assert "受付時間外です" in status and "/o/aoba/events" in status

    waiting = CounsellorCall(organisation_id=city.id, asked_at=utcnow())  # asked just now
    session.add(waiting)
    session.commit()
    login(client, "hoken@aoba.example.jp")
    assert client.get("/staff/calls").status_code == 403  # not the lead department
    assert "相談員を呼んでいます" not in client.get("/staff/cards").get_data(as_text=True)
    login(client, "kodomo@aoba.example.jp")
    assert "戸籍窓口が相談員を呼んでいます" in client.get("/staff/cards").get_data(as_text=True)
    going = client.post(
        f"/staff/calls/{waiting.id}/accept",
        data={"csrf_token": csrf_token(client, "/staff/calls"), "minutes": "5"},
    )
    assert going.status_code == 303
    assert not accept(session, waiting.id, 1, 3, utcnow())  # the second comes too late
    session.commit()
    login(client, "koseki@aoba.example.jp")
    page = client.get(f"/staff/counter/call/{waiting.id}").get_data(as_text=True)
    assert "向かっています（5分）" in page and "http-equiv" not in page


def test_the_api_shows_a_departments_cards_and_records_its_contact(client, session, settings, city):
    import hashlib

    from service.models import ApiToken, StaffUser
    from tests.api.test_api import _conforms

    card = create_card(session, settings, organisation=city, departments=[KODOMO])
    tokens = {}
    for email in ("kodomo@aoba.example.jp", "hoken@aoba.example.jp"):
        staff = session.exec(select(StaffUser).where(StaffUser.email == email)).one()
        session.add(
            ApiToken(staff_user_id=staff.id, token_hash=hashlib.sha256(email.encode()).hexdigest())
        )
        tokens[email] = {"Authorization": f"Bearer {email}"}
    session.commit()
    mine = tokens["kodomo@aoba.example.jp"]
    listed = client.get("/api/v1/cards", headers=mine)
    _conforms(listed, "/cards")
    [item] = listed.json["items"]
    assert item["id"] == card.id and "contact" not in item and item["departments"] == [KODOMO]
    whole = client.get(f"/api/v1/cards/{card.id}", headers=mine)
    _conforms(whole, "/cards/{card_id}")
    assert whole.json["contact"] == "09012345678" and _opened(session, card) == 1
    refused = client.post(f"/api/v1/cards/{card.id}/contact", headers=mine, json={"body": ""})
    assert refused.status_code == 400 and _opened(session, card) == 1  # nothing written
    recorded = client.post(
        f"/api/v1/cards/{card.id}/contact", headers=mine, json={"body": "電話で案内しました"}
    )
    _conforms(recorded, "/cards/{card_id}/{kind}", "post")
    assert recorded.json["last_contact"]["department"] == KODOMO
    assert recorded.json["events"][-1]["body"] == "電話で案内しました"
    theirs = tokens["hoken@aoba.example.jp"]
    assert client.get("/api/v1/cards", headers=theirs).json["items"] == []
    assert client.get(f"/api/v1/cards/{card.id}", headers=theirs).status_code == 404


def test_the_report_counts_cards_first_contacts_and_double_calls(client, session, settings, city):
    from service.cards.cards import record
    from service.models import StaffUser

    kodomo = session.exec(select(StaffUser).where(StaffUser.department == KODOMO)).first()
    hoken = session.exec(select(StaffUser).where(StaffUser.department == HOKEN)).first()
    kodomo.department, hoken.department = KODOMO, HOKEN
    counter = create_source(session, organisation=city, code="koseki")
    quick = create_card(session, settings, organisation=city, departments=[KODOMO])
    quick.source_id = counter.id
    both = create_card(
        session, settings, organisation=city, departments=[KODOMO, HOKEN], needs=("money",)
    )
    create_card(session, settings, organisation=city, departments=[HOKEN], needs=("health",))
    start = quick.created_at
    record(
        session,
        settings,
        quick,
        kodomo,
        "contact",
        "案内",
        shared=False,
        now=start + timedelta(hours=2),
    )
    for staff in (kodomo, hoken):  # two departments call the same family the same day
        record(
            session,
            settings,
            both,
            staff,
            "contact",
            "案内",
            shared=False,
            now=start + timedelta(hours=4),
        )
    session.commit()
    login(client, "viewer@aoba.example.jp")  # counts only: a viewer may read them
    page = client.get("/staff/cards/report").get_data(as_text=True)
    assert "この期間に作られた相談カード：3件" in page
    assert "困りごと別の相談カード" in page and counter.name in page
    row = re.search(r"<td>こども家庭課</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[:4] == ["2", "2", "3.0時間", "4.0時間"]
    assert "<strong>1回</strong>" in page  # the same day, two departments
    csv_file = client.get("/staff/cards/report?format=csv").get_data().decode("utf-8-sig")
    assert "こども家庭課,2,2,3.0,4.0,2" in csv_file.splitlines()
    assert "0901234" not in page and "0901234" not in csv_file


def test_a_hand_off_asks_the_parent_and_only_the_parent_shares(
    client, session, settings, worker, city
):
    by_email = create_card(session, settings, organisation=city, departments=[KODOMO])
    by_email.contact_way, by_email.contact = "email", encrypt(settings, "hanako@example.jp")
    by_phone = create_card(session, settings, organisation=city, departments=[KODOMO])
    session.add(by_email)
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    for card, said in ((by_email, "メールでたずねました"), (by_phone, "次に話すときに")):
        path = f"/staff/cards/{card.id}"
        asked = client.post(
            f"{path}/handoff", data={"csrf_token": csrf_token(client, path), "department": HOKEN}
        )
        assert asked.status_code == 303
        assert said in client.get(path).get_data(as_text=True)
    login(client, "hoken@aoba.example.jp")
    assert client.get(f"/staff/cards/{by_email.id}").status_code == 404  # not yet: not asked

    assert worker.request_messages() == 1  # the phone parent gets no email
    [email] = read_outbox(settings.outbox_dir)
    assert email["To"] == "hanako@example.jp"
    assert email["Subject"] == "あおば市：相談カードについて"  # nothing of what it is about
    body = text_body(email)
    assert "保険年金課にも見せてよいか" in body
    link = re.search(r"https://yorisou.example.jp(/card/c/\S+)", body).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "保険年金課にも見せる" in page
    shared = client.post(
        f"{link}/share", data={"csrf_token": csrf_token(client, link), "department": HOKEN}
    )
    assert shared.status_code == 303
    forged = client.post(
        f"{link}/share", data={"csrf_token": csrf_token(client, link), "department": "税務課"}
    )
    assert forged.status_code == 303  # not asked by anyone: nothing changes
    consents = session.exec(
        select(CardConsent.department).where(
            CardConsent.card_id == by_email.id, col(CardConsent.withdrawn_at).is_(None)
        )
    ).all()
    assert sorted(consents) == sorted([KODOMO, HOKEN])
    assert client.get(f"/staff/cards/{by_email.id}").status_code == 200  # as hoken, now
