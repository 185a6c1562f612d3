"""A welcome that always comes: a notice "when a parent joins" reaches each new parent right
after they confirm, whatever their 基準日; reminders whose day had passed are not sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.models import RuleKind
from tests.factories import create_notice, create_organisation, create_subscriber, create_topic
from tests.outbox import read_outbox, to

APPROVED = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


@pytest.fixture
def city(session):
    city = create_organisation(session)
    return city, create_topic(session, organisation=city)


def _parent(session, city, topic, email, *, confirmed, anchor):
    return create_subscriber(
        session, organisation=city, topics=[topic], email=email, anchor_date=anchor, now=confirmed
    )


def _to(settings):
    return [to(message) for message in read_outbox(settings.outbox_dir)]


def test_each_new_parent_gets_the_welcome_once_right_after_confirming(
    session, city, worker, settings
):
    city, topic = city
    _parent(
        session,
        city,
        topic,
        "before@example.jp",
        confirmed=APPROVED - timedelta(days=3),
        anchor=None,
    )
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.JOIN,
        title="配信登録のご案内",
        scheduled_at=APPROVED,
    )
    worker.run_once(APPROVED)
    assert _to(settings) == []  # those who joined before it existed were welcomed otherwise
    # A parent whose 基準日 is three weeks back: the welcome is about joining, not that day.
    joined = APPROVED + timedelta(days=10, hours=5)
    _parent(session, city, topic, "new@example.jp", confirmed=joined, anchor=date(2027, 3, 20))
    worker.run_once(joined + timedelta(seconds=20))
    assert _to(settings) == ["new@example.jp"]
    for later in (timedelta(minutes=1), timedelta(days=1)):
        worker.run_once(joined + later)
    assert _to(settings) == ["new@example.jp"]  # once
    # Confirmed while the workers were down for a day: still welcomed when they are back.
    _parent(
        session, city, topic, "down@example.jp", confirmed=joined + timedelta(days=2), anchor=None
    )
    worker.run_once(joined + timedelta(days=3))
    assert _to(settings) == ["new@example.jp", "down@example.jp"]


def test_a_reminder_whose_day_had_passed_when_the_parent_joined_is_not_sent(
    session, city, worker, settings
):
    city, topic = city
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.RELATIVE,
        title="児童手当の受給者変更はお済みですか",
        offset_days=3,
        send_time="09:00",
        valid_days=7,  # still valid for days after its day
        scheduled_at=APPROVED,
    )
    today = APPROVED + timedelta(days=10)  # 11 April, 09:00 in Tokyo
    # 基準日 5 April: the reminder's day was 8 April, before this parent joined today.
    _parent(session, city, topic, "late@example.jp", confirmed=today, anchor=date(2027, 4, 5))
    # 基準日 8 April: the reminder's day is today, so it still comes.
    _parent(session, city, topic, "today@example.jp", confirmed=today, anchor=date(2027, 4, 8))
    worker.run_once(today + timedelta(seconds=20))
    worker.run_once(today + timedelta(hours=1))
    assert _to(settings) == ["today@example.jp"]
