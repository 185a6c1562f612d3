"""The clock: a scheduler that was down never sends what went stale meanwhile, and times are
stored in UTC but counted in the city's day (Asia/Tokyo, UTC+9 all year) across midnight and
the year end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from service.models import Endpoint, RuleKind, Send
from service.subscribers import confirm_email, register_subscriber
from tests.factories import (
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox, to

JST = timedelta(hours=9)


@pytest.fixture
def city(session):
    return create_organisation(session)


@pytest.fixture
def topic(session, city):
    return create_topic(session, organisation=city)


def _received(settings) -> list[str]:
    return [to(message) for message in read_outbox(settings.outbox_dir)]


def test_a_scheduler_down_for_days_sends_only_the_reminder_still_due(
    session, city, topic, worker, settings
):
    """Reminders 3 days after each parent's day, at 09:00, are good for one day each."""
    for day in range(1, 6):  # parents anchored on 1 … 5 April
        create_subscriber(
            session,
            organisation=city,
            topics=[topic],
            email=f"april{day}@example.jp",
            anchor_date=date(2027, 4, day),
        )
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.RELATIVE,
        offset_days=3,
        send_time="09:00",
        scheduled_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    worker.run_once(datetime(2027, 4, 4, 0, 0, tzinfo=UTC))  # 4 April 09:00: the first is due
    assert _received(settings) == ["april1@example.jp"]
    # Down from then until 8 April 12:00. The reminders of 5, 6 and 7 April are stale; that of
    # 8 April (for the parent of 5 April) is three hours late and still good.
    worker.run_once(datetime(2027, 4, 8, 3, 0, tzinfo=UTC))
    assert _received(settings) == ["april1@example.jp", "april5@example.jp"]
    worker.run_once(datetime(2027, 4, 30, 0, 0, tzinfo=UTC))
    assert len(_received(settings)) == 2


def test_a_notice_at_local_midnight_goes_at_1500_utc_the_day_before(
    session, city, topic, worker, settings
):
    create_subscriber(session, organisation=city, topics=[topic], email="a@example.jp")
    local_midnight = datetime(2027, 8, 18, tzinfo=UTC) - JST  # 18 August 00:00 in Tokyo
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.RRULE,
        starts_at=datetime(2027, 8, 1, tzinfo=UTC),
        rrule="FREQ=DAILY;BYHOUR=0;BYMINUTE=0",
        scheduled_at=datetime(2027, 8, 17, 14, 0, tzinfo=UTC),
    )
    worker.run_once(local_midnight - timedelta(seconds=1))
    assert _received(settings) == []
    worker.run_once(local_midnight)
    assert _received(settings) == ["a@example.jp"]
    [send] = session.exec(select(Send)).all()
    assert send.due_at == datetime(2027, 8, 17, 15, 0, tzinfo=UTC)  # stored in UTC, read back aware


def test_the_day_a_parent_registers_is_the_citys_day_not_utcs(app, session, city, topic):
    """08:00 on 18 August in Tokyo is still the 17th in UTC: reminders count from the 18th."""
    source = create_source(session, organisation=city)
    morning = datetime(2027, 8, 17, 23, 0, tzinfo=UTC)
    with app.app_context():  # addresses are hashed with the app's key
        subscriber = register_subscriber(
            session,
            source=source,
            email="morning@example.jp",
            topic_ids=[topic.id],
            locale="ja",
            now=morning,
        )
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == subscriber.id)).one()
    confirm_email(session, subscriber=subscriber, endpoint=endpoint, now=morning)
    session.commit()
    assert subscriber.anchor_date == date(2027, 8, 18)


def test_across_the_year_end_each_occurrence_comes_once_in_order(
    session, city, topic, worker, settings
):
    """New Year's Eve 23:30 and New Year's Day 00:30 in Tokyo are both 31 December in UTC."""
    create_subscriber(session, organisation=city, topics=[topic], email="a@example.jp")
    for title, hour, minute in [("大みそか", 23, 30), ("元日", 0, 30)]:
        create_notice(
            session,
            organisation=city,
            topics=[topic],
            title=title,
            rule_kind=RuleKind.RRULE,
            starts_at=datetime(2027, 12, 1, tzinfo=UTC),
            rrule=f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute}",
            scheduled_at=datetime(2027, 12, 31, 14, 0, tzinfo=UTC),
            valid_days=1,
        )
    eve = datetime(2027, 12, 31, 14, 30, tzinfo=UTC)
    new_year = datetime(2027, 12, 31, 15, 30, tzinfo=UTC)
    for now in (eve - timedelta(minutes=1), eve, new_year - timedelta(minutes=1), new_year):
        worker.run_once(now)
    subjects = [str(m["Subject"]) for m in read_outbox(settings.outbox_dir)]
    assert subjects == ["大みそか", "元日"]
    sends = session.exec(select(Send).order_by(Send.due_at)).all()
    assert [s.due_at for s in sends] == [eve, new_year]
