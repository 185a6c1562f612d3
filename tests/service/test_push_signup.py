"""Signing up for notifications on this device (web push), with and without Firebase."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import select

from service import create_app
from service.models import Delivery, Endpoint, Organisation, Subscriber
from service.tokens import Purpose, make_token
from tests.conftest import csrf_token
from tests.factories import create_organisation, create_source, create_subscriber, create_topic

WEB_CONFIG = {
    "apiKey": "AIza-test",
    "projectId": "yorisou-test",
    "messagingSenderId": "1234",
    "appId": "1:1234:web:abcd",
    "vapidKey": "BPublicVapidKey",
}


@pytest.fixture
def topic(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    return create_topic(session, organisation=city)


@pytest.fixture
def push_client(settings, database):
    configured = replace(settings, firebase_web_config=json.dumps(WEB_CONFIG))
    return create_app(configured, database).test_client()


def _signup(client, topic, **data):
    return client.post(
        "/subscribe",
        data={
            "csrf_token": csrf_token(client, "/s/koseki"),
            "source": "koseki",
            "topics": [str(topic.id)],
            "consent": "y",
            **data,
        },
    )


def test_without_firebase_the_option_is_not_offered(client, topic):
    html = client.get("/s/koseki").get_data(as_text=True)
    assert "data-push-option" not in html and "push.js" not in html
    assert client.get("/firebase-messaging-sw.js").status_code == 404


def test_with_firebase_the_option_the_scripts_and_the_worker_are_served(push_client, topic):
    response = push_client.get("/s/koseki")
    html = response.get_data(as_text=True)
    assert "data-push-option hidden" in html and "/static/push.js" in html
    assert "AIza-test" in html
    assert "https://fcmregistrations.googleapis.com" in response.headers["Content-Security-Policy"]
    worker = push_client.get("/firebase-messaging-sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert '"projectId": "yorisou-test"' in worker.get_data(as_text=True)


def test_a_device_token_alone_subscribes_at_once(push_client, session, topic):
    response = _signup(push_client, topic, push="y", push_token="fcm-token-123")
    assert response.status_code == 303 and "/preferences/" in response.location
    page = push_client.get(response.location).get_data(as_text=True)
    assert "登録が完了しました" in page and "スマートフォンへの通知" in page
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.confirmed_at is not None and subscriber.anchor_date is not None
    endpoint = session.exec(select(Endpoint)).one()
    assert (endpoint.channel, endpoint.address) == ("webpush", "fcm-token-123")
    assert endpoint.verified_at is not None
    assert session.exec(select(Delivery)).all() == []  # nothing to confirm


def test_a_device_and_an_email_each_get_what_they_need(push_client, session, topic):
    response = _signup(
        push_client, topic, push="y", push_token="fcm-token-123", email="hanako@example.jp"
    )
    assert response.status_code == 303 and "/sent" in response.location
    endpoints = {e.channel: e for e in session.exec(select(Endpoint))}
    assert endpoints["webpush"].verified_at is not None
    assert endpoints["email"].verified_at is None
    assert [d.kind for d in session.exec(select(Delivery))] == ["confirm"]


def test_neither_email_nor_device_is_refused(push_client, session, topic):
    response = _signup(push_client, topic)
    assert response.status_code == 400
    assert "メールアドレスを入力してください" in response.get_data(as_text=True)
    assert session.exec(select(Subscriber)).all() == []


def test_a_device_is_added_from_the_preferences_page(push_client, session, settings, topic):
    city = session.exec(select(Organisation)).one()
    subscriber = create_subscriber(session, organisation=city, topics=[topic])
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    page = f"/preferences/{token}"
    assert "data-push-option" in push_client.get(page).get_data(as_text=True)
    response = push_client.post(
        f"{page}/push",
        data={"csrf_token": csrf_token(push_client, page), "push_token": "fcm-token-9"},
    )
    assert response.status_code == 303
    pushes = session.exec(select(Endpoint).where(Endpoint.channel == "webpush")).all()
    assert [(e.address, e.verified_at is not None) for e in pushes] == [("fcm-token-9", True)]
    missing = push_client.post(f"{page}/push", data={"csrf_token": csrf_token(push_client, page)})
    assert missing.status_code == 400
