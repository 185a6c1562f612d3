"""Real `python -m jobs` processes: several sharing one notice, and workers killed with SIGKILL.

Duplicates can come only from a batch whose answer the worker never read in time: it died while
the provider had the batch (at most one batch per kill), or its lease ran out first (the worker
logs it). Nothing may ever be lost.
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from service.db import Database
from service.types import utcnow
from tests.bulk import add_subscribers
from tests.conftest import POSTGRES_URL, _empty
from tests.factories import create_notice, create_organisation, create_topic
from tests.fakes.line import ACCESS_TOKEN, ACCOUNT_ID, CHANNEL_SECRET, FakeLine
from tests.fakes.server import Fault
from tests.processes import count_sent, start_worker, stop, wait_for
from tests.reliability.report import report

BATCH = 1000  # the email adapter's batch: what a kill can repeat


@pytest.fixture
def postgres(postgres_engine: Engine) -> Iterator[Database]:
    yield Database(postgres_engine)
    _empty(postgres_engine)


def notice_to(database: Database, count: int, channel: str = "email") -> list[str]:
    """`count` subscribers over three topics, and a notice about all three due now."""
    with Session(database.engine, expire_on_commit=False) as session:
        city = create_organisation(session)
        topics = [create_topic(session, organisation=city, slug=f"t{n}") for n in range(3)]
        addresses = add_subscribers(
            session,
            organisation_id=city.id,
            topic_ids=[t.id for t in topics],
            count=count,
            channel=channel,
        )
        create_notice(
            session, organisation=city, topics=topics, channels=[channel], starts_at=utcnow()
        )
    return addresses


def line_env(fake_line: FakeLine) -> dict[str, str]:
    return {
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_ACCOUNT_ID": ACCOUNT_ID,
        "LINE_API_HOST": fake_line.url,
        "QUIET_HOURS": "off",  # the test must not depend on the hour it runs at
    }


@pytest.mark.skipif(not POSTGRES_URL, reason="several workers need PostgreSQL")
@pytest.mark.parametrize("workers", [2, 4])
def test_several_workers_deliver_10000_notices_exactly_once(
    workers, postgres, fake_sendgrid, tmp_path
):
    addresses = notice_to(postgres, 10_000)
    url = postgres.engine.url.render_as_string(hide_password=False)
    processes = [start_worker(url, fake_sendgrid, tmp_path) for _ in range(workers)]
    try:
        wait_for(lambda: count_sent(postgres) == 10_000)
    finally:
        stop(*processes)
    received = Counter(fake_sendgrid.addresses())
    assert set(received) == set(addresses)
    assert max(received.values()) == 1
    assert fake_sendgrid.requests == 10  # full batches of 1,000
    report("several workers", workers=workers, deliveries=10_000, lost=0, duplicated=0)


@pytest.mark.skipif(not POSTGRES_URL, reason="the kill test shares its setup with PostgreSQL's")
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_one_batch(
    postgres, fake_sendgrid, tmp_path
):
    addresses = notice_to(postgres, 2500)
    url = postgres.engine.url.render_as_string(hide_password=False)
    # SendGrid accepts the first batch, but its answer never reaches the worker: it is killed.
    fake_sendgrid.plan(Fault(accept=True, delay=30))
    first = start_worker(url, fake_sendgrid, tmp_path, CLAIM_LEASE_SECONDS="3")
    wait_for(lambda: len(fake_sendgrid.received) >= BATCH)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = start_worker(url, fake_sendgrid, tmp_path, CLAIM_LEASE_SECONDS="3")
    try:
        wait_for(lambda: count_sent(postgres) == 2500)
    finally:
        stop(second)
    received = Counter(fake_sendgrid.addresses())
    assert set(received) == set(addresses)
    twice = sum(1 for n in received.values() if n > 1)
    assert max(received.values()) == 2
    assert twice == BATCH  # exactly the one batch whose answer was lost
    report("worker killed mid-batch", kills=1, deliveries=2500, lost=0, duplicated=twice)


@pytest.mark.skipif(not POSTGRES_URL, reason="several workers need PostgreSQL")
def test_two_workers_deliver_line_notices_exactly_once(
    postgres, fake_sendgrid, fake_line, tmp_path
):
    users = notice_to(postgres, 3000, channel="line")
    url = postgres.engine.url.render_as_string(hide_password=False)
    env = line_env(fake_line)
    processes = [start_worker(url, fake_sendgrid, tmp_path, **env) for _ in range(2)]
    try:
        wait_for(lambda: count_sent(postgres) == 3000)
    finally:
        stop(*processes)
    received = Counter(fake_line.users())
    assert set(received) == set(users)
    assert max(received.values()) == 1
    assert fake_line.multicasts == 6  # full multicasts of 500
    report("several workers (LINE)", workers=2, deliveries=3000, lost=0, duplicated=0)


@pytest.mark.skipif(not POSTGRES_URL, reason="the kill test shares its setup with PostgreSQL's")
def test_a_worker_killed_mid_multicast_repeats_nothing_thanks_to_the_retry_key(
    postgres, fake_sendgrid, fake_line, tmp_path
):
    users = notice_to(postgres, 1200, channel="line")
    url = postgres.engine.url.render_as_string(hide_password=False)
    # LINE accepts the first multicast, but its answer never reaches the worker: it is killed.
    fake_line.plan(Fault(accept=True, delay=30))
    env = {**line_env(fake_line), "CLAIM_LEASE_SECONDS": "3"}
    first = start_worker(url, fake_sendgrid, tmp_path, **env)
    wait_for(lambda: len(fake_line.sent) >= 500)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = start_worker(url, fake_sendgrid, tmp_path, **env)
    try:
        wait_for(lambda: count_sent(postgres) == 1200)
    finally:
        stop(second)
    received = Counter(fake_line.users())
    assert set(received) == set(users)
    assert max(received.values()) == 1  # the batch went again with its key: LINE said 409
    assert fake_line.refused_retries == 1
    report("worker killed mid-multicast (LINE)", kills=1, deliveries=1200, lost=0, duplicated=0)


@pytest.mark.heavy
def test_workers_killed_at_random_moments_again_and_again_lose_nothing(
    database, database_url, fake_sendgrid, tmp_path
):
    addresses = notice_to(database, 10_000)
    # Every request takes a while, so that kills land while batches are with the provider.
    fake_sendgrid.fault_kinds = [Fault(delay=1.0, name="slow")]
    fake_sendgrid.failure_rate = 1.0
    moments = random.Random(7)
    env = {"CLAIM_LEASE_SECONDS": "3"}
    kills = 0
    for _ in range(4):
        worker = start_worker(database_url, fake_sendgrid, tmp_path, **env)
        time.sleep(moments.uniform(0.2, 2.5))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        kills += 1
        time.sleep(3)  # the dead worker's claims expire
    last = start_worker(database_url, fake_sendgrid, tmp_path, **env)
    try:
        wait_for(lambda: count_sent(database) == 10_000, timeout=180)
    finally:
        stop(last)
    received = Counter(fake_sendgrid.addresses())
    assert set(received) == set(addresses)  # none lost
    duplicated = sum(received.values()) - len(received)
    # A short lease can also run out while a live worker, slowed by a loaded machine, waits
    # for the provider: the worker says so, and the batch goes again. Nothing else may repeat.
    assert duplicated <= kills * BATCH + run_out_while_sending(tmp_path)
    report(
        "workers killed at random",
        database=database_url.partition(":")[0],
        kills=kills,
        requests=fake_sendgrid.requests,
        deliveries=10_000,
        lost=0,
        duplicated=duplicated,
    )


def run_out_while_sending(logs: Path) -> int:
    """How many deliveries the workers said went back to the queue because their lease ran out
    before the provider answered."""
    said = re.compile(r"lease ran out before the provider answered: (\d+) deliveries")
    return sum(
        int(count) for log in logs.glob("worker-*.log") for count in said.findall(log.read_text())
    )
