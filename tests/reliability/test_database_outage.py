"""PostgreSQL cuts every connection of the app (`pg_terminate_backend`, what a restart or a
failover does to clients) while a worker sends and while parents use the web pages. The
processes must reconnect by themselves, answer every request with a page, not a stack trace,
and lose nothing."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from bench.common import web_server
from service.db import Database
from tests.conftest import POSTGRES_URL, _empty
from tests.factories import create_organisation, create_source, create_topic
from tests.fakes.server import Fault
from tests.processes import SECRET_KEY, count_sent, start_worker, stop, wait_for
from tests.reliability.report import report
from tests.reliability.test_workers import BATCH, notice_to

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(not POSTGRES_URL, reason="cuts PostgreSQL's connections"),
]


@pytest.fixture
def postgres(postgres_engine: Engine) -> Iterator[Database]:
    yield Database(postgres_engine)
    _empty(postgres_engine)


def cut_connections(database: Database) -> int:
    """Terminate every other session on the app's database; how many there were."""
    with database.engine.connect() as connection:
        return len(
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        )


def test_a_send_goes_on_after_the_database_cuts_its_connections(postgres, fake_sendgrid, tmp_path):
    addresses = notice_to(postgres, 10_000)
    fake_sendgrid.fault_kinds = [Fault(delay=0.5, name="slow")]
    fake_sendgrid.failure_rate = 1.0
    url = postgres.engine.url.render_as_string(hide_password=False)
    worker = start_worker(url, fake_sendgrid, tmp_path, CLAIM_LEASE_SECONDS="3")
    cuts = terminated = 0
    try:
        for batches in (2, 4, 6):
            wait_for(lambda n=batches: len(fake_sendgrid.addresses()) >= n * BATCH)
            terminated += cut_connections(postgres)
            cuts += 1
        wait_for(lambda: count_sent(postgres) == 10_000, timeout=120)
    finally:
        stop(worker)  # still alive, and stops cleanly
    received = Counter(fake_sendgrid.addresses())
    assert set(received) == set(addresses)  # none lost
    duplicated = sum(received.values()) - len(received)
    assert duplicated <= cuts * BATCH
    assert terminated >= cuts  # the worker's connections really were cut
    report(
        "database connections cut during a send",
        cuts=cuts,
        connections_terminated=terminated,
        deliveries=10_000,
        lost=0,
        duplicated=duplicated,
    )


def test_the_web_pages_answer_through_cut_connections(postgres, tmp_path):
    with Session(postgres.engine) as session:
        city = create_organisation(session)
        create_topic(session, organisation=city)
        create_source(session, organisation=city, code="koseki")
    env = {
        "DATABASE_URL": postgres.engine.url.render_as_string(hide_password=False),
        "SECRET_KEY": SECRET_KEY,
        "PUBLIC_BASE_URL": "https://yorisou.example.jp",
        "RATELIMIT_ENABLED": "false",
        "PATH": "/usr/bin:/bin",
    }
    statuses: Counter[int] = Counter()
    traces = 0
    stopping = threading.Event()

    def browse(port: int) -> None:
        nonlocal traces
        while not stopping.is_set():
            for path in ("/s/koseki", "/healthz"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
                        status, body = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                statuses[status] += 1
                traces += b"Traceback" in body

    with web_server(env, tmp_path) as (port, _server):
        browsers = [threading.Thread(target=browse, args=(port,)) for _ in range(4)]
        for browser in browsers:
            browser.start()
        terminated = 0
        try:
            for _ in range(5):
                time.sleep(1)
                terminated += cut_connections(postgres)
            time.sleep(1)
            before = statuses[200]
            time.sleep(1)
            after = statuses[200]
        finally:
            stopping.set()
            for browser in browsers:
                browser.join()
    assert terminated >= 5
    assert traces == 0
    assert after > before  # serving again, on new connections
    assert set(statuses) <= {200, 503}, statuses  # a cut mid-request: "try again", no 500
    report(
        "database connections cut during web traffic",
        cuts=5,
        connections_terminated=terminated,
        requests=sum(statuses.values()),
        statuses=dict(statuses),
        server_errors=sum(n for status, n in statuses.items() if status >= 500 and status != 503),
    )
