"""Signing up for notifications on this device (web push), with and without Firebase."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import select

from jobs.worker import Worker
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
def push_app(settings, database, fake_google):
    configured = replace(
        settings,
        firebase_web_config=json.dumps(WEB_CONFIG),
        firebase_credentials=json.dumps(fake_google.service_account()),
        fcm_api_host=fake_google.url,
        quiet_hours="00:00-23:59",  # a dry run wakes no one: it is never held
    )
    return create_app(configured, database)


@pytest.fixture
def push_client(push_app):
    return push_app.test_client()


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


def test_a_device_token_counts_once_fcm_has_accepted_it(
    push_app, push_client, session, topic, fake_google
):
    response = _signup(push_client, topic, push="y", push_token="fcm-token-123")
    assert response.status_code == 303 and "/preferences/" in response.location
    page = push_client.get(response.location).get_data(as_text=True)
    assert "この端末を確認しています" in page and "確認待ち" in page
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.confirmed_at is None  # a token typed into a form proves nothing yet
    endpoint = session.exec(select(Endpoint)).one()
    assert (endpoint.channel, endpoint.address, endpoint.verified_at) == (
        "webpush",
        "fcm-token-123",
        None,
    )
    Worker(push_app).run_once()
    assert fake_google.validated == ["fcm-token-123"] and fake_google.received == []
    session.expire_all()
    assert session.get(Endpoint, endpoint.id).verified_at is not None
    subscriber = session.get(Subscriber, subscriber.id)
    assert subscriber.confirmed_at is not None and subscriber.anchor_date is not None
    assert [d.kind for d in session.exec(select(Delivery))] == ["verify"]


def test_a_token_fcm_refuses_never_counts(push_app, push_client, session, topic, fake_google):
    _signup(push_client, topic, push="y", push_token="unregistered-token")
    Worker(push_app).run_once()
    session.expire_all()
    endpoint = session.exec(select(Endpoint)).one()
    assert endpoint.verified_at is None and endpoint.disabled_at is not None
    assert session.exec(select(Subscriber)).one().confirmed_at is None


def test_without_push_configured_a_token_is_refused_and_nothing_stored(
    settings, database, session, topic
):
    web_only = replace(settings, firebase_web_config=json.dumps(WEB_CONFIG))  # no credentials
    client = create_app(web_only, database).test_client()
    assert "data-push-option" not in client.get("/s/koseki").get_data(as_text=True)
    response = _signup(client, topic, push="y", push_token="fcm-token-123")
    assert response.status_code == 400
    assert "この端末への通知は使えません" in response.get_data(as_text=True)
    assert session.exec(select(Subscriber)).all() == []


def test_a_device_and_an_email_each_get_what_they_need(push_client, session, topic):
    response = _signup(
        push_client, topic, push="y", push_token="fcm-token-123", email="hanako@example.jp"
    )
    assert response.status_code == 303 and "/sent" in response.location
    endpoints = {e.channel: e for e in session.exec(select(Endpoint))}
    assert endpoints["webpush"].verified_at is None and endpoints["email"].verified_at is None
    assert sorted(d.kind for d in session.exec(select(Delivery))) == ["confirm", "verify"]


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
    Worker(push_client.application).run_once()
    session.expire_all()
    pushes = session.exec(select(Endpoint).where(Endpoint.channel == "webpush")).all()
    assert [(e.address, e.verified_at is not None) for e in pushes] == [("fcm-token-9", True)]
    missing = push_client.post(f"{page}/push", data={"csrf_token": csrf_token(push_client, page)})
    assert missing.status_code == 400
