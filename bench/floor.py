"""The floor: the least any sender that keeps a ledger must do to send one notice to N email
subscribers, run on the same machine, database, fake SendGrid and number of processes as
bench.fanout, so that Yorisou's figures read as ratios to it. Absolute times on a shared
machine vary by 2× from day to day; the ratio to a floor measured in the same run does not.

The bare loop: one set-based INSERT of the deliveries (one row per endpoint of the notice's
topics' subscribers); then each process, until nothing is left: claim 1,000 pending rows
(FOR UPDATE SKIP LOCKED on PostgreSQL), build the JSON of 1,000 personalizations, POST it, mark
them sent. No rendering, no links, no quiet hours, no rates, no retries, no recovery.

    .venv/bin/python -m bench.floor --n 300000 --db postgresql --workers 2
    .venv/bin/python -m bench.fanout --n 300000 --db postgresql --workers 2 --floor
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, bindparam, text
from sqlmodel import Session

from bench.common import (
    cpu_seconds,
    postgres_cpu_seconds,
    print_result,
    received_once,
    save_result,
    scratch_database,
)
from bench.load import load_city
from service.db import make_engine
from service.types import UTCDateTime, utcnow
from tests.fakes.sendgrid import API_KEY, FakeSendGrid

BATCH = 1000

_FAN_OUT = """
    INSERT INTO delivery (send_id, endpoint_id, kind, priority, status, attempts,
                          next_attempt_at, created_at)
    SELECT DISTINCT 1, e.id, 'notice', 5, 'pending', 0, :now, :now
    FROM subscription AS s JOIN endpoint AS e ON e.subscriber_id = s.subscriber_id
    WHERE s.topic_id IN (SELECT id FROM topic)
"""
_CLAIM = """
    SELECT d.id, e.address FROM delivery AS d JOIN endpoint AS e ON e.id = d.endpoint_id
    WHERE d.status = 'pending' ORDER BY d.priority, d.next_attempt_at, d.id LIMIT :batch
"""
_MARK = "UPDATE delivery SET status = 'sent', attempts = 1, sent_at = :now WHERE id IN ({ids})"


def _post(connection: http.client.HTTPConnection, addresses: list[str]) -> None:
    body = json.dumps(
        {
            "personalizations": [{"to": [{"email": address}]} for address in addresses],
            "from": {"email": "oshirase@aoba.example.jp", "name": "あおば市"},
            "subject": "現況届のお知らせ",
            "content": [
                {"type": "text/plain", "value": "8月31日までに提出してください。"},
                {"type": "text/html", "value": "<p>8月31日までに提出してください。</p>"},
            ],
        }
    )
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    connection.request("POST", "/v3/mail/send", body, headers)
    response = connection.getresponse()
    response.read()
    if response.status != 202:
        raise RuntimeError(f"the fake SendGrid answered {response.status}")


def work(database_url: str, sendgrid_url: str) -> None:
    """One floor process: claim, post, mark sent, until told to stop."""
    engine = make_engine(database_url)
    claim = _CLAIM + (" FOR UPDATE OF d SKIP LOCKED" if engine.dialect.name == "postgresql" else "")
    parts = urlsplit(sendgrid_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while not stopping:
        with engine.begin() as db:
            rows = db.execute(text(claim), {"batch": BATCH}).all()
            if rows:
                _post(connection, [address for _, address in rows])
                ids = ",".join(str(delivery_id) for delivery_id, _ in rows)
                mark = text(_MARK.format(ids=ids)).bindparams(bindparam("now", type_=UTCDateTime))
                db.execute(mark, {"now": utcnow()})
        if not rows:
            time.sleep(0.05)


def run(n: int, kind: str, workers: int, timeout: float = 1800) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="yorisou-floor-"))
    with scratch_database(kind, workdir) as url:
        engine = make_engine(url)
        try:
            return _measure(engine, url, n, kind, workers, timeout)
        finally:
            engine.dispose()


def _sent(engine: Engine) -> int:
    with engine.connect() as db:
        return int(db.execute(text("SELECT count(*) FROM delivery WHERE status = 'sent'")).one()[0])


def _measure(
    engine: Engine, url: str, n: int, kind: str, workers: int, timeout: float
) -> dict[str, object]:
    with Session(engine, expire_on_commit=False) as session:
        load_city(session, n)
    fake = FakeSendGrid(keep_messages=False).start()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.floor", "--work", url, fake.url],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(2)  # started, and polling an empty queue
        started = time.monotonic()
        cpu_before = [cpu_seconds(p.pid) for p in procs]
        own_before = cpu_seconds(os.getpid())
        postgres_before = postgres_cpu_seconds()
        with engine.begin() as db:
            db.execute(
                text(_FAN_OUT).bindparams(bindparam("now", type_=UTCDateTime)), {"now": utcnow()}
            )
        while time.monotonic() - started < timeout:
            if len(fake.received_addresses) >= n and _sent(engine) >= n:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        cpu = [cpu_seconds(p.pid) - before for p, before in zip(procs, cpu_before, strict=True)]
        own_cpu = cpu_seconds(os.getpid()) - own_before
        postgres_cpu = postgres_cpu_seconds() - postgres_before
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=60)
        fake.stop()
    return {
        "n": n,
        "db": kind,
        "workers": workers,
        "floor_seconds": round(elapsed, 1),
        "provider_requests": fake.requests,
        "worker_cpu_seconds": [round(c, 1) for c in cpu],
        "postgres_cpu_seconds": round(postgres_cpu, 1) if kind == "postgresql" else None,
        "fake_provider_cpu_seconds": round(own_cpu, 1),  # the benchmark process: fake + polling
        "all_received_once": received_once(fake.addresses(), n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--work", nargs=2, metavar=("DATABASE_URL", "SENDGRID_URL"))
    args = parser.parse_args()
    if args.work:
        work(*args.work)
        return
    result = run(args.n, args.db, args.workers)
    save_result("floor", result)
    print_result(result)


if __name__ == "__main__":
    main()
