"""The support guide and consultation requests, as a parent uses them: answers that are never
stored, the programmes that fit, the DV answer, and a request that reaches the desk."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from service.models import AuditEvent, Subscriber, Topic
from service.subscribers import erase_subscriber
from service.support.models import (
    ConsultationRequest,
    ContactWay,
    Desk,
    RequestEvent,
    RequestMessage,
    RequestStatus,
)
from service.support.requests import Contact, close, open_request
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_catalogue,
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import html_body, read_outbox, text_body

KODOMO = "こども家庭課 ひとり親支援係"
NOON_TOKYO = datetime(2027, 8, 17, 3, 0, tzinfo=UTC)


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)  # yoikuhi, as the catalogue's child-support ones
    create_source(session, organisation=city, code="koseki")
    create_catalogue(session, organisation=city)
    return city


def _answer(client, **answers):
    return client.post(
        "/guide/aoba",
        data={"csrf_token": csrf_token(client, "/guide/aoba"), "source": "koseki", **answers},
    )


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 id="programme-\d+">(.*?)</h2>', page)


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(
    ("lang", "heading", "question"),
    [
        ("ja", "あなたに合う支援をさがす", "困っていること"),
        ("en", "Find the support that fits you", "What would you like help with?"),
        ("easy", "<ruby>支援<rp>", "こまっている こと"),
    ],
)
def test_the_guide_asks_a_few_questions_in_the_parents_language(
    client, city, lang, heading, question
):
    response = client.get(f"/guide/aoba?lang={lang}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert heading in page and question in page
    assert 'method="post"' in page  # the answers never go into a URL
    assert response.headers["Cache-Control"] == "no-store"
    assert "data-quick-exit" in page


def test_answers_show_the_programmes_that_fit_and_store_nothing(client, session, city):
    before = {model: _count(session, model) for model in (ConsultationRequest, Subscriber)}
    response = _answer(client, stage="after", children=["preschool"], worries=["money"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    titles = _titles(page)
    assert "児童扶養手当" in titles and "児童手当" in titles
    assert "就学援助" not in titles  # for school children; this parent's child is younger
    assert "ひとり親家庭等医療費助成" in titles
    assert "弁護士による無料法律相談" not in titles  # not a money worry
    # each with its desk, and the two ways on
    assert "000-000-0000" in page and "本庁舎3階 30番窓口" in page
    assert "このことのお知らせを受け取る" in page and "窓口から連絡をもらう" in page
    assert {model: _count(session, model) for model in before} == before
    assert response.headers["Cache-Control"] == "no-store"


def test_more_of_the_parents_worries_come_first(client, city):
    titles = _titles(_answer(client, worries=["child-support", "legal"]).get_data(as_text=True))
    assert titles[:2] == ["養育費の取決め・公正証書作成の支援", "弁護士による無料法律相談"]
    assert "児童扶養手当" not in titles


def test_no_answers_show_every_programme(client, city):
    assert len(_titles(_answer(client).get_data(as_text=True))) == 16


def test_unsafe_at_home_shows_the_dv_lines_first_and_carries_on(client, city):
    page = _answer(client, worries=["safety", "money"]).get_data(as_text=True)
    assert page.index("#8008") < page.index("児童扶養手当")
    assert "0120-279-889" in page and "110" in page
    assert page.index("DV・安全についての相談") < page.index("児童扶養手当")
    assert 'name="unsafe" value="1"' in page  # the request form will know
    safe_page = _answer(client, worries=["money"]).get_data(as_text=True)
    assert "#8008" not in safe_page and 'name="unsafe"' not in safe_page


def test_get_news_about_this_ticks_the_programmes_topics(client, session, city):
    page = _answer(client, worries=["child-support"]).get_data(as_text=True)
    topic_id = re.search(r'name="topics" value="(\d+)"', page).group(1)
    response = client.post(
        "/s/koseki",
        data={"csrf_token": csrf_token(client, "/s/koseki"), "topics": [topic_id]},
    )
    landing = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'value="{topic_id}" checked', landing)


def _ask(client, programme="yoikuhi-kosei-shosho", **extra):
    form = client.post(
        "/guide/aoba/ask",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "programme": programme,
            "source": "koseki",
            **extra,
        },
    )
    assert form.status_code == 200
    return form.get_data(as_text=True)


def _send(client, page, **fields):
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    hidden = dict(
        re.findall(r'<input[^>]*name="(programme|source|unsafe)"[^>]*value="([^"]*)"', page)
    )
    return client.post(
        "/guide/aoba/request", data={"csrf_token": token, **hidden, "consent": "y", **fields}
    )


def test_a_phone_request_reaches_the_programmes_desk(client, session, city):
    page = _ask(client)
    assert KODOMO in page and "3" in page  # the desk and its promise of working days
    response = _send(
        client,
        page,
        contact_way="phone",
        phone="０９０－１２３４－５６７８",  # as a phone keyboard may type it
        safe_times=["afternoon"],
        message="今からでも取り決めできますか。",
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/r/")
    [request] = session.exec(select(ConsultationRequest)).all()
    assert (request.contact_way, request.phone, request.email) == ("phone", "09012345678", None)
    assert request.safe_times == ["afternoon"]
    assert (request.may_say_city, request.may_leave_message) == (False, False)
    assert request.message == "今からでも取り決めできますか。"
    assert request.status == RequestStatus.NEW and request.source_id is not None
    assert request.due_on > request.created_at.date()
    assert _count(session, RequestMessage) == 0  # a phone call is the desk's to make
    status = client.get(response.headers["Location"])
    text = status.get_data(as_text=True)
    assert status.status_code == 200 and KODOMO in text and "電話" in text
    assert status.headers["Cache-Control"] == "no-store"


def test_an_email_request_is_acknowledged_in_the_parents_language(
    client, session, city, worker, settings
):
    response = client.post(
        "/guide/aoba/request?lang=en",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "programme": "jido-teate",
            "contact_way": "email",
            "email": "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ",
            "consent": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    [request] = session.exec(select(ConsultationRequest)).all()
    assert (request.email, request.phone, request.locale) == ("hanako@example.jp", None, "en")
    worker.request_messages()
    [message] = read_outbox(settings.outbox_dir)
    assert message["To"] == "hanako@example.jp"
    assert message["Subject"] == "あおば市: about your request"  # says nothing of what
    body = text_body(message)
    # Nor the body: the desk (a DV desk, say) is named only behind the request's own link.
    assert "We have received your request" in body
    assert "Single-parent support" not in body and "Children and Families" not in body
    assert "https://yorisou.example.jp/r/" in body
    [sent] = session.exec(select(RequestMessage)).all()
    assert (sent.kind, sent.status) == ("received", "sent")


def test_an_unsafe_request_sends_nothing_to_the_parent(client, session, city, worker, settings):
    page = _ask(client, programme="dv-sodan", unsafe="1")
    assert "家が安全でない" in page or "安全" in page
    response = _send(client, page, contact_way="email", email="hanako@example.jp")
    assert response.status_code == 303
    [request] = session.exec(select(ConsultationRequest)).all()
    assert request.unsafe_at_home and request.desk_id != 0
    worker.request_messages()
    assert read_outbox(settings.outbox_dir) == []
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "確認の連絡は送っていません" in text


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "連絡の方法を選んでください"),
        ({"contact_way": "phone"}, "電話番号を入力してください"),
        ({"contact_way": "phone", "phone": "12345"}, "市外局番から"),
        ({"contact_way": "email"}, "メールアドレスを入力してください"),
        ({"contact_way": "visit", "consent": ""}, "同意"),
        ({"contact_way": "visit", "message": "あ" * 501}, "500"),
        ({"contact_way": "fax"}, "連絡の方法"),
    ],
)
def test_a_request_with_something_missing_says_what_and_stores_nothing(
    client, session, city, fields, error
):
    response = _send(client, _ask(client), **fields)
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert _count(session, ConsultationRequest) == 0


def test_a_parent_withdraws_their_request(client, session, city):
    response = _send(client, _ask(client), contact_way="visit")
    path = response.headers["Location"]
    token = path.removeprefix("/r/").split("?")[0]
    withdrawn = client.post(f"/r/{token}/withdraw", data={"csrf_token": csrf_token(client, path)})
    assert withdrawn.status_code == 303
    [request] = session.exec(select(ConsultationRequest)).all()
    session.refresh(request)
    assert request.status == RequestStatus.WITHDRAWN and request.closed_at is not None
    assert "取り下げ" in client.get(path).get_data(as_text=True)


def test_an_ended_request_is_erased_after_the_retention_period(
    client, session, city, worker, settings
):
    response = _send(
        client, _ask(client), contact_way="phone", phone="09012345678", message="秘密のこと"
    )
    path = response.headers["Location"]
    [request] = session.exec(select(ConsultationRequest)).all()
    ended = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    close(session, request, "connected", staff_id=None, now=ended)
    session.add(RequestEvent(request_id=request.id, kind="note", body="折り返しの番号 090…"))
    session.commit()
    worker.upkeep(now=ended + timedelta(days=settings.request_retention_days - 1))
    session.expire_all()
    assert session.get(ConsultationRequest, request.id).phone == "09012345678"
    worker.upkeep(now=ended + timedelta(days=settings.request_retention_days + 1))
    session.expire_all()
    erased = session.get(ConsultationRequest, request.id)
    assert (erased.phone, erased.email, erased.message, erased.safe_times) == (
        None,
        None,
        None,
        [],
    )
    assert erased.erased_at is not None and erased.desk_id  # still counted in reports
    kinds = {e.kind for e in session.exec(select(RequestEvent)).all()}
    assert kinds == {"status"}
    assert client.get(path).status_code == 410
    assert _count(session, AuditEvent) == 0  # no staff opened it


def test_a_notice_leads_to_its_programmes_desk_and_every_email_to_the_guide(
    client, session, city, worker, settings
):
    topic = session.exec(select(Topic)).one()
    notice = create_notice(
        session, organisation=city, topics=[topic], starts_at=NOON_TOKYO, title="養育費のお知らせ"
    )
    notice.ask_about = "yoikuhi-hosho"
    session.add(notice)
    session.commit()
    create_subscriber(session, organisation=city, topics=[topic], email="hanako@example.jp")
    worker.run_once(NOON_TOKYO)
    [email] = read_outbox(settings.outbox_dir)
    text = text_body(email)
    assert (
        "この件で相談する: https://yorisou.example.jp/guide/aoba/ask?programme=yoikuhi-hosho"
        in text
    )
    assert "支援制度・相談: https://yorisou.example.jp/guide/aoba" in text
    assert "/guide/aoba/ask?programme=yoikuhi-hosho" in html_body(email)
    form = client.get("/guide/aoba/ask?programme=yoikuhi-hosho").get_data(as_text=True)
    assert "養育費保証の支援" in form and KODOMO in form


def test_erasing_a_registration_leaves_the_desk_its_request(session, city):
    topic = session.exec(select(Topic)).one()
    parent = create_subscriber(session, organisation=city, topics=[topic], email="p@example.jp")
    desk = session.exec(select(Desk).where(Desk.name_ja == KODOMO)).one()
    request = open_request(
        session,
        organisation=city,
        desk=desk,
        contact=Contact(way=ContactWay.PHONE, phone="09012345678"),
        locale="ja",
        now=utcnow(),
        subscriber_id=parent.id,
    )
    session.commit()
    erase_subscriber(session, subscriber=parent, now=utcnow())
    session.commit()
    session.expire_all()
    kept = session.get(ConsultationRequest, request.id)
    # a request is its own act, with its own withdraw link and its own erasure date
    assert kept.subscriber_id is None and kept.phone == "09012345678"
    assert session.get(Subscriber, parent.id) is None


def test_the_due_day_skips_weekends_holidays_and_the_citys_closed_days(session, city):
    city.closed_days = ["2027-05-06"]
    session.add(city)
    desk = session.exec(select(Desk).where(Desk.name_ja == KODOMO)).one()  # 3 working days
    friday = datetime(2027, 4, 30, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, before Golden Week
    request = open_request(
        session,
        organisation=city,
        desk=desk,
        contact=Contact(way=ContactWay.VISIT),
        locale="ja",
        now=friday,
    )
    # 3–5 May are holidays, 6 May the city is closed: Fri 7, Mon 10, Tue 11
    assert request.due_on == date(2027, 5, 11)


def test_a_registered_parent_asks_from_their_page_without_typing_their_address(
    client, session, city, settings
):
    topic = session.exec(select(Topic)).one()
    parent = create_subscriber(session, organisation=city, topics=[topic], email="p@example.jp")
    token = make_token(settings.secret_key, Purpose.MANAGE, parent.public_id)
    page = client.get(f"/preferences/{token}").get_data(as_text=True)
    ask = re.search(r'href="https://yorisou\.example\.jp(/guide/aoba/ask\?link=[^"]+)"', page)
    form = client.get(ask.group(1)).get_data(as_text=True)
    assert "登録のアドレス（p***@example.jp）" in form and "p@example.jp" not in form
    link = re.search(r'name="link"[^>]*value="([^"]+)"', form).group(1)
    sent = client.post(
        "/guide/aoba/request",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "link": link,
            "contact_way": "email",
            "consent": "y",
        },
    )
    assert sent.status_code == 303
    [request] = session.exec(select(ConsultationRequest)).all()
    assert (request.email, request.subscriber_id) == ("p@example.jp", parent.id)
