"""The worker process as an operator sees it: its log says what matters, and only that."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlmodel import Session

from service.db import Database
from service.migrate import upgrade_database
from service.types import utcnow
from tests.bulk import add_subscribers
from tests.factories import create_notice, create_organisation, create_topic
from tests.fakes.server import Fault
from tests.processes import count_sent, start_worker, stop, wait_for


def test_a_send_longer_than_a_tick_leaves_no_warning_in_the_log(tmp_path, fake_sendgrid):
    """Each batch takes 1.5 s at the provider: ticks come due while the send goes on."""
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    upgrade_database(url)
    database = Database.from_url(url)
    with Session(database.engine, expire_on_commit=False) as session:
        city = create_organisation(session)
        topic = create_topic(session, organisation=city)
        add_subscribers(session, organisation_id=city.id, topic_ids=[topic.id], count=3000)
        create_notice(session, organisation=city, topics=[topic], starts_at=utcnow())
    fake_sendgrid.plan(*(Fault(delay=1.5, name="slow") for _ in range(3)))
    worker = start_worker(url, fake_sendgrid, tmp_path)
    try:
        wait_for(lambda: count_sent(database) == 3000, 60)
    finally:
        stop(worker)
    database.engine.dispose()
    [log] = [path.read_text() for path in tmp_path.glob("worker-*.log")]
    assert fake_sendgrid.injected["slow"] == 3
    assert " WARNING " not in log and "skipped" not in log, log
    assert "batch channel=email kind=notice" in log


def test_a_worker_loads_no_page_and_no_sdk_it_does_not_use(tmp_path):
    """What keeps a worker small: no page modules, no rate limiter or sign-in, and no provider
    SDK for a channel it does not send through (email here goes to SendGrid's API directly)."""
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    upgrade_database(url)
    script = (
        "import sys; from jobs.worker import Worker; from service import create_app; "
        "worker = Worker(create_app(web=False)); worker.run_once(); "
        "print(' '.join(sorted(m for m in sys.modules)))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SENDGRID_API_KEY": "SG.test",
        "SENDGRID_API_HOST": "http://127.0.0.1:9",
    }
    env.pop("TEST_POSTGRES_URL", None)
    loaded = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    unused = {
        "service.routes",
        "service.staff.views",
        "service.support.parent_pages",
        "service.extensions",
        "service.web.forms",
        "wtforms",
        "flask_wtf",
        "flask_limiter",
        "sendgrid",
        "linebot",
        "firebase_admin",
        "icalendar",
        "zxcvbn",
        "cryptography",
    }
    assert "jobs.dispatch" in loaded
    assert unused.isdisjoint(loaded), unused.intersection(loaded)
