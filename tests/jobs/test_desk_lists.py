"""Each morning a desk gets one email listing its new and overdue requests: programmes and due
days, nothing that says who asked, and the way to the console."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from jobs.worker import Worker
from service.cards.models import CardConsent
from service.support.models import ContactWay, DeskList, Programme
from service.support.requests import Contact, open_request, reply_to_request
from tests.factories import create_catalogue, create_organisation, create_topic
from tests.outbox import html_body, read_outbox, text_body

MORNING = datetime(2027, 8, 17, 23, 31, tzinfo=UTC)  # 08:31 on Wednesday 18 August in Tokyo


def _request(session, city, desk, programme_slug, *, at, phone):
    programme = session.exec(select(Programme).where(Programme.slug == programme_slug)).one()
    request = open_request(
        session,
        organisation=city,
        desk=desk,
        contact=Contact(way=ContactWay.PHONE, phone=phone),
        locale="ja",
        now=at,
        message="ひみつの相談",
        programme_id=programme.id,
    )
    session.commit()
    return request


def test_a_desk_gets_its_new_and_overdue_requests_once_a_morning(session, app, settings):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    desks = create_catalogue(session, organisation=city)
    desk = desks["こども家庭課 ひとり親支援係"]
    desk.notify_email = "hitorioya@city.aoba.example.jp"
    session.add(desk)
    session.commit()
    _request(
        session, city, desk, "jido-teate", at=MORNING - timedelta(hours=3), phone="09011110000"
    )
    _request(
        session, city, desk, "jido-fuyo-teate", at=MORNING - timedelta(days=9), phone="09022220000"
    )
    quiet = _request(
        session, city, desk, "kyoiku-kunren", at=MORNING - timedelta(days=2), phone="09033330000"
    )
    quiet.due_on = date(2027, 8, 30)
    session.add(quiet)
    reply_to_request(session, quiet, "ひみつの返事", now=MORNING - timedelta(days=1, hours=1))
    answered = _request(
        session, city, desk, "fukushi-shikin", at=MORNING - timedelta(days=3), phone="09044440000"
    )
    answered.due_on = date(2027, 8, 30)
    session.add(answered)
    reply_to_request(session, answered, "ひみつの返事", now=MORNING - timedelta(hours=5))
    session.commit()

    worker = Worker(app)
    assert worker.desk_lists(MORNING - timedelta(minutes=2)) == 0  # 08:29: not yet
    assert worker.desk_lists(MORNING) == 1
    [email] = read_outbox(settings.outbox_dir)
    assert email["To"] == "hitorioya@city.aoba.example.jp"
    assert email["Subject"] == (
        "相談の申し込み：新規1件・返信1件・期限切れ1件（こども家庭課 ひとり親支援係）"
    )
    text = text_body(email)
    assert "児童手当" in text and "児童扶養手当" in text and "【期限切れ】" in text
    assert "【返信あり】" in text and "母子父子寡婦福祉資金" in text  # written back yesterday
    assert "自立支援教育訓練給付金" not in text  # neither new, nor overdue, nor written back today
    assert "https://yorisou.example.jp/staff/requests" in text
    for secret in ("0901111", "0902222", "ひみつの相談", "ひみつの返事"):
        assert secret not in text and secret not in html_body(email)
    # the same morning, from this worker or another: nothing more
    assert worker.desk_lists(MORNING + timedelta(hours=1)) == 0
    assert Worker(app).desk_lists(MORNING + timedelta(hours=2)) == 0
    assert len(read_outbox(settings.outbox_dir)) == 1
    [row] = session.exec(select(DeskList)).all()
    assert (row.day, row.requests, row.error) == (date(2027, 8, 18), 3, None)
    # a desk without an address gets nothing, and a quiet day sends nothing
    assert session.exec(select(DeskList).where(DeskList.desk_id != desk.id)).all() == []


def test_the_morning_list_counts_the_departments_new_and_changed_cards(session, app, settings):
    from service.cards.cards import update_card
    from tests.factories import create_card

    city = create_organisation(session)
    desks = create_catalogue(session, organisation=city)
    desk = desks["こども家庭課 ひとり親支援係"]
    desk.notify_email = "hitorioya@city.aoba.example.jp"
    session.add(desk)
    session.commit()
    old = create_card(session, settings, organisation=city, departments=["こども家庭課"])
    new = create_card(session, settings, organisation=city, departments=["こども家庭課"])
    create_card(session, settings, organisation=city, departments=["保険年金課"])
    for row in session.exec(select(CardConsent)).all():  # when each was shared
        hours = {old.id: 72, new.id: 3}.get(row.card_id, 1)
        row.given_at = MORNING - timedelta(hours=hours)
        session.add(row)
    told = replace(_told(old, settings), needs=("money", "work"))
    update_card(session, settings, old, told, now=MORNING - timedelta(hours=2))
    session.commit()

    assert Worker(app).desk_lists(MORNING) == 1
    [email] = read_outbox(settings.outbox_dir)
    assert email["Subject"] == (
        "相談の申し込み：新規0件・返信0件・期限切れ0件、相談カード：共有1件・変更1件"
        "（こども家庭課 ひとり親支援係）"
    )
    text = text_body(email)
    assert "https://yorisou.example.jp/staff/cards" in text
    assert "0901234" not in text and "迎え" not in text and "0901234" not in html_body(email)


def _told(card, settings):
    from service.cards.cards import Told, reveal

    return Told(
        stage=card.stage,
        since=card.since,
        children=tuple(card.children),
        needs=tuple(card.needs),
        income_band=card.income_band,
        support_agreed=card.support_agreed,
        contact_way=card.contact_way,
        contact=reveal(settings, card.contact),
        safe_times=tuple(card.safe_times),
        may_say_city=card.may_say_city,
        unsafe_at_home=card.unsafe_at_home,
        note=reveal(settings, card.note),
        locale=card.locale,
    )
