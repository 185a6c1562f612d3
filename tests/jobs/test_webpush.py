"""Push notices through the engine: delivery, dead tokens, the email fallback, quiet hours."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.bookings.models import Booking, Slot
from service.channels import Recipient, RenderedMessage
from service.models import Delivery, Endpoint
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    add_push_endpoint,
    create_event,
    create_notice,
    create_organisation,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox

NOON_TOKYO = datetime(2027, 8, 17, 3, 0, tzinfo=UTC)


@pytest.fixture
def worker(settings, database, fake_google):
    settings = replace(
        settings,
        firebase_credentials=json.dumps(fake_google.service_account()),
        fcm_api_host=fake_google.url,
    )
    return Worker(create_app(settings, database))


@pytest.fixture
def parent(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    subscriber = create_subscriber(
        session, organisation=city, topics=[topic], email="hanako@example.jp"
    )
    return city, topic, subscriber


@pytest.mark.parametrize(
    ("previews", "title", "body"),
    [
        (False, "あおば市からのお知らせがあります", "タップすると内容を確認できます。"),
        (True, "現況届の受付が始まりました", "8月31日までに提出してください。"),
    ],
)
def test_a_push_notice_reaches_the_phone_discreetly_unless_asked(
    session, worker, fake_google, parent, previews, title, body
):
    city, topic, subscriber = parent
    subscriber.push_previews = previews
    session.add(subscriber)
    session.commit()
    add_push_endpoint(session, subscriber=subscriber, token="tok-hanako")
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        channels=["webpush"],
        title="現況届の受付が始まりました",
        body="8月31日までに提出してください。",
        starts_at=NOON_TOKYO,
    )
    worker.run_once(NOON_TOKYO)
    [push] = fake_google.received
    assert (push.token, push.title, push.body) == ("tok-hanako", title, body)
    assert push.link.startswith("https://yorisou.example.jp/preferences/")
    session.expire_all()
    assert session.exec(select(Delivery)).one().status == "sent"


def test_a_dead_token_is_disabled_and_an_urgent_notice_falls_back_to_email(
    session, worker, fake_google, parent, settings
):
    city, topic, subscriber = parent
    add_push_endpoint(session, subscriber=subscriber, token="unregistered-hanako")
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        channels=["webpush"],
        urgent=True,
        title="児童扶養手当の現況届は8月31日までです",
        starts_at=NOON_TOKYO,
    )
    worker.run_once(NOON_TOKYO)
    worker.run_once(NOON_TOKYO)
    session.expire_all()
    push = session.exec(select(Endpoint).where(Endpoint.channel == "webpush")).one()
    assert push.disabled_at is not None and push.disabled_reason == "fcm NOT_FOUND"
    [email] = read_outbox(settings.outbox_dir)
    assert str(email["To"]) == "hanako@example.jp"
    assert str(email["Subject"]) == "児童扶養手当の現況届は8月31日までです"
    assert sorted(d.status for d in session.exec(select(Delivery))) == ["failed", "sent"]


def test_a_routine_notice_does_not_fall_back(session, worker, fake_google, parent, settings):
    city, topic, subscriber = parent
    add_push_endpoint(session, subscriber=subscriber, token="unregistered-hanako")
    create_notice(
        session, organisation=city, topics=[topic], channels=["webpush"], starts_at=NOON_TOKYO
    )
    worker.run_once(NOON_TOKYO)
    worker.run_once(NOON_TOKYO)
    assert read_outbox(settings.outbox_dir) == []


def test_push_waits_out_quiet_hours_but_email_does_not(
    session, worker, fake_google, parent, settings
):
    city, topic, subscriber = parent
    add_push_endpoint(session, subscriber=subscriber, token="tok-hanako")
    ten_pm = datetime(2027, 8, 17, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo
    create_notice(
        session, organisation=city, topics=[topic], channels=["webpush", "email"], starts_at=ten_pm
    )
    worker.run_once(ten_pm)
    assert fake_google.received == []
    assert len(read_outbox(settings.outbox_dir)) == 1
    eight_am = datetime(2027, 8, 17, 23, 0, tzinfo=UTC)
    session.expire_all()
    pending = session.exec(select(Delivery).where(Delivery.status == "pending")).one()
    assert pending.next_attempt_at == eight_am and pending.attempts == 0
    worker.run_once(eight_am - timedelta(minutes=1))
    assert fake_google.received == []
    worker.run_once(eight_am)
    assert fake_google.tokens() == ["tok-hanako"]


def test_a_push_the_sdk_refuses_fails_alone_and_is_not_sent(worker, fake_google):
    """firebase-admin refuses a link that is not https before sending: that message fails, the
    others go."""
    message = RenderedMessage("件名", "本文", "", "", "市", link="%%link%%")
    channel = worker.channels["webpush"]
    results = channel.send(
        message,
        [
            Recipient(1, "token-a", {"%%link%%": "http://yorisou.example.jp/preferences/x"}),
            Recipient(2, "token-b", {"%%link%%": "https://yorisou.example.jp/preferences/y"}),
        ],
    )
    assert [(r.delivery_id, r.outcome) for r in results] == [(1, "failed"), (2, "sent")]
    assert "HTTPS" in results[0].error
    assert fake_google.tokens() == ["token-b"]


@pytest.mark.parametrize(
    ("previews", "title", "body"),
    [
        (False, "あおば市：ご予約について", "タップして確認してください。"),
        (True, "予約しました：弁護士による無料法律相談", "弁護士による無料法律相談"),
    ],
)
def test_a_push_notice_books_on_the_phone_and_the_confirmation_is_as_discreet_as_chosen(
    session, worker, fake_google, parent, previews, title, body
):
    city, topic, subscriber = parent
    subscriber.push_previews = previews
    session.add(subscriber)
    session.commit()
    device = add_push_endpoint(session, subscriber=subscriber, token="tok-hanako")
    noon = (utcnow() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    event = create_event(
        session,
        organisation=city,
        starts_at=noon + timedelta(days=10),
        title_ja="弁護士による無料法律相談",
    )
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        channels=["webpush"],
        title="無料法律相談のご案内",
        starts_at=noon,
        book_event_id=event.id,
    )
    worker.run_once(noon)
    [notice] = fake_google.received
    assert notice.link.startswith(f"https://yorisou.example.jp/e/{event.public_id}?link=")
    client = worker.app.test_client()
    path = notice.link.removeprefix("https://yorisou.example.jp")
    page = client.get(path).get_data(as_text=True)
    assert "このスマートフォンの通知で届きます" in page
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    response = client.post(
        f"/e/{event.public_id}",
        data={
            "csrf_token": csrf_token(client, path),
            "link": path.split("link=")[1],
            "slot": slot.id,
            "childcare": 0,
            "consent": "y",
        },
    )
    assert response.status_code == 303
    assert session.exec(select(Booking)).one().endpoint_id == device.id
    worker.run_once(noon)
    confirmation = fake_google.received[-1]
    assert (confirmation.token, confirmation.title, confirmation.body) == (
        "tok-hanako",
        title,
        body,
    )
    assert confirmation.link.startswith("https://yorisou.example.jp/b/")
