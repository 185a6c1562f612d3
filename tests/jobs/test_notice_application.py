"""A notice about a programme (its 「この件で相談する」) ends with the programme's hand-off: the
online application and what to bring to the desk, in the parent's language, by email and in
LINE, and in the staff's preview — the catalogue's words as typed, never a template."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import Subscription
from service.support.models import Programme
from tests.conftest import with_line
from tests.factories import (
    add_endpoint,
    create_catalogue,
    create_notice,
    create_organisation,
    create_subscriber,
    create_topic,
)
from tests.fakes.line import user_id
from tests.outbox import html_body, read_outbox, text_body

NOON_TOKYO = datetime(2027, 8, 17, 3, 0, tzinfo=UTC)
APPLY = "https://app.oss.myna.go.jp/"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_catalogue(session, organisation=city)
    programme = session.exec(select(Programme).where(Programme.slug == "jido-teate")).one()
    programme.bring_ja = "マイナンバーカード、{{ name }} の通帳"  # staff text, never a template
    programme.bring_en = "Your My Number card and bank book"
    session.add(programme)
    session.commit()
    return city, create_topic(session, organisation=city)


def _notice(session, city, topic, channel, ask_about="jido-teate"):
    notice = create_notice(
        session,
        organisation=city,
        topics=[topic],
        channels=[channel],
        starts_at=NOON_TOKYO,
        title="児童手当の口座の変更",
    )
    notice.ask_about = ask_about
    session.add(notice)
    session.commit()
    return notice


def test_an_email_notice_ends_with_the_online_application_and_what_to_bring(
    session, settings, worker, city
):
    city, topic = city
    _notice(session, city, topic, "email")
    create_subscriber(session, organisation=city, topics=[topic], email="hanako@example.jp")
    create_subscriber(
        session, organisation=city, topics=[topic], email="emma@example.jp", locale="en"
    )
    worker.run_once(NOON_TOKYO)
    emails = {email["To"]: email for email in read_outbox(settings.outbox_dir)}
    japanese = text_body(emails["hanako@example.jp"])
    assert f"オンラインで申請する： {APPLY}" in japanese
    assert "窓口に持っていくもの： マイナンバーカード、{{ name }} の通帳" in japanese
    assert japanese.index("オンラインで申請する") < japanese.index("この件で相談する")
    assert f'<a href="{APPLY}">オンラインで申請する</a>' in html_body(emails["hanako@example.jp"])
    english = text_body(emails["emma@example.jp"])
    assert f"Apply online: {APPLY}" in english
    assert "What to bring to the desk: Your My Number card and bank book" in english


def test_a_notice_about_nothing_or_a_programme_gone_ends_as_before(session, settings, worker, city):
    city, topic = city
    _notice(session, city, topic, "email", ask_about="no-such-programme")
    create_subscriber(session, organisation=city, topics=[topic], email="hanako@example.jp")
    worker.run_once(NOON_TOKYO)
    [email] = read_outbox(settings.outbox_dir)
    assert "オンラインで申請する" not in text_body(email)
    assert "窓口に持っていくもの" not in text_body(email)


def test_a_line_notice_ends_with_what_to_bring_and_an_apply_button(
    session, settings, database, fake_line, city
):
    city, topic = city
    _notice(session, city, topic, "line")
    parent = create_subscriber(session, organisation=city, topics=[topic])
    add_endpoint(session, subscriber=parent, channel="line", address=user_id("hanako"))
    Worker(create_app(with_line(settings, fake_line), database)).run_once(NOON_TOKYO)
    [sent] = fake_line.sent
    assert "窓口に持っていくもの： マイナンバーカード、{{ name }} の通帳" in sent.texts
    assert sent.actions[0] == {"type": "uri", "label": "オンラインで申請する", "uri": APPLY}
    assert sent.actions[-1]["text"] == "設定"


def test_the_staff_preview_shows_the_hand_off(client, session, city):
    from service.models import Role
    from tests.factories import create_staff
    from tests.staff.test_staff_notices import login

    city, topic = city
    notice = _notice(session, city, topic, "email")
    create_staff(session, organisation=city, email="kodomo@aoba.example.jp", role=Role.EDITOR)
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    preview = client.get(f"/staff/notices/{notice.id}/preview.html").get_data(as_text=True)
    assert "オンラインで申請する" in preview and "マイナンバーカード" in preview


def test_the_weekly_digest_ends_each_notice_the_same_way(session, settings, worker, city):
    city, topic = city
    weekly = create_subscriber(session, organisation=city, topics=[topic], email="w@example.jp")
    session.execute(
        update(Subscription).where(Subscription.subscriber_id == weekly.id).values(mode="weekly")
    )
    session.commit()
    _notice(session, city, topic, "email")
    worker.run_once(NOON_TOKYO)
    worker.run_once(datetime(2027, 8, 22, 23, 0, tzinfo=UTC))  # Monday 08:00 in Tokyo
    [digest] = read_outbox(settings.outbox_dir)
    body = text_body(digest)
    assert "今週のお知らせ" in digest["Subject"] and "児童手当の口座の変更" in body
    assert f"オンラインで申請する： {APPLY}" in body
    assert "窓口に持っていくもの： マイナンバーカード、{{ name }} の通帳" in body
