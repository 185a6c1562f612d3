"""The dashboard's charts are drawn from the organisation's own numbers."""

from __future__ import annotations

from datetime import timedelta

from service.models import Role
from service.types import utcnow
from tests.factories import (
    add_push_endpoint,
    create_notice,
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.staff.test_staff_notices import login


def test_dashboard_charts_and_coming_sends(client, session, worker):
    city = create_organisation(session)
    housing = create_topic(session, organisation=city, slug="sumai", name_ja="住まい")
    create_source(session, organisation=city, code="koseki", name="市民課 戸籍窓口")
    create_staff(session, organisation=city, email="viewer@aoba.example.jp", role=Role.VIEWER)
    for n in range(3):
        subscriber = create_subscriber(
            session, organisation=city, topics=[housing], email=f"p{n}@example.jp"
        )
    add_push_endpoint(session, subscriber=subscriber, token="tok")
    create_notice(
        session, organisation=city, topics=[housing], title="今すぐのお知らせ", starts_at=utcnow()
    )
    create_notice(
        session,
        organisation=city,
        topics=[housing],
        title="来週のお知らせ",
        starts_at=utcnow() + timedelta(days=3),
    )
    worker.run_once()
    other = create_organisation(session, slug="kita", name="きた市")
    create_subscriber(
        session,
        organisation=other,
        topics=[create_topic(session, organisation=other, name_ja="他市")],
    )
    login(client, "viewer@aoba.example.jp")
    html = client.get("/staff/dashboard").get_data(as_text=True)
    # sign-ups, topics, channels, outcomes, requests, bookings, questions
    assert html.count("<svg") == 7
    assert "相談の申し込み（90日、窓口別" in html
    assert "住まい" in html and "3人" in html  # topic popularity
    assert "メール" in html and "端末への通知" in html  # channel mix
    assert "今すぐのお知らせ" not in html.split("これから7日間")[1]
    assert "来週のお知らせ" in html
    assert "他市" not in html
