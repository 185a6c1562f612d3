"""The last places of a seminar, booked by many parents at the same moment through two web
processes (gunicorn): never more bookings than places, and everyone else on the waiting list,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from sqlmodel import select

from service.models import Booking, Slot
from service.types import utcnow
from tests.factories import ADDRESS_KEY, create_event, create_organisation
from tests.processes import SECRET_KEY
from tests.reliability.test_rate_limit_processes import _free_port

ROOT = Path(__file__).resolve().parents[2]
PARENTS = 16
PLACES = 3


def test_many_parents_booking_the_last_places_at_once(session, database_url, tmp_path):
    city = create_organisation(session)
    event = create_event(
        session, organisation=city, starts_at=utcnow() + timedelta(days=7), capacity=PLACES
    )
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
            "service:create_app()",
        ],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "SUPPRESSION_KEY": ADDRESS_KEY,
            "PUBLIC_BASE_URL": "https://yorisou.example.jp",
            "RATELIMIT_ENABLED": "false",
        },
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        ready = threading.Barrier(PARENTS)

        def parent(n: int) -> int:
            browser = requests.Session()
            page = browser.get(f"{base}/e/{event.public_id}", timeout=30).text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            ready.wait(timeout=60)  # everyone presses the button at the same moment
            return browser.post(
                f"{base}/e/{event.public_id}",
                data={
                    "csrf_token": token,
                    "slot": str(slot.id),
                    "email": f"parent{n}@example.jp",
                    "consent": "y",
                    "childcare": "0",
                },
                allow_redirects=False,
                timeout=60,
            ).status_code

        with ThreadPoolExecutor(PARENTS) as pool:
            statuses = Counter(pool.map(parent, range(PARENTS)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == {303: PARENTS}
    session.expire_all()
    bookings = Counter(b.status for b in session.exec(select(Booking)).all())
    assert bookings == {"booked": PLACES, "waiting": PARENTS - PLACES}
    assert session.get(Slot, slot.id).booked == PLACES
