"""Races through two web processes (gunicorn), on SQLite and on PostgreSQL: the last places of a
seminar booked by many parents at the same moment (never more bookings than places, everyone
else on the waiting list), and one booking moved many times at once (its place given back once)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from sqlmodel import select

from service.bookings.booking import Contact, book, confirm_address
from service.bookings.models import Booking, Slot
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.factories import ADDRESS_KEY, create_event, create_organisation
from tests.processes import SECRET_KEY
from tests.reliability.test_rate_limit_processes import _free_port

ROOT = Path(__file__).resolve().parents[2]
PARENTS = 16
PLACES = 3


@contextmanager
def _gunicorn(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Two web processes of four threads each, as a city runs them; yields their address."""
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
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _form_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_many_parents_booking_the_last_places_at_once(session, database_url, tmp_path):
    city = create_organisation(session)
    event = create_event(
        session, organisation=city, starts_at=utcnow() + timedelta(days=7), capacity=PLACES
    )
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    with _gunicorn(database_url, tmp_path) as base:
        ready = threading.Barrier(PARENTS)

        def parent(n: int) -> int:
            browser = requests.Session()
            page = browser.get(f"{base}/e/{event.public_id}", timeout=30).text
            token = _form_token(page)
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
    assert statuses == {303: PARENTS}
    session.expire_all()
    # Each place held for its typed address until confirmed; everyone else on the list.
    bookings = Counter(b.status for b in session.exec(select(Booking)).all())
    assert bookings == {"held": PLACES, "waiting": PARENTS - PLACES}
    assert session.get(Slot, slot.id).booked == PLACES


MOVES = 8


def test_one_booking_moved_many_times_at_once_gives_its_place_back_once(
    session, database_url, tmp_path
):
    """A double tap, two tabs, a script: the same booking moved to free times from several
    web processes at the same moment is moved once; its old place is given back once."""
    city = create_organisation(session)
    event = create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=7),
        capacity=1,
        rrule=f"FREQ=DAILY;COUNT={MOVES + 1}",
    )
    first, *others = session.exec(
        select(Slot).where(Slot.event_id == event.id).order_by(Slot.starts_at)
    ).all()
    booking = book(
        session,
        event=event,
        slot=first,
        contact=Contact("email", address="mover@example.jp"),
        locale="ja",
        now=utcnow(),
    )
    confirm_address(session, booking, now=utcnow())
    session.commit()
    token = make_token(SECRET_KEY, Purpose.BOOKING, booking.public_id)
    with _gunicorn(database_url, tmp_path) as base:
        ready = threading.Barrier(MOVES)

        def move_to(slot_id: int) -> int:
            browser = requests.Session()
            page = browser.get(f"{base}/b/{token}", timeout=30).text
            form = _form_token(page)
            ready.wait(timeout=60)
            return browser.post(
                f"{base}/b/{token}/move",
                data={"csrf_token": form, "slot": str(slot_id)},
                allow_redirects=False,
                timeout=60,
            ).status_code

        with ThreadPoolExecutor(MOVES) as pool:
            statuses = Counter(pool.map(move_to, [slot.id for slot in others]))
    assert statuses[303] >= 1 and statuses[303] + statuses[409] == MOVES
    session.expire_all()
    counts = {slot.id: slot.booked for slot in session.exec(select(Slot))}
    moved = session.get(Booking, booking.id)
    # Exactly one place is taken, where the booking now is; none is negative or doubled.
    assert counts == {slot_id: int(slot_id == moved.slot_id) for slot_id in counts}
