"""Weekly digests: one email a week for those who asked; deadlines still come at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from service.calendar.digest import DigestSchedule
from service.models import Delivery, Subscription
from tests.factories import create_notice, create_organisation, create_subscriber, create_topic
from tests.outbox import read_outbox, text_body, to

WEDNESDAY_NOON = datetime(2027, 8, 18, 3, 0, tzinfo=UTC)
NEXT_MONDAY_8AM = datetime(2027, 8, 22, 23, 0, tzinfo=UTC)  # Monday 23 August, 08:00 Tokyo


def test_the_next_digest_time():
    schedule = DigestSchedule.parse("monday 08:00", "Asia/Tokyo")
    assert schedule.next_after(WEDNESDAY_NOON) == NEXT_MONDAY_8AM
    assert schedule.next_after(NEXT_MONDAY_8AM) == NEXT_MONDAY_8AM + timedelta(days=7)
    assert schedule.next_after(NEXT_MONDAY_8AM - timedelta(seconds=1)) == NEXT_MONDAY_8AM


def test_weekly_readers_get_one_email_with_the_weeks_notices(session, worker, settings):
    city = create_organisation(session)
    seminars = create_topic(session, organisation=city, slug="koza", name_ja="講座")
    housing = create_topic(session, organisation=city, slug="sumai", name_ja="住まい")
    weekly = create_subscriber(
        session, organisation=city, topics=[seminars, housing], email="weekly@example.jp"
    )
    create_subscriber(
        session, organisation=city, topics=[seminars, housing], email="instant@example.jp"
    )
    # Weekly for seminars, but at once for housing: a housing notice comes at once.
    session.execute(
        update(Subscription)
        .where(Subscription.subscriber_id == weekly.id, Subscription.topic_id == seminars.id)
        .values(mode="weekly")
    )
    session.commit()
    for n, day in enumerate((WEDNESDAY_NOON, WEDNESDAY_NOON + timedelta(days=1))):
        create_notice(
            session,
            organisation=city,
            topics=[seminars],
            title=f"講座のご案内{n}",
            body=f"講座{n}の本文",
            starts_at=day,
        )
    create_notice(
        session,
        organisation=city,
        topics=[housing],
        title="市営住宅の募集",
        starts_at=WEDNESDAY_NOON,
    )
    create_notice(
        session,
        organisation=city,
        topics=[seminars],
        title="申込みは明日まで",
        starts_at=WEDNESDAY_NOON,
        urgent=True,
    )

    worker.run_once(WEDNESDAY_NOON)
    worker.run_once(WEDNESDAY_NOON + timedelta(days=1))
    sent = [(to(m), str(m["Subject"])) for m in read_outbox(settings.outbox_dir)]
    assert sorted(sent) == sorted(
        [
            ("instant@example.jp", "講座のご案内0"),
            ("instant@example.jp", "講座のご案内1"),
            ("instant@example.jp", "市営住宅の募集"),
            ("instant@example.jp", "申込みは明日まで"),
            ("weekly@example.jp", "市営住宅の募集"),
            ("weekly@example.jp", "申込みは明日まで"),
        ]
    )

    worker.run_once(NEXT_MONDAY_8AM)
    digest = [m for m in read_outbox(settings.outbox_dir) if "今週のお知らせ" in str(m["Subject"])]
    assert [to(m) for m in digest] == ["weekly@example.jp"]
    body = text_body(digest[0])
    assert "講座のご案内0" in body and "講座のご案内1" in body and "講座1の本文" in body
    assert "市営住宅の募集" not in body
    assert digest[0]["List-Unsubscribe"].startswith("<https://yorisou.example.jp/unsubscribe/")
    session.expire_all()
    digest_rows = session.exec(select(Delivery).where(Delivery.kind == "digest")).all()
    assert len(digest_rows) == 2
    assert {d.status for d in digest_rows} == {"sent"}
    assert {d.sent_at for d in digest_rows} == {NEXT_MONDAY_8AM}  # both in the one email
