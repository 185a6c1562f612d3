"""The support guide and consultation requests, as a parent uses them: answers that are never
stored, the programmes that fit, the DV answer, and a request that reaches the desk."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from service.bookings.models import EventProgramme
from service.models import AuditEvent, Subscriber, Topic
from service.subscribers import erase_subscriber
from service.support.models import (
    ConsultationRequest,
    ContactWay,
    Desk,
    Programme,
    RequestEvent,
    RequestMessage,
    RequestStatus,
)
from service.support.requests import Contact, answer, close, open_request
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_catalogue,
    create_event,
    create_notice,
    create_organisation,
    create_source,
    create_staff,
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


def test_a_booking_shows_under_the_programmes_it_serves_and_nowhere_else(client, session, city):
    legal, child_support, other = (
        session.exec(select(Programme).where(Programme.slug == slug)).one()
        for slug in ("horitsu-sodan", "yoikuhi-kosei-shosho", "jido-fuyo-teate")
    )
    event = create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=20),
        title_ja="弁護士による無料法律相談",
        desk_id=legal.desk_id,
    )
    session.add(EventProgramme(event_id=event.id, programme_id=legal.id))
    session.commit()
    page = _answer(client).get_data(as_text=True)  # no answers: every programme
    articles = dict(
        re.findall(r'<h2 id="programme-\d+">(.*?)</h2>(.*?)</article>', page, flags=re.S)
    )
    booked = [title for title, body in articles.items() if "予約：弁護士による無料法律相談" in body]
    assert booked == [legal.name_ja], booked
    assert child_support.name_ja in articles and other.name_ja in articles


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


DV_DESK = "こども家庭課 女性相談・DV相談"


def _no_word_of_dv(messages) -> None:
    for message in messages:
        seen = message["Subject"] + text_body(message) + html_body(message)
        seen = re.sub(r"/r/[\w.-]+", "/r/…", seen)  # a random token may spell "DV"
        for word in ("DV", "女性相談", "domestic violence", "Safety"):
            assert word not in seen, (word, message["Subject"])


def test_choosing_dv_on_the_plain_form_is_the_safe_mode(client, session, city, worker, settings):
    page = _ask(client, programme="")  # from LINE's 「相談」 or the parent's page: no programme
    assert 'value="dv-sodan"' in page and "#8008" not in page
    response = _send(client, page, programme="dv-sodan", contact_way="email", email="h@example.jp")
    assert response.status_code == 303
    [request] = session.exec(select(ConsultationRequest)).all()
    assert request.unsafe_at_home
    assert session.get(Desk, request.desk_id).name_ja == DV_DESK
    worker.request_messages()
    assert read_outbox(settings.outbox_dir) == []  # no acknowledgement at all
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert text.index("#8008") < text.index("0120-279-889") < text.index(DV_DESK)


def test_saying_home_is_not_safe_on_the_plain_form_goes_to_the_dv_desk(
    client, session, city, worker, settings
):
    page = _ask(client, programme="")
    assert 'name="home_unsafe"' in page
    response = _send(client, page, home_unsafe="y", contact_way="email", email="h@example.jp")
    assert response.status_code == 303
    [request] = session.exec(select(ConsultationRequest)).all()
    assert request.unsafe_at_home
    assert session.get(Desk, request.desk_id).name_ja == DV_DESK
    worker.request_messages()
    assert read_outbox(settings.outbox_dir) == []


def test_the_safe_mode_shows_the_hotlines_and_the_dv_desk_first(client, city):
    page = _ask(client, programme="", unsafe="1")
    assert page.index("#8008") < page.index("0120-279-889") < page.index("110")
    assert page.index(DV_DESK) < page.index('name="contact_way"')
    assert re.search(r'name="unsafe"[^>]*value="1"', page) and 'name="home_unsafe"' not in page
    # A programme for an unsafe home puts the form in the same mode, however it was reached.
    assert "#8008" in _ask(client, programme="dv-sodan")


def test_a_dv_desks_answer_names_neither_dv_nor_the_desk(session, city, worker, settings):
    staff = create_staff(session, organisation=city)
    dv_desk = session.exec(select(Desk).where(Desk.name_ja == DV_DESK)).one()
    request = open_request(
        session,
        organisation=city,
        desk=dv_desk,
        contact=Contact(way=ContactWay.EMAIL, email="hanako@example.jp"),
        locale="en",
        now=utcnow(),
    )
    answer(session, request, "明日の午前中にお電話します。", staff_id=staff.id, now=utcnow())
    session.commit()
    assert worker.request_messages() == 2
    messages = read_outbox(settings.outbox_dir)
    assert len(messages) == 2 and "明日の午前中にお電話します。" in text_body(messages[-1])
    _no_word_of_dv(messages)


def test_a_parent_replies_to_the_desks_answer_on_their_requests_page(
    client, session, city, worker, settings
):
    staff = create_staff(session, organisation=city)
    response = _send(client, _ask(client), contact_way="email", email="hanako@example.jp")
    path = response.headers["Location"]
    [request] = session.exec(select(ConsultationRequest)).all()
    answer(session, request, "書類をお持ちですか。", staff_id=staff.id, now=utcnow())
    session.commit()
    worker.request_messages()
    email = read_outbox(settings.outbox_dir)[-1]
    assert "書類をお持ちですか。" in text_body(email)
    assert email["Reply-To"] is None  # the sender cannot be answered; the page can
    link = re.search(r'href="([^"]+#reply)"', html_body(email)).group(1)
    assert link in text_body(email)
    # Signed when the email was made, so not the page's own link to the letter: the same page.
    opened = client.get(link.split("#")[0].removeprefix("https://yorisou.example.jp"))
    assert "/r/" in link and "書類をお持ちですか。" in opened.get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert "書類をお持ちですか。" in page and 'id="reply"' in page
    empty = client.post(
        f"{path.split('?')[0]}/reply", data={"csrf_token": csrf_token(client, path), "reply": " "}
    )
    assert empty.status_code == 400 and "メッセージを入力してください" in empty.get_data(
        as_text=True
    )
    sent = client.post(
        f"{path.split('?')[0]}/reply",
        data={"csrf_token": csrf_token(client, path), "reply": "はい、持っています。"},
    )
    assert sent.status_code == 303
    [reply] = session.exec(select(RequestEvent).where(RequestEvent.kind == "reply")).all()
    assert (reply.body, reply.staff_user_id) == ("はい、持っています。", None)
    page = client.get(path).get_data(as_text=True)
    assert page.index("書類をお持ちですか。") < page.index("はい、持っています。")
    assert len(read_outbox(settings.outbox_dir)) == 2  # nothing more to the inbox
    token = csrf_token(client, path)
    close(session, request, staff_id=staff.id, now=utcnow(), outcome="informed")
    session.commit()
    ended = client.post(
        f"{path.split('?')[0]}/reply", data={"csrf_token": token, "reply": "もう一つ"}
    )
    assert ended.status_code == 409


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
        "この件で相談する： https://yorisou.example.jp/guide/aoba/ask?programme=yoikuhi-hosho"
        in text
    )
    assert "支援制度・相談： https://yorisou.example.jp/guide/aoba" in text
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
