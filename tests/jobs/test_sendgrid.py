"""The engine against a fake SendGrid, over HTTP as SendGrid is spoken to."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.bookings.models import Booking, Slot
from service.channels import Recipient, RenderedMessage, email_sendgrid
from service.channels.email_sendgrid import SendGridEmail, request_body
from service.models import ChannelState, Delivery, DeliveryStatus, Endpoint, NoticeTopic
from service.types import utcnow
from tests.conftest import csrf_token, sign_up, with_sendgrid
from tests.factories import (
    create_event,
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
    write_deliveries,
)
from tests.fakes.sendgrid import API_KEY
from tests.fakes.server import Fault

NOW = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)


@pytest.fixture
def worker(settings, database, fake_sendgrid):
    return Worker(create_app(with_sendgrid(settings, fake_sendgrid), database))


@pytest.fixture
def city(session):
    return create_organisation(session)


def _deliveries(session):
    session.expire_all()
    return session.exec(select(Delivery).order_by(Delivery.id)).all()


def _notice_for(session, city, count, topics=None):
    topic = create_topic(session, organisation=city)
    for n in range(count):
        create_subscriber(session, organisation=city, topics=[topic], email=f"p{n}@example.jp")
    return create_notice(session, organisation=city, topics=topics or [topic], starts_at=NOW)


def test_overlapping_topics_reach_each_address_once_with_its_own_links(
    session, city, worker, fake_sendgrid, caplog
):
    topics = [create_topic(session, organisation=city, slug=s, name_ja=s) for s in "abc"]
    create_subscriber(session, organisation=city, topics=topics, email="all@example.jp")
    create_subscriber(session, organisation=city, topics=topics[:2], email="two@example.jp")
    create_subscriber(session, organisation=city, topics=topics[2:], email="one@example.jp")
    create_notice(session, organisation=city, topics=topics, title="手当の支払日", starts_at=NOW)

    with caplog.at_level(logging.INFO, logger="jobs.dispatch"):
        worker.run_once(NOW)

    assert fake_sendgrid.requests == 1
    received = sorted(fake_sendgrid.received, key=lambda m: m.to)
    assert [m.to for m in received] == ["all@example.jp", "one@example.jp", "two@example.jp"]
    unsubscribe_links = {m.headers["List-Unsubscribe"] for m in received}
    assert len(unsubscribe_links) == 3
    for message in received:
        link = message.headers["List-Unsubscribe"].strip("<>")
        assert link in message.text and link in message.html
        assert "%%" not in message.text + message.html
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.subject == "手当の支払日"
    deliveries = _deliveries(session)
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert {str(d.id) for d in deliveries} == {m.custom_args["delivery_id"] for m in received}
    # SendGrid's id of the request, for its activity feed: in the batch's log line.
    first, last = min(d.id for d in deliveries), max(d.id for d in deliveries)
    assert f"deliveries={first}-{last} provider_id={received[0].message_id}" in caplog.text


def test_429_waits_as_asked_then_delivers_once(session, city, worker, fake_sendgrid):
    _notice_for(session, city, 3)
    fake_sendgrid.plan(Fault(status=429, headers={"Retry-After": "120"}))
    worker.run_once(NOW)
    assert fake_sendgrid.received == []
    assert all(d.next_attempt_at >= NOW + timedelta(seconds=120) for d in _deliveries(session))
    worker.run_once(NOW + timedelta(seconds=60))
    assert fake_sendgrid.requests == 1
    worker.run_once(NOW + timedelta(seconds=121))
    assert sorted(fake_sendgrid.addresses()) == ["p0@example.jp", "p1@example.jp", "p2@example.jp"]
    assert [d.attempts for d in _deliveries(session)] == [2, 2, 2]


def test_random_provider_failures_end_with_everything_sent_exactly_once(
    session, city, worker, fake_sendgrid
):
    worker.channels["email"].max_batch = 7  # many small requests, so many faults
    _notice_for(session, city, 60)
    fake_sendgrid.failure_rate = 0.3
    now = NOW
    for _ in range(40):
        worker.run_once(now)
        if all(d.status == DeliveryStatus.SENT for d in _deliveries(session)):
            break
        now += timedelta(hours=7)  # past any backoff
    addresses = fake_sendgrid.addresses()
    assert sorted(addresses) == sorted(f"p{n}@example.jp" for n in range(60))
    assert len(addresses) == len(set(addresses))
    assert fake_sendgrid.requests > 9  # faults happened and were retried


def test_an_invalid_address_is_disabled_and_the_rest_go_through(
    session, city, worker, fake_sendgrid
):
    topic = create_topic(session, organisation=city)
    create_subscriber(session, organisation=city, topics=[topic], email="good@example.jp")
    bad = create_subscriber(session, organisation=city, topics=[topic], email="bad@@example")
    create_notice(session, organisation=city, topics=[topic], starts_at=NOW)
    worker.run_once(NOW)
    worker.run_once(NOW)
    assert fake_sendgrid.addresses() == ["good@example.jp"]
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == bad.id)).one()
    assert endpoint.disabled_at is not None and endpoint.disabled_reason == "invalid address"
    assert sorted(d.status for d in _deliveries(session)) == ["failed", "sent"]


def test_a_refused_api_key_pauses_the_channel_without_spending_attempts(
    session, city, worker, fake_sendgrid, caplog
):
    _notice_for(session, city, 2)
    worker.channels["email"] = SendGridEmail("SG.revoked", fake_sendgrid.url)
    worker.run_once(NOW)
    assert fake_sendgrid.requests == 1
    assert "ALERT channel=email paused" in caplog.text
    state = session.get(ChannelState, "email")
    assert state.paused_until > NOW and "401" in state.pause_reason
    assert {(d.status, d.attempts) for d in _deliveries(session)} == {("pending", 0)}
    worker.run_once(NOW + timedelta(seconds=10))
    assert fake_sendgrid.requests == 1  # the queue is not burnt through
    worker.channels["email"] = SendGridEmail(API_KEY, fake_sendgrid.url)
    worker.run_once(state.paused_until + timedelta(seconds=1))
    assert len(fake_sendgrid.received) == 2


def test_timeouts_and_dropped_connections_are_retried(session, city, worker, fake_sendgrid):
    worker.channels["email"] = SendGridEmail(API_KEY, fake_sendgrid.url, timeout=0.3)
    _notice_for(session, city, 1)
    fake_sendgrid.plan(Fault(delay=1.0), Fault(drop=True))
    worker.run_once(NOW)
    worker.run_once(NOW + timedelta(hours=7))
    assert fake_sendgrid.received == []
    assert {d.last_error for d in _deliveries(session)} == {"network: RemoteDisconnected"}
    worker.run_once(NOW + timedelta(hours=14))
    assert fake_sendgrid.addresses() == ["p0@example.jp"]


def test_batches_share_one_kept_alive_connection_until_it_idles(fake_sendgrid, monkeypatch):
    channel = SendGridEmail(API_KEY, fake_sendgrid.url)
    message = RenderedMessage("件名", "本文", "<p>本文</p>", "a@city.example.jp", "市")
    for n in range(3):
        assert channel.send(message, [Recipient(n, f"p{n}@example.jp")])[0].outcome == "sent"
    assert (fake_sendgrid.requests, fake_sendgrid.connections) == (3, 1)
    # After a quiet spell the server may have closed it: a new one, not a POST into the void.
    monkeypatch.setattr(email_sendgrid, "IDLE_SECONDS", 0)
    assert channel.send(message, [Recipient(9, "p9@example.jp")])[0].outcome == "sent"
    assert (fake_sendgrid.requests, fake_sendgrid.connections) == (4, 2)
    # A connection broken mid-request is not used again.
    monkeypatch.setattr(email_sendgrid, "IDLE_SECONDS", 60)
    fake_sendgrid.plan(Fault(drop=True))
    assert channel.send(message, [Recipient(10, "p10@example.jp")])[0].outcome == "retry"
    assert channel.send(message, [Recipient(10, "p10@example.jp")])[0].outcome == "sent"
    assert fake_sendgrid.connections == 3
    assert fake_sendgrid.addresses() == [f"p{n}@example.jp" for n in (0, 1, 2, 9, 10)]


def test_a_delivery_gives_up_after_the_last_attempt(session, city, worker, fake_sendgrid):
    _notice_for(session, city, 1)
    fake_sendgrid.plan(*[Fault(status=500)] * worker.policy.max_attempts)
    now = NOW
    for _ in range(worker.policy.max_attempts + 2):
        worker.run_once(now)
        now += timedelta(hours=7)
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == ("failed", worker.policy.max_attempts)
    assert fake_sendgrid.received == []


def test_confirmations_have_a_lane_of_their_own(session, city, worker, fake_sendgrid, client):
    notice = _notice_for(session, city, 5)
    write_deliveries(session, NOW)
    create_source(session, organisation=city, code="koseki")
    [topic_id] = session.exec(
        select(NoticeTopic.topic_id).where(NoticeTopic.notice_id == notice.id)
    )
    response = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf_token(client, "/s/koseki"),
            "source": "koseki",
            "email": "new@example.jp",
            "topics": [str(topic_id)],
            "consent": "y",
        },
    )
    assert response.status_code == 303
    assert worker.dispatch(NOW, max_priority=0) == 1
    assert fake_sendgrid.addresses() == ["new@example.jp"]
    assert len([d for d in _deliveries(session) if d.status == "pending"]) == 5


def test_an_address_twice_in_a_batch_goes_in_two_requests_and_fails_no_one(
    session, city, worker, fake_sendgrid, client
):
    """A parent who signs up twice before confirming, among other parents at the counter:
    SendGrid refuses a request holding one address twice, for everyone in it."""
    create_source(session, organisation=city, code="koseki")
    topic = create_topic(session, organisation=city)
    for email in ("hanako@example.jp", "taro@example.jp", "Hanako@Example.jp", "jiro@example.jp"):
        assert sign_up(client, topic_ids=[topic.id], email=email).status_code == 303
    worker.dispatch(NOW, max_priority=0)
    assert fake_sendgrid.requests == 2
    assert sorted(m.to.lower() for m in fake_sendgrid.received) == [
        "hanako@example.jp",
        "hanako@example.jp",
        "jiro@example.jp",
        "taro@example.jp",
    ]
    assert {d.status for d in _deliveries(session)} == {DeliveryStatus.SENT}


def test_the_fake_refuses_an_address_twice_as_sendgrid_does(fake_sendgrid):
    channel = SendGridEmail(API_KEY, fake_sendgrid.url)
    message = RenderedMessage("件名", "本文", "<p>本文</p>", "a@city.example.jp", "市")
    twice = [Recipient(1, "p@example.jp"), Recipient(2, "P@example.jp")]
    refused = channel.post(request_body(message, twice))
    assert refused.status == 400
    assert "should only be included once" in refused.body.decode()
    assert [r.outcome for r in channel.send(message, twice)] == ["sent", "sent"]
    assert fake_sendgrid.requests == 3


def test_a_recipient_over_the_substitution_limit_fails_alone(fake_sendgrid):
    channel = SendGridEmail(API_KEY, fake_sendgrid.url)
    message = RenderedMessage("件名", "%%x%%", "<p>%%x%%</p>", "a@city.example.jp", "市")
    huge = Recipient(1, "big@example.jp", {"%%x%%": "あ" * 3400})  # 10,200 bytes
    fine = Recipient(2, "p@example.jp", {"%%x%%": "あ" * 3000})
    results = {r.delivery_id: r for r in channel.send(message, [huge, fine])}
    assert results[1].outcome == "failed" and "10,000 bytes" in results[1].error
    assert results[2].outcome == "sent"
    assert fake_sendgrid.addresses() == ["p@example.jp"]
    assert channel.post(request_body(message, [huge])).status == 400  # as SendGrid would


def test_a_notice_offering_a_booking_gives_each_parent_their_own_booking_link(
    session, settings, fake_sendgrid, database
):
    """「予約する」 in a notice email knows the parent: their link opens the event's page with
    nothing to type, and books through their own address; the confirmation carries the .ics
    as SendGrid takes attachments."""
    app = create_app(with_sendgrid(settings, fake_sendgrid), database)
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    parents = [
        create_subscriber(session, organisation=city, topics=[topic], email=f"p{n}@example.jp")
        for n in range(2)
    ]
    event = create_event(session, organisation=city, starts_at=utcnow() + timedelta(days=10))
    create_notice(
        session, organisation=city, topics=[topic], starts_at=utcnow(), book_event_id=event.id
    )
    Worker(app).run_once()
    links = {
        m.to: re.search(r"https://yorisou\.example\.jp(/e/[\w]+\?link=[\w.\-]+)", m.text).group(1)
        for m in fake_sendgrid.received
    }
    assert len(set(links.values())) == 2 and all(event.public_id in link for link in links.values())
    client = app.test_client()
    page = client.get(links["p0@example.jp"]).get_data(as_text=True)
    assert 'name="email"' not in page and "p0@example.jp" not in page  # masked, never whole
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    token = re.search(r'name="link"[^>]*value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        f"/e/{event.public_id}",
        data={"csrf_token": csrf, "link": token, "slot": slot.id, "childcare": 0, "consent": "y"},
    )
    assert response.status_code == 303
    booking = session.exec(select(Booking)).one()
    assert booking.subscriber_id == parents[0].id and booking.address is None
    Worker(app).run_once()
    confirmation = fake_sendgrid.received[-1]
    assert confirmation.to == "p0@example.jp"
    [attachment] = confirmation.attachments
    assert (attachment["filename"], attachment["type"]) == ("booking.ics", "text/calendar")
    assert b"BEGIN:VEVENT" in attachment["content"]
