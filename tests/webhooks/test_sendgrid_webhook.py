"""SendGrid's signed event webhook, with signatures made by a test key pair."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import func, select

from service import create_app
from service.models import (
    Delivery,
    Endpoint,
    Organisation,
    ProviderEvent,
    Subscriber,
    Suppression,
    Topic,
)
from tests.factories import create_notice, create_organisation, create_subscriber, create_topic
from tests.outbox import read_outbox

PRIVATE_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_KEY = base64.b64encode(
    PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()


def signed(events, private_key=PRIVATE_KEY, timestamp=None):
    """A post as SendGrid signs it, stamped now unless told otherwise."""
    timestamp = timestamp or str(int(time.time()))
    payload = json.dumps(events)
    signature = private_key.sign((timestamp + payload).encode(), ec.ECDSA(hashes.SHA256()))
    return payload, {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


@pytest.fixture
def client(settings, database):
    app = create_app(replace(settings, sendgrid_webhook_public_key=PUBLIC_KEY), database)
    return app.test_client()


@pytest.fixture
def delivery(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    subscriber = create_subscriber(
        session, organisation=city, topics=[topic], email="hanako@example.jp"
    )
    endpoint = session.exec(select(Endpoint)).one()
    delivery = Delivery(endpoint_id=endpoint.id, status="sent")
    session.add(delivery)
    session.commit()
    assert subscriber.id
    return delivery


def event(delivery, kind, event_id, **extra):
    return {
        "email": "hanako@example.jp",
        "timestamp": 1795737600,
        "event": kind,
        "sg_event_id": event_id,
        "delivery_id": str(delivery.id),
        **extra,
    }


def _count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_delivered_and_open_update_the_delivery_once(client, session, delivery):
    events = [
        event(delivery, "delivered", "e1"),
        event(delivery, "open", "e2"),
        event(delivery, "open", "e2"),
    ]
    payload, headers = signed(events)
    response = client.post("/webhooks/sendgrid", data=payload, headers=headers)
    assert response.status_code == 200 and response.json == {"received": 3, "applied": 2}
    again = client.post("/webhooks/sendgrid", data=payload, headers=headers)
    assert again.json["applied"] == 0
    session.expire_all()
    row = session.get(Delivery, delivery.id)
    assert row.delivered_at is not None and row.opened_at is not None
    assert _count(session, ProviderEvent) == 2


@pytest.mark.parametrize("kind", ["bounce", "dropped", "spamreport"])
def test_hard_failures_suppress_the_address_and_disable_the_endpoint(
    client, session, delivery, kind
):
    payload, headers = signed([event(delivery, kind, "e1", type="bounce")])
    assert client.post("/webhooks/sendgrid", data=payload, headers=headers).status_code == 200
    session.expire_all()
    endpoint = session.exec(select(Endpoint)).one()
    assert endpoint.disabled_reason == kind
    [suppression] = session.exec(select(Suppression)).all()
    assert suppression.address_hash == endpoint.address_hash and suppression.reason == kind
    unsubscribed = session.exec(select(Subscriber)).one().unsubscribed_at is not None
    assert unsubscribed is (kind == "spamreport")


def test_soft_bounces_count_before_the_endpoint_is_disabled(client, session, delivery):
    for n in range(1, 4):
        payload, headers = signed([event(delivery, "bounce", f"soft{n}", type="blocked")])
        client.post("/webhooks/sendgrid", data=payload, headers=headers)
        session.expire_all()
        endpoint = session.exec(select(Endpoint)).one()
        assert endpoint.soft_bounces == n
        assert (endpoint.disabled_at is not None) is (n == 3)
    assert _count(session, Suppression) == 0


def test_forged_tampered_and_unsigned_posts_are_refused_and_store_nothing(
    client, session, delivery
):
    payload, headers = signed([event(delivery, "bounce", "e1", type="bounce")])
    forged = signed(json.loads(payload), private_key=ec.generate_private_key(ec.SECP256R1()))
    assert client.post("/webhooks/sendgrid", data=forged[0], headers=forged[1]).status_code == 403
    tampered = payload.replace("bounce", "open")
    assert client.post("/webhooks/sendgrid", data=tampered, headers=headers).status_code == 403
    other_time = {**headers, "X-Twilio-Email-Event-Webhook-Timestamp": "1795737601"}
    assert client.post("/webhooks/sendgrid", data=payload, headers=other_time).status_code == 403
    unsigned = client.post(
        "/webhooks/sendgrid", data=payload, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    garbage = {**headers, "X-Twilio-Email-Event-Webhook-Signature": "not base64!"}
    assert client.post("/webhooks/sendgrid", data=payload, headers=garbage).status_code == 403
    assert _count(session, ProviderEvent) == 0 and _count(session, Suppression) == 0


@pytest.mark.parametrize("age", [-3600, 301, 86400])
def test_a_genuine_post_replayed_later_is_refused_and_stores_nothing(
    client, session, delivery, age
):
    """Signed by SendGrid, but minutes ago (or in the future): a recording played again."""
    stamp = str(int(time.time()) - age)
    payload, headers = signed([event(delivery, "spamreport", "e1")], timestamp=stamp)
    response = client.post("/webhooks/sendgrid", data=payload, headers=headers)
    assert response.status_code == 403 and "too long ago" in response.json["error"]["detail"]
    assert _count(session, ProviderEvent) == 0 and _count(session, Suppression) == 0
    fresh = signed([event(delivery, "spamreport", "e1")], timestamp=str(int(time.time()) - 60))
    assert client.post("/webhooks/sendgrid", data=fresh[0], headers=fresh[1]).status_code == 200


def test_a_signed_body_that_is_not_a_list_of_events_is_a_400(client, session, delivery):
    payload, headers = signed({"event": "open"})
    assert client.post("/webhooks/sendgrid", data=payload, headers=headers).status_code == 400


def test_without_a_configured_key_every_post_is_refused(settings, database, session, delivery):
    client = create_app(settings, database).test_client()
    payload, headers = signed([event(delivery, "open", "e1")])
    assert client.post("/webhooks/sendgrid", data=payload, headers=headers).status_code == 403
    assert _count(session, ProviderEvent) == 0


def test_a_bounced_address_gets_no_later_notice(client, session, delivery, worker, settings):
    payload, headers = signed([event(delivery, "bounce", "e1", type="bounce")])
    client.post("/webhooks/sendgrid", data=payload, headers=headers)
    topic = session.exec(select(Topic)).one()
    city = session.get(Organisation, topic.organisation_id)
    due = datetime(2027, 8, 17, tzinfo=UTC)
    create_notice(session, organisation=city, topics=[topic], starts_at=due)
    worker.run_once(due)
    assert read_outbox(settings.outbox_dir) == []
