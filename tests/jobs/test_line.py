"""LINE notices through the engine: multicast batches, the retry key, faults, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.channels import Recipient, RenderedMessage
from service.channels.line_messaging import retry_key
from service.models import ChannelState, Delivery, Endpoint
from tests.conftest import with_line
from tests.factories import (
    add_endpoint,
    create_notice,
    create_organisation,
    create_subscriber,
    create_topic,
)
from tests.fakes.line import user_id
from tests.fakes.server import Fault

NOON_TOKYO = datetime(2027, 8, 17, 3, 0, tzinfo=UTC)


@pytest.fixture
def worker(settings, database, fake_line):
    return Worker(create_app(with_line(settings, fake_line), database))


@pytest.fixture
def city(session):
    city = create_organisation(session)
    return city, create_topic(session, organisation=city)


def line_parents(session, city, topic, names, **kwargs):
    parents = []
    for name in names:
        subscriber = create_subscriber(session, organisation=city, topics=[topic], **kwargs)
        add_endpoint(session, subscriber=subscriber, channel="line", address=user_id(name))
        parents.append(subscriber)
    return parents


def line_notice(session, city, topic, **kwargs):
    kwargs.setdefault("starts_at", NOON_TOKYO)
    return create_notice(session, organisation=city, topics=[topic], channels=["line"], **kwargs)


def statuses(session):
    session.expire_all()
    return sorted(
        d.status
        for d in session.exec(
            select(Delivery)
            .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
            .where(Endpoint.channel == "line")
        )
    )


@pytest.mark.parametrize(
    ("previews", "alt_text"),
    [(False, "あおば市からのお知らせがあります"), (True, "現況届の受付が始まりました")],
)
def test_a_notice_reaches_line_as_a_bubble_with_a_discreet_notification(
    session, worker, fake_line, city, previews, alt_text
):
    city, topic = city
    [parent] = line_parents(session, city, topic, ["hanako"])
    parent.push_previews = previews
    session.add(parent)
    session.commit()
    line_notice(
        session,
        city,
        topic,
        title="現況届の受付が始まりました",
        body="8月31日までに**提出**してください。\n\n詳しくは[市のページ](https://city.example.jp/genkyo)へ。",
    )
    worker.run_once(NOON_TOKYO)
    [sent] = fake_line.sent
    assert sent.to == user_id("hanako")
    assert sent.messages[0]["type"] == "flex"
    assert sent.alt_text == alt_text  # what the lock screen and the chat list show
    assert sent.texts[:2] == [
        "現況届の受付が始まりました",
        "8月31日までに提出してください。\n\n詳しくは市のページへ。",
    ]
    assert "「停止」" in sent.texts[2]
    assert sent.actions == [
        {"type": "uri", "label": "市のページ", "uri": "https://city.example.jp/genkyo"},
        {"type": "message", "label": "設定・配信停止", "text": "設定"},
    ]
    assert statuses(session) == ["sent"]


def test_multicast_carries_500_users_a_call_each_with_its_own_retry_key(
    session, worker, fake_line, city
):
    city, topic = city
    line_parents(session, city, topic, [f"parent-{n}" for n in range(1100)])
    line_notice(session, city, topic)
    worker.run_once(NOON_TOKYO)
    assert sorted(fake_line.users()) == sorted(user_id(f"parent-{n}") for n in range(1100))
    assert fake_line.multicasts == 3
    assert len({sent.retry_key for sent in fake_line.sent}) == 3
    assert statuses(session) == ["sent"] * 1100


def test_a_batch_tried_again_after_a_lost_answer_is_not_delivered_twice(
    session, worker, fake_line, city
):
    """LINE took the batch but its answer never came (a 500 after acceptance): the same
    deliveries go again with the same key, LINE answers 409, and they count as sent."""
    city, topic = city
    line_parents(session, city, topic, ["hanako", "taro", "jiro"])
    line_notice(session, city, topic)
    fake_line.plan(Fault(status=500, accept=True, name="accepted, then 500"))
    worker.run_once(NOON_TOKYO)
    assert len(fake_line.sent) == 3 and statuses(session) == ["pending"] * 3
    worker.run_once(NOON_TOKYO + timedelta(minutes=5))
    assert sorted(fake_line.users()) == sorted(user_id(n) for n in ["hanako", "taro", "jiro"])
    assert fake_line.refused_retries == 1
    assert statuses(session) == ["sent"] * 3
    assert len({sent.retry_key for sent in fake_line.sent}) == 1  # one multicast took all three


def test_a_retry_key_stands_for_one_message_to_one_set_of_deliveries():
    notice = RenderedMessage("件名", "本文", "", "", "あおば市")
    other = RenderedMessage("別の件名", "本文", "", "", "あおば市")
    assert retry_key([3, 1, 2], notice) == retry_key([1, 2, 3], notice)
    assert retry_key([1, 2, 3], notice) != retry_key([1, 2, 4], notice)
    assert retry_key([1, 2, 3], notice) != retry_key([1, 2, 3], other)


@pytest.mark.parametrize("fault", [Fault(status=429), Fault(status=503), Fault(drop=True)])
def test_transient_faults_are_retried_and_delivered_once(session, worker, fake_line, city, fault):
    city, topic = city
    line_parents(session, city, topic, ["hanako", "taro"])
    line_notice(session, city, topic)
    fake_line.plan(fault)
    worker.run_once(NOON_TOKYO)
    assert fake_line.sent == [] and statuses(session) == ["pending", "pending"]
    worker.run_once(NOON_TOKYO + timedelta(minutes=5))
    assert sorted(fake_line.users()) == sorted([user_id("hanako"), user_id("taro")])
    assert statuses(session) == ["sent", "sent"]


def test_a_user_id_line_refuses_is_disabled_and_the_rest_still_go(session, worker, fake_line, city):
    city, topic = city
    line_parents(session, city, topic, ["hanako"])
    [broken] = line_parents(session, city, topic, ["broken"])
    endpoint = session.exec(
        select(Endpoint).where(Endpoint.subscriber_id == broken.id, Endpoint.channel == "line")
    ).one()
    endpoint.address = "not-a-line-user"
    session.add(endpoint)
    session.commit()
    line_notice(session, city, topic)
    worker.run_once(NOON_TOKYO)
    worker.run_once(NOON_TOKYO)
    assert fake_line.users() == [user_id("hanako")]
    session.expire_all()
    endpoint = session.get(Endpoint, endpoint.id)
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "line invalid user id"
    assert statuses(session) == ["failed", "sent"]


def test_a_refused_access_token_pauses_the_channel(session, worker, fake_line, city):
    city, topic = city
    line_parents(session, city, topic, ["hanako"])
    line_notice(session, city, topic)
    fake_line.plan(Fault(status=401, name="401"))
    worker.run_once(NOON_TOKYO)
    session.expire_all()
    state = session.get(ChannelState, "line")
    assert state.paused_until > NOON_TOKYO
    assert "access token" in state.pause_reason
    assert statuses(session) == ["pending"]


def test_line_waits_out_quiet_hours_but_email_does_not(session, worker, fake_line, city):
    city, topic = city
    line_parents(session, city, topic, ["hanako"], email="hanako@example.jp")
    ten_pm = datetime(2027, 8, 17, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo
    create_notice(
        session, organisation=city, topics=[topic], channels=["line", "email"], starts_at=ten_pm
    )
    worker.run_once(ten_pm)
    assert fake_line.sent == []
    assert statuses(session) == ["pending"]
    eight_am = datetime(2027, 8, 17, 23, 0, tzinfo=UTC)
    worker.run_once(eight_am - timedelta(minutes=1))
    assert fake_line.sent == []
    worker.run_once(eight_am)
    assert fake_line.users() == [user_id("hanako")]


def test_an_unsubscribed_parent_gets_nothing_in_line(session, worker, fake_line, city):
    city, topic = city
    line_parents(session, city, topic, ["hanako"], unsubscribed=True)
    line_notice(session, city, topic)
    worker.run_once(NOON_TOKYO)
    assert fake_line.sent == []


def test_a_long_notice_full_of_emoji_fits_what_line_accepts(session, city, worker, fake_line):
    """LINE counts UTF-16 units: 🍎 is two. Cut by Python characters, this body was refused."""
    city, topic = city
    line_parents(session, city, topic, ["hanako"])
    long_link = "https://city.example.jp/" + "a" * 9_000  # LINE takes it, but not three of them
    body = "🍎" * 4_900 + "\n\n" + " ".join(f"[案内{n}]({long_link}{n})" for n in range(3))
    line_notice(session, city, topic, title="🍎" * 200, body=body)
    worker.run_once(NOON_TOKYO)
    assert statuses(session) == ["sent"]
    [sent] = fake_line.sent
    bubble_text = sent.texts[1]
    assert len(bubble_text.encode("utf-16-le")) // 2 <= 2_000 and bubble_text.endswith("…")
    assert 1 <= len([a for a in sent.actions if a["type"] == "uri"]) < 3  # as many as fit


def test_a_body_with_no_words_sends_the_title_not_a_blank_bubble(session, city, worker, fake_line):
    city, topic = city
    line_parents(session, city, topic, ["hanako"])
    line_notice(session, city, topic, title="現況届のお知らせ", body="---")
    worker.run_once(NOON_TOKYO)
    assert statuses(session) == ["sent"]
    [sent] = fake_line.sent
    assert sent.texts[0] == "現況届のお知らせ" and "" not in sent.texts


def test_a_message_the_sdk_refuses_fails_once_and_is_never_retried(
    session, city, worker, fake_line
):
    city, topic = city
    line_parents(session, city, topic, ["hanako", "taro"])
    line_notice(session, city, topic)
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": []},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "action": {
                        "type": "uri",
                        "label": "x",
                        "uri": "https://x.example/" + "a" * 10_000,
                    },
                }
            ],
        },
    }
    message = RenderedMessage("件名", "本文", "", "", "市", flex=bubble)
    results = worker.channels["line"].send(
        message, [Recipient(1, user_id("hanako")), Recipient(2, user_id("taro"))]
    )
    assert [r.outcome for r in results] == ["failed", "failed"]
    assert "refused before sending" in results[0].error
    assert fake_line.requests == 0
