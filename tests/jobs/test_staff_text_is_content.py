"""Staff text is content, never template: no spelling of a placeholder that staff type is ever
filled with a parent's own links, by Yorisou (the outbox) or by the provider (SendGrid)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import Organisation
from service.recipients import VALUES
from tests.conftest import with_sendgrid
from tests.factories import (
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import html_body, read_outbox, text_body

NOW = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)
# Every spelling of every placeholder Yorisou has used, with and without a nonce's place.
SPELLINGS = [f"%%{name}%%" for name in VALUES] + [f"%%{name}-0123456789abcdef%%" for name in VALUES]
TRAP = "https://elsewhere.example/p?"


def _trap(spelling: str) -> str:
    return f"{TRAP}{spelling}"


@pytest.fixture(params=["outbox", "sendgrid"])
def received(request, settings, database, session, fake_sendgrid):
    """The email the parent gets when every piece of staff text tries to pull in their links."""
    if request.param == "sendgrid":
        settings = with_sendgrid(settings, fake_sendgrid)
    city = create_organisation(session)
    city.sender_name = "%%unsubscribe_url%% 市役所"
    city.contact_line = "問い合わせ %%preferences_url%%"
    session.add(city)
    counter = create_source(session, organisation=city, name="戸籍窓口 %%calendar_url%%")
    topic = create_topic(
        session, organisation=city, name_ja=f'<img src="{_trap("%%unsubscribe_url%%")}">'
    )
    parent = create_subscriber(session, organisation=city, topics=[topic], email="p@example.jp")
    parent.source_id = counter.id
    session.add(parent)
    body = "\n\n".join(f"[見る]({_trap(spelling)}) {spelling}" for spelling in SPELLINGS)
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="お知らせ %%unsubscribe_url%% %%reason%%",
        body=body,
        starts_at=NOW,
    )
    Worker(create_app(settings, database)).run_once(NOW)
    if request.param == "sendgrid":
        [message] = fake_sendgrid.received
        return parent, message.subject, message.text, message.html, message.headers
    [email] = read_outbox(settings.outbox_dir)
    headers = {"List-Unsubscribe": str(email["List-Unsubscribe"])}
    return parent, str(email["Subject"]), text_body(email), html_body(email), headers


def test_no_placeholder_in_staff_text_is_ever_filled_in(received):
    _parent, subject, text, html, headers = received
    stop = headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    own = re.search(r"/preferences/([\w.-]+)", text).group(1)
    assert subject == "お知らせ %%unsubscribe_url%% %%reason%%"
    # The parent's tokens are only where Yorisou's own template puts them: the footer.
    for token in (stop, own):
        assert text.count(token) == 1 and html.count(token) == 1
    for spelling in SPELLINGS:
        assert spelling in text and spelling in html, spelling
    trapped = [href for href in re.findall(r'href="([^"]+)"', html) if href.startswith(TRAP)]
    assert len(trapped) == len(SPELLINGS)
    assert not [href for href in trapped if "yorisou.example.jp" in href]
    assert "問い合わせ %%preferences_url%%" in text
    assert "戸籍窓口 %%calendar_url%%" in text  # the reason line's counter, as it is named


def test_the_reason_line_is_escaped_in_the_html_on_every_path(received):
    _parent, _subject, text, html, _headers = received
    assert f'<img src="{_trap("%%unsubscribe_url%%")}">' in text  # plain text is plain
    assert "<img" not in html
    assert f"&lt;img src=&#34;{_trap('%%unsubscribe_url%%')}&#34;&gt;" in html


def test_a_long_list_of_topics_is_named_in_part_and_counted(
    settings, database, session, fake_sendgrid
):
    city = create_organisation(session)
    topics = [
        create_topic(session, organisation=city, slug=f"t{n}", name_ja=f"テーマ{n}" + "あ" * 90)
        for n in range(12)
    ]
    create_subscriber(session, organisation=city, topics=topics, email="p@example.jp")
    create_notice(session, organisation=city, topics=topics[:1], starts_at=NOW)
    Worker(create_app(with_sendgrid(settings, fake_sendgrid), database)).run_once(NOW)
    [message] = fake_sendgrid.received
    assert "テーマ0" in message.text and "テーマ2" in message.text
    assert "テーマ3" not in message.text
    assert "ほか9件" in message.text


def test_the_test_send_carries_the_reason_line_of_a_parent_of_its_topics(
    settings, database, session
):
    from service.notices import queue_test_email
    from tests.factories import create_staff

    city = create_organisation(session)
    create_source(session, organisation=city, name="市民課 戸籍窓口")
    topic = create_topic(session, organisation=city, name_ja="養育費")
    notice = create_notice(session, organisation=city, topics=[topic], status="draft")
    staff = create_staff(session, organisation=city)
    app = create_app(settings, database)
    with app.app_context():
        queue_test_email(session, staff=staff, notice=notice, now=NOW)
    session.commit()
    Worker(app).run_once(NOW)
    [email] = read_outbox(settings.outbox_dir)
    assert str(email["To"]) == staff.email
    assert str(email["Subject"]).startswith("[テスト]")
    assert "ご登録のテーマ：養育費（市民課 戸籍窓口で登録）" in text_body(email)
    assert "%%" not in text_body(email) + html_body(email)
    assert session.exec(select(Organisation)).one().id == city.id
