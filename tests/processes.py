"""Real `python -m jobs` worker processes for the tests that start, share, kill and restart them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from service.db import Database
from service.models import Delivery, DeliveryLease, DeliveryStatus
from tests.factories import ADDRESS_KEY
from tests.fakes.sendgrid import API_KEY, FakeSendGrid

SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def start_worker(
    database_url: str, fake: FakeSendGrid, tmp_path: Path, **env: str
) -> subprocess.Popen[bytes]:
    """A worker process sending email through `fake`, started and ready (its signal handlers
    set); its output goes to a log in tmp_path."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "SUPPRESSION_KEY": ADDRESS_KEY,
        "PUBLIC_BASE_URL": "https://yorisou.example.jp",
        "SENDGRID_API_KEY": API_KEY,
        "SENDGRID_API_HOST": fake.url,
        **env,
    }
    environment.pop("TEST_POSTGRES_URL", None)
    log = tmp_path / f"worker-{time.monotonic_ns()}.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "jobs"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    wait_for(lambda: "worker started" in log.read_text() or worker.poll() is not None, 30)
    assert worker.poll() is None, log.read_text()
    return worker


def stop(*workers: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then each must exit cleanly after its tick in flight."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        assert worker.wait(timeout=30) == 0


def count_sent(database: Database) -> int:
    """Deliveries the provider took: marked sent, and no longer in a worker's lease (a claim
    marks them sent before the provider answers)."""
    with Session(database.engine) as session:
        in_flight = {i for lease in session.exec(select(DeliveryLease)) for i in lease.delivery_ids}
        sent = session.exec(select(Delivery.id).where(Delivery.status == DeliveryStatus.SENT))
        return sum(1 for delivery_id in sent if delivery_id not in in_flight)


def wait_for(condition: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
