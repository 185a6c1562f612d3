"""The emails as a phone shows them: every HTML part fits 320 px without sideways scrolling."""

from __future__ import annotations

from datetime import timedelta

from service.types import utcnow
from tests.browser.conftest import screenshot
from tests.conftest import sign_up
from tests.factories import (
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import html_body, read_outbox


def test_every_email_fits_a_320_px_phone(page, live_app, live_worker, session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    topic = create_topic(session, organisation=city)
    create_subscriber(session, organisation=city, topics=[topic], email="taro@example.jp")
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="現況届のお知らせ",
        body="詳しくは <https://city.example.jp/kosodate/hitorioya/genkyotodoke/2027/index.html> "
        "をご覧ください。",
        starts_at=utcnow(),
    )
    sign_up(live_app.test_client(), topic_ids=[topic.id], email="hanako@example.jp")
    live_worker.run_once(utcnow() + timedelta(seconds=5))
    emails = {
        str(m["To"]): m for m in read_outbox(live_app.extensions["yorisou.settings"].outbox_dir)
    }
    page.set_viewport_size({"width": 320, "height": 640})
    for name, to in (("confirmation", "hanako@example.jp"), ("notice", "taro@example.jp")):
        page.set_content(html_body(emails[to]))
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
        screenshot(page, f"email-{name}")
