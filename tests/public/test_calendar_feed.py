"""The parent's iCalendar feed, parsed back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from service.models import NoticeStatus, RuleKind
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.factories import create_notice, create_organisation, create_subscriber, create_topic


def test_the_feed_lists_the_coming_notices_on_the_parents_topics(client, session, settings):
    city = create_organisation(session)
    allowance = create_topic(session, organisation=city, slug="fuyo", name_ja="児童扶養手当")
    housing = create_topic(session, organisation=city, slug="sumai", name_ja="住まい")
    today = utcnow().date()
    subscriber = create_subscriber(
        session, organisation=city, topics=[allowance], anchor_date=today
    )
    create_notice(
        session,
        organisation=city,
        topics=[allowance],
        rule_kind=RuleKind.RELATIVE,
        title="児童手当の手続きはお済みですか",
        offset_days=3,
        send_time="09:00",
        scheduled_at=utcnow(),
    )
    create_notice(
        session,
        organisation=city,
        topics=[allowance],
        rule_kind=RuleKind.RRULE,
        title="現況届は8月31日までです",
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        rrule="FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17;BYHOUR=9;BYMINUTE=0",
    )
    create_notice(
        session,
        organisation=city,
        topics=[housing],
        title="市営住宅の募集",
        starts_at=utcnow() + timedelta(days=5),
    )
    create_notice(
        session,
        organisation=city,
        topics=[allowance],
        title="下書き",
        starts_at=utcnow() + timedelta(days=5),
        status=NoticeStatus.DRAFT,
    )
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)

    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["x-wr-calname"]) == "あおば市からのお知らせ"
    events = {str(e["summary"]): e["dtstart"].dt for e in calendar.walk("VEVENT")}
    assert set(events) == {"児童手当の手続きはお済みですか", "現況届は8月31日までです"}
    assert events["児童手当の手続きはお済みですか"] == today + timedelta(days=3)
    next_august = date(today.year if today < date(today.year, 8, 17) else today.year + 1, 8, 17)
    assert events["現況届は8月31日までです"] == next_august


def test_a_tampered_feed_link_is_refused(client, session):
    assert client.get("/calendar/not-a-token.ics").status_code == 400


def test_a_deadline_is_a_period_in_the_calendar_and_the_text_has_no_markup(
    client, session, settings
):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    subscriber = create_subscriber(session, organisation=city, topics=[topic])
    year = utcnow().year + 1
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="現況届の受付期間です",
        body="**8月31日**までに[窓口](https://city.example.jp/genkyo)へ。",
        starts_at=datetime(year, 8, 1, 0, 0, tzinfo=UTC),
        valid_until=datetime(year, 8, 31, 14, 59, tzinfo=UTC),  # 23:59 on 31 August in Tokyo
    )
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    [event] = Calendar.from_ical(client.get(f"/calendar/{token}.ics").data).walk("VEVENT")
    assert event["dtstart"].dt == date(year, 8, 1)
    assert event["dtend"].dt == date(year, 9, 1)  # the whole of 1–31 August
    assert str(event["description"]) == "8月31日までに窓口 https://city.example.jp/genkyo へ。"
