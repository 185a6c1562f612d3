"""A provider that fails 30 % of requests, one kind of fault at a time and all kinds mixed.

10,000 subscribers, one notice, the real worker and the real `sendgrid` client over HTTP to the
fake SendGrid. The clock is moved past every backoff between rounds, so the test waits only for
the provider. Every delivery must end `sent`; an address may receive the notice twice only where
the provider delivered but its answer never came back, and exactly that many times.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from jobs.worker import Worker
from service import create_app
from service.models import Delivery, DeliveryStatus
from tests.bulk import add_subscribers
from tests.conftest import with_sendgrid
from tests.factories import create_notice, create_organisation, create_topic
from tests.fakes.server import Fault
from tests.reliability.report import report

NOW = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)
SUBSCRIBERS = 10_000
TIMEOUT = 0.25  # the worker's PROVIDER_TIMEOUT_SECONDS in this test

FAULTS = {
    "429 Retry-After": [Fault(status=429, headers={"Retry-After": "1"}, name="429 Retry-After")],
    "500": [Fault(status=500, name="500")],
    "503": [Fault(status=503, name="503")],
    # Accepted and delivered, then no answer before the client's timeout: a lost answer.
    "timeout": [Fault(accept=True, delay=TIMEOUT * 2, drop=True, name="timeout")],
    "connection reset": [Fault(drop=True, name="connection reset")],
    "slow": [Fault(delay=TIMEOUT / 5, name="slow")],
}
FAULTS["mixed"] = [fault for faults in FAULTS.values() for fault in faults]
# The provider delivered, then the connection was reset before its answer.
FAULTS["mixed"].append(Fault(accept=True, drop=True, name="answer lost"))


@pytest.fixture
def worker(settings, database, fake_sendgrid):
    faster = with_sendgrid(
        settings, fake_sendgrid, provider_timeout_seconds=TIMEOUT, send_rate_email=""
    )
    return Worker(create_app(faster, database))


@pytest.mark.parametrize("kind", list(FAULTS))
def test_every_delivery_ends_sent_and_only_lost_answers_repeat(
    kind, session, worker, fake_sendgrid, database_url
):
    city = create_organisation(session)
    topics = [create_topic(session, organisation=city, slug=f"t{n}") for n in range(3)]
    addresses = add_subscribers(
        session, organisation_id=city.id, topic_ids=[t.id for t in topics], count=SUBSCRIBERS
    )
    create_notice(session, organisation=city, topics=topics, starts_at=NOW)
    worker.channels["email"].max_batch = 100  # 100 requests or more: faults of every kind
    fake_sendgrid.fault_kinds = FAULTS[kind]
    fake_sendgrid.failure_rate = 0.3

    now = NOW
    for _ in range(30):
        worker.run_once(now)
        if not _unsent(session):
            break
        now += timedelta(hours=7)  # past any backoff

    assert _unsent(session) == 0
    assert session.exec(select(func.count()).select_from(Delivery)).one() == SUBSCRIBERS
    received = Counter(fake_sendgrid.addresses())
    assert set(received) == set(addresses)  # none lost
    duplicated = sum(received.values()) - len(received)
    # Exactly the deliveries whose answer the worker never read: the timeouts and the lost
    # answers (and, on a machine loaded enough, any answer slower than the worker's timeout).
    assert duplicated == fake_sendgrid.unanswered_deliveries
    assert set(fake_sendgrid.injected) == {fault.name for fault in FAULTS[kind]}
    report(
        "provider faults",
        database=database_url.partition(":")[0],
        faults=kind,
        requests=fake_sendgrid.requests,
        injected=dict(fake_sendgrid.injected),
        deliveries=SUBSCRIBERS,
        lost=0,
        duplicated=duplicated,
    )


def _unsent(session) -> int:
    session.expire_all()
    return session.exec(
        select(func.count()).select_from(Delivery).where(Delivery.status != DeliveryStatus.SENT)
    ).one()
