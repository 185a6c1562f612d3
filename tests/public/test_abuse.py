"""Rate limits and malformed input: a readable refusal, and nothing written."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import func, select

from service import create_app
from service.extensions import limiter
from service.models import Subscriber
from service.tokens import Purpose, make_token
from tests.conftest import CSRF_INPUT as CSRF
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)


@pytest.fixture
def limited_client(settings, database):
    app = create_app(replace(settings, ratelimit_enabled=True), database)
    limiter.reset()
    yield app.test_client()
    limiter.reset()


@pytest.fixture
def topic(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    return create_topic(session, organisation=city)


def test_the_subscribe_form_is_rate_limited_per_ip(limited_client, session, topic):
    token = csrf_token(limited_client, "/s/koseki")
    statuses = [
        limited_client.post(
            "/subscribe",
            data={
                "csrf_token": token,
                "source": "koseki",
                "email": f"p{n}@example.jp",
                "topics": [str(topic.id)],
                "consent": "y",
            },
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [303] * 20
    assert statuses[20] == 429
    refused = limited_client.post("/subscribe", data={"csrf_token": token})
    assert "アクセスが集中しています" in refused.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(Subscriber)).one() == 20


def test_an_oversized_body_is_refused_readably(client, topic):
    response = client.post("/subscribe", data={"email": "x" * 100_000})
    assert response.status_code == 413
    assert "入力された内容が長すぎます" in response.get_data(as_text=True)


def test_a_body_that_is_not_utf8_is_refused_and_writes_nothing(client, session, topic):
    response = client.post(
        "/subscribe",
        data=b"email=\xff\xfe\xfd&source=koseki",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert session.exec(select(func.count()).select_from(Subscriber)).one() == 0


def test_a_token_made_for_one_purpose_is_refused_for_another(client, session, settings, topic):
    from service.models import Organisation

    city = session.exec(select(Organisation)).one()
    subscriber = create_subscriber(session, organisation=city, topics=[topic])
    confirm = make_token(settings.secret_key, Purpose.CONFIRM, subscriber.public_id)
    assert client.post(f"/unsubscribe/{confirm}").status_code == 400
    assert client.get(f"/preferences/{confirm}").status_code == 400
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is None


def test_guessing_a_staff_password_is_throttled(limited_client, session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp")
    token = csrf_token(limited_client, "/staff/login")

    def attempt(password: str) -> int:
        return limited_client.post(
            "/staff/login",
            data={"csrf_token": token, "email": "admin@aoba.example.jp", "password": password},
        ).status_code

    assert [attempt(f"guess {n}") for n in range(10)] == [401] * 10
    assert attempt(PASSWORD) == 429  # even the right one, until the minute is over


@pytest.fixture
def behind_proxy(settings, database, session):
    """The app behind the city's load balancer at 10.0.0.5 (TRUSTED_PROXIES=10.0.0.0/8)."""
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp")
    app = create_app(
        replace(settings, ratelimit_enabled=True, trusted_proxies="10.0.0.0/8"), database
    )
    limiter.reset()
    yield app
    limiter.reset()


def _login(app, password, *, peer, forwarded=None):
    client = app.test_client()
    environ = {"REMOTE_ADDR": peer}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/staff/login", environ_base=environ, headers=headers).get_data(as_text=True)
    token = CSRF.search(page).group(1)
    return client.post(
        "/staff/login",
        data={"csrf_token": token, "email": "admin@aoba.example.jp", "password": password},
        environ_base=environ,
        headers=headers,
    ).status_code


def test_behind_a_trusted_proxy_each_client_has_a_limit_of_its_own(behind_proxy):
    guesser = {"peer": "10.0.0.5", "forwarded": "203.0.113.7"}
    assert [_login(behind_proxy, f"guess {n}", **guesser) for n in range(10)] == [401] * 10
    assert _login(behind_proxy, PASSWORD, **guesser) == 429
    # Another member of staff, through the same load balancer, signs in at once.
    assert _login(behind_proxy, PASSWORD, peer="10.0.0.5", forwarded="198.51.100.20") == 302
    # A chain through two of the city's proxies: the client is the first address before them.
    chain = "203.0.113.7, 10.0.0.9"
    assert _login(behind_proxy, PASSWORD, peer="10.0.0.5", forwarded=chain) == 429


def test_a_client_cannot_choose_its_address_by_sending_the_header(behind_proxy):
    """Straight from the internet, X-Forwarded-For is just a header anyone can write."""
    statuses = [
        _login(behind_proxy, f"guess {n}", peer="192.0.2.66", forwarded=f"198.51.100.{n}")
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    # Nor through a trusted proxy, by writing addresses before the one the proxy adds.
    spoofed = "198.51.100.99, 192.0.2.66"
    assert _login(behind_proxy, PASSWORD, peer="10.0.0.5", forwarded=spoofed) == 429
