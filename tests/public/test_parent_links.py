"""A parent's links: each bound to its purpose, never cached, renewable; the parent told when
an address or device is added; a way back for a parent who lost every link."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import Delivery, DeliveryKind, Endpoint, Subscriber
from service.tokens import Purpose, make_token
from tests.conftest import csrf_token
from tests.factories import create_organisation, create_source, create_subscriber, create_topic
from tests.outbox import html_body, link, read_outbox, text_body
from tests.public.test_push_signup import WEB_CONFIG

BASE = "https://yorisou.example.jp"


@pytest.fixture
def parent(session, settings):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    topic = create_topic(session, organisation=city)
    subscriber = create_subscriber(
        session, organisation=city, topics=[topic], email="hanako@example.jp"
    )
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    return subscriber, token


def _post(client, page, action, **data):
    return client.post(f"{page}/{action}", data={"csrf_token": csrf_token(client, page), **data})


def _calendar_path(client, token):
    page = client.get(f"/preferences/{token}").get_data(as_text=True)
    return re.search(r'href="(/calendar/[^"]+\.ics)"', page).group(1)


def _emails(settings, kind_words):
    return [m for m in read_outbox(settings.outbox_dir) if kind_words in str(m["Subject"])]


def test_the_calendar_address_reads_the_feed_and_nothing_else(client, session, parent):
    subscriber, token = parent
    feed = _calendar_path(client, token)
    calendar_token = feed.removeprefix("/calendar/").removesuffix(".ics")
    assert calendar_token != token
    answer = client.get(feed)
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert answer.headers["Cache-Control"] == "no-store"
    # A calendar service holding it can change nothing, add nothing, erase nothing.
    assert client.get(f"/preferences/{calendar_token}").status_code == 400
    assert client.post(f"/unsubscribe/{calendar_token}").status_code == 400
    refused = client.post(
        f"/preferences/{calendar_token}/erase",
        data={"csrf_token": csrf_token(client, f"/preferences/{token}"), "sure": "y"},
    )
    assert refused.status_code == 400
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is None


def test_a_new_calendar_address_ends_the_old_one_only(client, parent):
    _, token = parent
    old = _calendar_path(client, token)
    response = _post(client, f"/preferences/{token}", "calendar")
    assert response.status_code == 303
    assert "カレンダーのアドレスを新しくしました" in client.get(response.location).get_data(
        as_text=True
    )
    new = _calendar_path(client, token)
    assert new != old
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    assert client.get(f"/preferences/{token}").status_code == 200  # the parent's link stays


def test_a_fresh_link_ends_every_older_one_but_the_stop_links(
    client, session, settings, worker, parent
):
    subscriber, token = parent
    old_feed = f"/calendar/{token}.ics"  # a feed added with an email's link, before
    assert client.get(old_feed).status_code == 200
    response = _post(client, f"/preferences/{token}", "renew")
    assert response.status_code == 303
    new_page = response.location
    assert new_page != f"/preferences/{token}"
    assert "新しいリンクになりました" in client.get(new_page).get_data(as_text=True)
    assert client.get(new_page).headers["Cache-Control"] == "no-store"
    stale = client.get(f"/preferences/{token}")
    assert stale.status_code == 410
    assert "このリンクは新しいリンクに変わりました" in stale.get_data(as_text=True)
    assert 'href="/link"' in stale.get_data(as_text=True)
    assert client.get(old_feed).status_code == 410
    # The new link is emailed to the parent's address.
    worker.run_once()
    [email] = _emails(settings, "ご登録ページへのリンク")
    assert str(email["To"]) == "hanako@example.jp"
    emailed = link(email, "/preferences/")
    assert f"{BASE}{emailed}" in html_body(email)
    assert "新しいリンクになりました" not in client.get(emailed).get_data(as_text=True)
    assert client.get(emailed).status_code == 200  # the new link, as emailed, opens the page
    assert "List-Unsubscribe" not in email  # not a mailing: nothing for a client to stop
    # A one-click stop in an old email still works: nobody finds they cannot stop.
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is not None


@pytest.mark.parametrize(
    ("action", "data", "told"),
    [
        ("email", {"email": "someone@example.jp"}, "メールアドレス：s***@example.jp"),
        ("push", {"push_token": "fcm-token-of-a-new-phone"}, "スマートフォンやパソコンへの通知"),
    ],
)
def test_adding_an_address_or_device_is_told_to_the_parents_addresses(
    settings, database, fake_google, parent, action, data, told
):
    _, token = parent
    app = create_app(
        replace(
            settings,
            firebase_web_config=json.dumps(WEB_CONFIG),
            firebase_credentials=json.dumps(fake_google.service_account()),
            fcm_api_host=fake_google.url,
        ),
        database,
    )
    client = app.test_client()
    assert _post(client, f"/preferences/{token}", action, **data).status_code == 303
    Worker(app).run_once()
    [email] = _emails(settings, "ご登録内容が変更されました")
    assert str(email["To"]) == "hanako@example.jp"
    assert str(email["Subject"]) == "あおば市：ご登録内容が変更されました"  # says nothing more
    text = text_body(email)
    assert told in text and "hanako" not in text.replace("hanako@example.jp", "")
    assert "「新しいリンクにする」" in text
    assert client.get(link(email, "/preferences/")).status_code == 200  # the parent's own page
    assert "someone@example.jp" not in text + html_body(email)


def test_a_parent_who_lost_every_link_gets_it_at_their_address(
    client, session, settings, worker, parent
):
    _, token = parent
    page = client.get("/link")
    assert page.status_code == 200 and "登録したメールアドレスを入力してください" in page.get_data(
        as_text=True
    )
    answers = []
    for typed in ("HANAKO@example.jp", "nobody@example.jp"):
        response = client.post(
            "/link", data={"csrf_token": csrf_token(client, "/link"), "email": typed}
        )
        assert response.status_code == 200
        answers.append(response.get_data(as_text=True).replace(csrf_token(client, "/link"), ""))
    assert answers[0] == answers[1]  # nothing tells whether an address is registered
    assert "このアドレスが登録されていれば" in answers[0]
    worker.run_once()
    [email] = read_outbox(settings.outbox_dir)
    assert str(email["To"]) == "hanako@example.jp"
    assert client.get(link(email, "/preferences/")).status_code == 200
    for _ in range(4):  # an inbox is not to be flooded: three emails a day at most
        client.post(
            "/link", data={"csrf_token": csrf_token(client, "/link"), "email": "hanako@example.jp"}
        )
    kinds = session.exec(select(Delivery.kind).where(Delivery.endpoint_id.is_not(None))).all()
    assert kinds.count(DeliveryKind.LINK) == 3


def test_every_page_and_file_a_token_opens_is_not_cached(client, session, settings, parent):
    subscriber, token = parent
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == subscriber.id)).one()
    confirm = make_token(
        settings.secret_key, Purpose.CONFIRM, f"{subscriber.public_id}:{endpoint.id}"
    )
    stop = make_token(settings.secret_key, Purpose.UNSUBSCRIBE, subscriber.public_id)
    for path in (
        f"/preferences/{token}",
        f"/unsubscribe/{stop}",
        f"/confirm/{confirm}",
        _calendar_path(client, token),
        "/preferences/not-a-token",
        f"/calendar/{token[:-2]}xx.ics",
    ):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    # One rule for every page (a form's token is no cache's either); files are cached.
    assert client.get("/s/koseki").headers.get("Cache-Control") == "no-store"
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")


def test_the_stop_link_in_an_email_stops_and_opens_nothing_else(client, session, settings, parent):
    subscriber, _ = parent
    stop = make_token(settings.secret_key, Purpose.UNSUBSCRIBE, subscriber.public_id)
    assert client.get(f"/preferences/{stop}").status_code == 400
    assert client.get(f"/calendar/{stop}.ics").status_code == 400
    assert client.get(f"/unsubscribe/{stop}").status_code == 200
    assert client.post(f"/unsubscribe/{stop}").status_code == 200
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is not None
