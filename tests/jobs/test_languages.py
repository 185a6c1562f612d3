"""Each parent gets a notice in their language when staff wrote that version, and the Japanese
with one line saying so when they did not: in email, LINE and push alike."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from jobs.worker import Worker
from service import create_app
from tests.conftest import with_line
from tests.factories import (
    add_endpoint,
    add_push_endpoint,
    create_notice,
    create_organisation,
    create_subscriber,
    create_topic,
)
from tests.fakes.line import user_id
from tests.outbox import html_body, read_outbox, text_body

NOON_TOKYO = datetime(2027, 8, 17, 3, 0, tzinfo=UTC)


def _notice_with_english(session, city, topic):
    notice = create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="現況届の受付が始まりました",
        body="**8月31日**までに出してください。",
        starts_at=NOON_TOKYO,
        channels=["email", "line", "webpush"],
    )
    notice.title_en, notice.body_en = (
        "The annual status report is open",
        "Hand it in by **31 August**.",
    )
    session.add(notice)
    session.commit()
    return notice


def test_each_parent_gets_their_language_or_the_japanese_said_so(
    session, settings, database, fake_line, fake_google
):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    _notice_with_english(session, city, topic)
    for locale in ("ja", "en", "easy"):
        parent = create_subscriber(
            session, organisation=city, topics=[topic], email=f"{locale}@example.jp", locale=locale
        )
        parent.push_previews = True
        session.add(parent)
        session.commit()
        add_endpoint(session, subscriber=parent, channel="line", address=user_id(locale))
        add_push_endpoint(session, subscriber=parent, token=f"token-{locale}")
    configured = replace(
        with_line(settings, fake_line),
        firebase_credentials=json.dumps(fake_google.service_account()),
        fcm_api_host=fake_google.url,
        quiet_hours="off",
    )
    Worker(create_app(configured, database)).run_once(NOON_TOKYO)

    emails = {str(m["To"]): m for m in read_outbox(settings.outbox_dir)}
    english = emails["en@example.jp"]
    assert str(english["Subject"]) == "The annual status report is open"
    assert "Hand it in by 31 August." in text_body(
        english
    ) and "<strong>31 August</strong>" in html_body(english)
    assert "Unsubscribe:" in text_body(english)
    assert "Support and consultation: https://yorisou.example.jp/guide/aoba?lang=en" in text_body(
        english
    )
    easy = emails["easy@example.jp"]
    assert str(easy["Subject"]) == "現況届の受付が始まりました"
    assert "この お知らせは 日本語だけです。" in text_body(easy)
    assert "日本語のみ" not in text_body(emails["ja@example.jp"])

    line = {sent.to: sent for sent in fake_line.sent}
    assert line[user_id("en")].alt_text == "The annual status report is open"
    assert line[user_id("en")].texts[0] == "The annual status report is open"
    assert "この お知らせは 日本語だけです。" in " ".join(line[user_id("easy")].texts)
    pushes = {push.token: push for push in fake_google.received}
    assert pushes["token-en"].title == "The annual status report is open"
    assert pushes["token-en"].body == "Hand it in by 31 August."
