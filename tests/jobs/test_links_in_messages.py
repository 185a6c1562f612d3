"""Every link a message carries goes somewhere: a notice shows 「予約する」 only while it offers
an event that is on, in the parent's email, a test send and the staff's preview alike."""

from __future__ import annotations

import re
from datetime import timedelta

from service.bookings.models import EventStatus
from service.models import Role
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_event,
    create_notice,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.outbox import html_body, read_outbox, text_body
from tests.staff.test_staff_notices import login

ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
HREF = re.compile(r'href="([^"]*)"')


def assert_every_link_goes_somewhere(html: str, text: str) -> None:
    for anchor in ANCHOR.findall(html):
        href = HREF.search(anchor)
        assert href and href.group(1).strip() not in ("", "#"), anchor
        assert "%%" not in href.group(1), anchor  # a placeholder never left in
    for line in text.splitlines():  # a label whose link is missing
        assert line.strip() not in ("Book a place:", "予約はこちら：", "予約はこちら:"), text
    assert "%%" not in text


def test_a_notice_without_an_event_offers_no_booking(session, app, worker, settings):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_subscriber(session, organisation=city, topics=[topic], email="p@example.jp")
    on = create_event(session, organisation=city, starts_at=utcnow() + timedelta(days=10))
    off = create_event(
        session, organisation=city, starts_at=utcnow() + timedelta(days=12), title_ja="中止の講座"
    )
    off.status = EventStatus.CANCELLED
    session.add(off)
    session.commit()
    for title, event in (("予約なし", None), ("予約あり", on), ("中止した講座", off)):
        create_notice(
            session,
            organisation=city,
            topics=[topic],
            starts_at=utcnow(),
            title=title,
            book_event_id=event.id if event else None,
        )
    worker.run_once()
    emails = {str(m["Subject"]): m for m in read_outbox(settings.outbox_dir)}
    assert set(emails) == {"予約なし", "予約あり", "中止した講座"}
    for subject, email in emails.items():
        html, text = html_body(email), text_body(email)
        assert_every_link_goes_somewhere(html, text)
        offers = "予約はこちら" in text or "予約する" in html
        assert offers == ("予約あり" in subject), subject
    booked = next(e for s, e in emails.items() if "予約あり" in s)
    assert f"/e/{on.public_id}?link=" in text_body(booked)


def test_the_staff_preview_and_a_test_send_have_no_empty_link(client, session, worker, settings):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_staff(session, organisation=city, email="editor@aoba.example.jp", role=Role.EDITOR)
    notice = create_notice(session, organisation=city, topics=[topic], starts_at=utcnow())
    login(client, "editor@aoba.example.jp")
    frame = client.get(f"/staff/notices/{notice.id}/preview.html").get_data(as_text=True)
    assert_every_link_goes_somewhere(frame, "")
    assert "予約する" not in frame
    page = f"/staff/notices/{notice.id}"
    sent = client.post(f"{page}/test", data={"csrf_token": csrf_token(client, page)})
    assert sent.status_code in (302, 303)
    worker.run_once()
    [email] = read_outbox(settings.outbox_dir)
    assert_every_link_goes_somewhere(html_body(email), text_body(email))
    assert "予約" not in text_body(email)
