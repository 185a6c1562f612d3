"""The LINE account's webhook, end to end: signed posts from "LINE", replies that reach the fake
LINE API, the preferences page the reply's button opens, and notices sent by the worker."""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from linebot.v3.webhooks import Event
from sqlmodel import func, select

from jobs.worker import Worker
from service import create_app
from service.bookings.models import Booking, Slot
from service.line.chat import apply_events
from service.line.models import LineLink
from service.models import (
    Child,
    Delivery,
    Endpoint,
    ProviderEvent,
    Subscriber,
    Subscription,
    Suppression,
)
from service.support.models import ConsultationRequest, Desk, RequestEvent, RequestStatus
from service.support.requests import close
from service.types import utcnow
from tests.conftest import csrf_token, with_line
from tests.factories import (
    create_catalogue,
    create_event,
    create_notice,
    create_organisation,
    create_source,
    create_topic,
)
from tests.fakes.line import FakeLine, signature, user_id

HANAKO = user_id("hanako")


@pytest.fixture
def app(settings, database, fake_line):
    app = create_app(with_line(settings, fake_line), database)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def city(session):
    city = create_organisation(session)
    topics = [
        create_topic(session, organisation=city),
        create_topic(session, organisation=city, slug="shigoto", name_ja="仕事", name_en="Work"),
    ]
    source = create_source(session, organisation=city)
    return city, topics, source


def event(kind, user=HANAKO, **fields):
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1795737600000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex[:26].upper(),
        "deliveryContext": {"isRedelivery": False},
        **fields,
    }


def follow(user=HANAKO):
    return event(
        "follow", user, replyToken=f"reply-{uuid.uuid4().hex}", follow={"isUnblocked": False}
    )


def text(words, user=HANAKO):
    return event(
        "message",
        user,
        replyToken=f"reply-{uuid.uuid4().hex}",
        message={"type": "text", "id": "1", "text": words, "quoteToken": "q"},
    )


def post(client, *events, sign=True, forged=False):
    body = json.dumps({"destination": "Ubot", "events": list(events)}).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-Line-Signature"] = signature(body, "wrong-secret") if forged else signature(body)
    return client.post("/webhooks/line", data=body, headers=headers)


def preferences_path(reply):
    [action] = reply.actions
    assert action["type"] == "uri"
    return re.sub(r"^https://yorisou\.example\.jp", "", action["uri"])


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(("sign", "forged", "status"), [(False, False, 401), (True, True, 403)])
def test_a_post_without_a_good_signature_is_refused_and_changes_nothing(
    session, client, fake_line, city, sign, forged, status
):
    response = post(client, follow(), sign=sign, forged=forged)
    assert response.status_code == status
    assert response.is_json and "Traceback" not in response.get_data(as_text=True)
    assert count(session, Subscriber) == count(session, ProviderEvent) == 0
    assert fake_line.replies == []


def test_a_body_that_is_not_a_webhook_payload_is_a_clear_400(session, client, city):
    body = b'{"events": "no"}'
    response = client.post(
        "/webhooks/line", data=body, headers={"X-Line-Signature": signature(body)}
    )
    assert response.status_code == 400 and response.is_json
    assert count(session, Subscriber) == 0


def test_without_line_settings_there_is_no_line_at_all(settings, database, session, city):
    client = create_app(settings, database).test_client()
    assert "LINE" not in client.get("/s/koseki").get_data(as_text=True)
    assert post(client, follow()).status_code == 403
    assert count(session, Subscriber) == 0


def test_follow_then_topics_then_a_notice_arrives_by_multicast(
    session, client, app, fake_line, city
):
    city, [yoikuhi, shigoto], _ = city
    assert post(client, follow()).status_code == 200
    [(token, greeting)] = fake_line.replies
    assert "友だち追加ありがとうございます" in greeting.texts[0]
    assert greeting.actions[0]["label"] == "お知らせを選ぶ"
    endpoint = session.exec(select(Endpoint)).one()
    assert (endpoint.channel, endpoint.address, endpoint.verified_at is not None) == (
        "line",
        HANAKO,
        True,
    )

    page = client.get(preferences_path(greeting))
    assert page.status_code == 200 and "LINE" in page.get_data(as_text=True)
    path = preferences_path(greeting)
    response = client.post(
        f"{path}/topics",
        data={"csrf_token": csrf_token(client, path), f"topic-{shigoto.id}": "y"},
    )
    assert response.status_code == 303
    assert [s.topic_id for s in session.exec(select(Subscription))] == [shigoto.id]

    create_notice(
        session,
        organisation=city,
        topics=[shigoto],
        channels=["line"],
        title="就職セミナーのご案内",
        starts_at=utcnow(),
    )
    create_notice(
        session,
        organisation=city,
        topics=[yoikuhi],
        channels=["line"],
        title="養育費の相談会",
        starts_at=utcnow(),
    )
    Worker(app).run_once(_daytime())
    assert fake_line.users() == [HANAKO]
    assert fake_line.sent[0].texts[0] == "就職セミナーのご案内"


def _daytime():
    """Noon in Tokyo on a day after now: outside quiet hours, and every notice is due."""
    now = utcnow() + timedelta(days=1)
    return now.replace(hour=3, minute=0, second=0, microsecond=0)


def test_the_qr_landing_hands_a_code_that_brings_the_counter_and_choices_into_line(
    session, client, fake_line, city
):
    city, [yoikuhi, shigoto], source = city
    landing = client.get("/s/koseki").get_data(as_text=True)
    assert "LINEで受け取る" in landing
    response = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf_token(client, "/s/koseki"),
            "source": "koseki",
            "topics": [str(yoikuhi.id)],
            "children-0": "2019-04",
            "consent": "y",
            "channel": "line",
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    link = session.exec(select(LineLink)).one()
    shown = f"{link.code[:4]}-{link.code[4:]}"
    assert shown in html
    assert "https://line.me/R/oaMessage/%40yorisou/?%E7%99%BB%E9%8C%B2" in html  # 登録コード…
    assert count(session, Subscriber) == 0  # nothing until the parent is in LINE

    post(client, follow())  # LINE shows the add-friend screen first
    post(client, text(f"登録コード {shown}"))
    subscriber = session.exec(select(Subscriber)).one()
    session.refresh(subscriber)
    assert subscriber.source_id == source.id
    assert [s.topic_id for s in session.exec(select(Subscription))] == [yoikuhi.id]
    assert [c.birth_month.isoformat() for c in session.exec(select(Child))] == ["2019-04-01"]
    assert count(session, LineLink) == 0
    linked = fake_line.replies[-1][1]
    assert linked.texts[0].startswith("登録が完了しました")
    assert client.get(preferences_path(linked)).status_code == 200

    post(client, text(shown.lower().replace("-", "")))  # the same code again, typed by hand
    assert fake_line.replies[-1][1].texts[0].startswith("この登録コードは使えません")
    assert count(session, Subscriber) == 1
    assert client.get(response.headers["Location"]).status_code == 410


def test_a_code_more_than_a_day_old_is_refused_and_swept(session, client, app, fake_line, city):
    city, [yoikuhi, _], source = city
    link = LineLink(
        code="ABCDEFGH",
        organisation_id=city.id,
        source_id=source.id,
        choices={"topics": [yoikuhi.id]},
        created_at=utcnow() - timedelta(days=2),
    )
    session.add(link)
    session.commit()
    post(client, text("ABCD-EFGH"))
    assert "使えません" in fake_line.replies[-1][1].texts[0]
    assert count(session, Subscriber) == 0
    Worker(app).upkeep()
    assert count(session, LineLink) == 0


def test_unfollow_stops_at_once_and_a_new_follow_starts_again(
    session, client, app, fake_line, city
):
    city, [yoikuhi, _], _ = city
    post(client, follow())
    subscriber = session.exec(select(Subscriber)).one()
    session.add(Subscription(subscriber_id=subscriber.id, topic_id=yoikuhi.id))
    session.commit()
    assert post(client, event("unfollow")).status_code == 200
    session.expire_all()
    endpoint = session.exec(select(Endpoint)).one()
    assert endpoint.disabled_at is not None and endpoint.disabled_reason == "unfollowed"
    assert len(fake_line.replies) == 1  # nobody to answer: LINE has no reply token for it

    create_notice(
        session, organisation=city, topics=[yoikuhi], channels=["line"], starts_at=utcnow()
    )
    Worker(app).run_once(_daytime())
    assert fake_line.sent == []

    post(client, follow())  # unblocked
    session.expire_all()
    assert session.exec(select(Endpoint)).one().disabled_at is None
    assert count(session, Subscriber) == 1


@pytest.mark.parametrize("words", ["停止", "配信停止", "「停止」", "ＳＴＯＰ", "停止（ていし）"])
def test_stop_in_the_chat_unsubscribes(session, client, fake_line, city, words):
    city, [yoikuhi, _], _ = city
    post(client, follow())
    subscriber = session.exec(select(Subscriber)).one()
    session.add(Subscription(subscriber_id=subscriber.id, topic_id=yoikuhi.id))
    session.add(Delivery(endpoint_id=session.exec(select(Endpoint)).one().id, send_id=1))
    session.commit()
    post(client, text(words))
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is not None
    assert session.exec(select(Delivery)).one().status == "suppressed"
    assert fake_line.replies[-1][1].texts == [
        "配信を停止しました。もう一度受け取るときは「登録」と送ってください。"
    ]
    post(client, text("登録"))  # and back again, as a new registration
    assert count(session, Subscriber) == 2
    assert "友だち追加ありがとうございます" in fake_line.replies[-1][1].texts[0]


def test_settings_and_anything_else_bring_the_parents_own_link(session, client, fake_line, city):
    post(client, follow())
    for word in ("設定", "せってい", "Settings"):  # what the notice's button sends, by language
        post(client, text(word))
        assert fake_line.replies[-1][1].actions[0]["label"] == "設定を開く"
    post(client, text("来週の相談会は何時からですか"))  # this city has no answers yet
    other = fake_line.replies[-1][1]
    assert "回答が見つかりませんでした" in other.texts[0]
    assert "あおば市 電話 000-000-0000" in other.texts[0]
    assert "/guide/aoba/ask?link=" in other.actions[0]["uri"]  # the request form, knowing them


def test_a_redelivered_event_is_applied_once(session, client, fake_line, city):
    once = follow()
    post(client, once)
    post(client, {**once, "deliveryContext": {"isRedelivery": True}})
    assert count(session, Subscriber) == 1
    assert len(fake_line.replies) == 1


def test_the_greeting_speaks_the_language_of_the_parents_line_app(session, client, fake_line, city):
    fake_line.languages[HANAKO] = "en"
    post(client, follow())
    assert fake_line.replies[0][1].texts[0].startswith("Thank you for adding us.")
    assert session.exec(select(Subscriber)).one().locale == "en"


def test_erasure_blocks_the_line_user_until_they_follow_again(session, client, fake_line, city):
    post(client, follow())
    path = preferences_path(fake_line.replies[0][1])
    response = client.post(
        f"{path}/erase", data={"csrf_token": csrf_token(client, path), "sure": "y"}
    )
    assert response.status_code == 200
    assert count(session, Subscriber) == 0
    assert session.exec(select(Suppression)).one().channel == "line"
    post(client, follow())
    assert count(session, Subscriber) == 1 and count(session, Suppression) == 0


def test_with_the_line_api_down_a_follow_still_registers(settings, database, session, city):
    unreachable = replace(with_line(settings, FakeLine()), line_api_host="http://127.0.0.1:9")
    client = create_app(unreachable, database).test_client()
    assert post(client, follow()).status_code == 200  # LINE must not post it again
    assert session.exec(select(Endpoint)).one().address == HANAKO


def test_the_privacy_notice_says_what_line_brings_only_when_line_is_on(
    settings, database, client, city
):
    assert "LINEの表示名や写真は保存しません" in client.get("/privacy/aoba").get_data(as_text=True)
    without = create_app(settings, database).test_client()
    assert "LINE" not in without.get("/privacy/aoba").get_data(as_text=True)


def test_a_follow_and_a_code_posted_at_once_make_one_registration(app, database, session, city):
    """LINE posts the follow and the code message separately, perhaps to two processes at the
    same moment: the second waits for the first, then finds its registration."""
    city, [yoikuhi, _], source = city
    link = LineLink(
        code="ABCDEFGH",
        organisation_id=city.id,
        source_id=source.id,
        choices={"topics": [yoikuhi.id]},
        created_at=utcnow(),
    )
    session.add(link)
    session.commit()

    def send_code():
        with app.app_context(), database.session() as second:
            events = [Event.from_dict(text("ABCD-EFGH"))]
            apply_events(second, events, scope=[city.id], languages={}, now=utcnow())
            second.commit()

    first = database.session()
    try:
        with app.app_context():
            events = [Event.from_dict(follow())]
            apply_events(first, events, scope=[city.id], languages={}, now=utcnow())
        racer = threading.Thread(target=send_code)
        racer.start()
        racer.join(0.5)
        assert racer.is_alive()  # waiting for the follow's transaction
        first.commit()
    finally:
        first.close()
    racer.join(30)
    session.expire_all()
    [subscriber] = session.exec(select(Subscriber)).all()
    assert subscriber.source_id == source.id
    assert [s.topic_id for s in session.exec(select(Subscription))] == [yoikuhi.id]


def test_events_in_standby_are_left_to_the_channel_that_is_active(session, client, fake_line, city):
    """With several channels on one account (LINE's module channels), only the active one acts."""
    assert post(client, {**follow(), "mode": "standby"}).status_code == 200
    assert count(session, Subscriber) == count(session, ProviderEvent) == 0
    assert fake_line.replies == []


# Connecting through the LINE account: 「制度」 opens the guide, 「相談」 a request form that
# may be answered in the chat, and what the parent writes back is kept with the request.


def _catalogue(session, city):
    create_catalogue(session, organisation=city[0])


def test_seido_opens_the_guide(session, client, fake_line, city):
    _catalogue(session, city)
    post(client, follow())
    for word in ("制度", "せいど", "Support"):
        post(client, text(word))
        reply = fake_line.replies[-1][1]
        assert reply.actions[0]["label"] in ("支援制度を調べる", "Find support")
        assert preferences_path(reply) == "/guide/aoba"


def test_soudan_leads_to_a_request_answered_in_the_chat(
    session, client, app, fake_line, city, settings
):
    _catalogue(session, city)
    post(client, follow())
    post(client, text("相談"))
    reply = fake_line.replies[-1][1]
    assert "フォームに書いた内容は市だけに届きます" in reply.texts[0]
    path = preferences_path(reply)
    assert path.startswith("/guide/aoba/ask?link=")
    form = client.get(path)
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and "LINEで" in page and HANAKO not in page
    assert (
        "相談したいこと" in page and "児童扶養手当" in page
    )  # no programme yet: the parent names one
    link = re.search(r'name="link"[^>]*value="([^"]+)"', page).group(1)
    sent = client.post(
        "/guide/aoba/request",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "link": link,
            "programme": "iryohi-josei",
            "contact_way": "line",
            "consent": "y",
        },
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    [request] = session.exec(select(ConsultationRequest)).all()
    assert (request.contact_way, request.line_user_id) == ("line", HANAKO)
    assert request.subscriber_id is not None and request.phone is None
    assert (
        request.desk_id == session.exec(select(Desk).where(Desk.name_ja == "保険年金課")).one().id
    )
    Worker(app).request_messages()
    acknowledgement = [s for s in fake_line.sent if s.to == HANAKO][-1]
    assert "受け付けました" in acknowledgement.texts[0]

    # what the parent writes back in the chat goes to the desk, not unanswered
    post(client, text("平日の夕方なら電話に出られます"))
    assert "担当している窓口に" in fake_line.replies[-1][1].texts[0]
    [kept] = session.exec(select(RequestEvent).where(RequestEvent.kind == "reply")).all()
    assert kept.body == "平日の夕方なら電話に出られます" and kept.request_id == request.id

    close(session, request, "connected", staff_id=None, now=utcnow())
    session.commit()
    post(client, text("ありがとうございました"))
    assert "どういたしまして" in fake_line.replies[-1][1].texts[0]
    assert len(session.exec(select(RequestEvent).where(RequestEvent.kind == "reply")).all()) == 1
    assert session.get(ConsultationRequest, request.id).status == RequestStatus.CLOSED


def test_line_is_offered_only_with_the_parents_link(session, client, city):
    _catalogue(session, city)
    page = client.get("/guide/aoba/ask").get_data(as_text=True)
    assert 'value="line"' not in page
    refused = client.post(
        "/guide/aoba/request",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "contact_way": "line",
            "consent": "y",
        },
    )
    assert refused.status_code == 400
    forged = client.get("/guide/aoba/ask?link=forged")  # a link never made ends like an old one
    assert forged.status_code == 410
    assert "リンクなしで相談を申し込む" in forged.get_data(as_text=True)


# Booking through LINE: a notice's 「予約する」 button sends 「予約 CODE」; the answer is the
# parent's own booking page, and the confirmation and reminders come to the chat.


def test_a_notice_button_leads_to_a_booking_confirmed_in_the_chat(
    session, client, app, fake_line, city
):
    city, [yoikuhi, _], _ = city
    post(client, follow())
    subscriber = session.exec(select(Subscriber)).one()
    session.add(Subscription(subscriber_id=subscriber.id, topic_id=yoikuhi.id))
    session.commit()
    event = create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=10),
        title_ja="弁護士による無料法律相談",
        subscribers_only=True,
        topics=[yoikuhi],
    )
    create_notice(
        session,
        organisation=city,
        topics=[yoikuhi],
        channels=["line"],
        title="無料法律相談のご案内",
        starts_at=utcnow(),
        book_event_id=event.id,
    )
    Worker(app).run_once(_daytime())
    bubble = fake_line.sent[-1]
    [book_button] = [a for a in bubble.actions if a.get("label") == "予約する"]
    assert book_button == {
        "type": "message",
        "label": "予約する",
        "text": f"予約 {event.public_id}",
    }

    post(client, text(book_button["text"]))
    reply = fake_line.replies[-1][1]
    path = preferences_path(reply)
    assert path.startswith(f"/e/{event.public_id}?link=")
    page = client.get(path).get_data(as_text=True)
    assert "市のLINEのトークに届きます" in page and 'name="email"' not in page
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    link = re.search(r'name="link"[^>]*value="([^"]+)"', page).group(1)
    booked = client.post(
        f"/e/{event.public_id}",
        data={
            "csrf_token": csrf_token(client, path),
            "link": link,
            "slot": str(slot.id),
            "childcare": "0",
            "consent": "y",
        },
    )
    assert booked.status_code == 303
    booking = session.exec(select(Booking)).one()
    assert (booking.channel, booking.address) == ("line", None)  # the LINE id stays with LINE

    Worker(app).run_once(_daytime())
    confirmation = fake_line.sent[-1]
    assert confirmation.to == HANAKO
    # the lock screen shows the alt text: no 法律相談 there without previews
    assert "法律相談" not in confirmation.alt_text and "予約" in confirmation.alt_text
    assert "弁護士による無料法律相談" in confirmation.texts[0]
    assert confirmation.actions[0]["uri"].startswith("https://yorisou.example.jp/b/")


def test_yoyaku_alone_or_with_an_unknown_code_lists_what_can_be_booked(
    session, client, fake_line, city
):
    post(client, follow())
    for words in ("予約", "予約 ABCDEFGH"):
        post(client, text(words))
        reply = fake_line.replies[-1][1]
        assert preferences_path(reply) == "/o/aoba/events"
