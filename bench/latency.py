"""The two waits a person feels, with the worker running normally (`python -m jobs`) and the
app under gunicorn, against the fake SendGrid server:

- confirmation: the subscribe POST is answered → the confirmation email reaches the provider;
- notice: a notice's due time → the provider receives its first request.

    .venv/bin/python -m bench.latency --samples 20 --db postgresql

Results are printed and appended to bench/results/latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from bench.common import (
    city_with_counter,
    print_result,
    save_result,
    scratch_database,
    web_server,
    worker_env,
)
from bench.loadgen import Connection, subscribe_form
from service.db import make_engine
from service.types import utcnow
from tests.bulk import add_subscribers
from tests.factories import create_notice
from tests.fakes.sendgrid import FakeSendGrid

AUDIENCE = 100  # of each notice


async def _subscribe(port: int, code: str, topic_id: int, email: str) -> float:
    """Sign up through the real form; returns when the answer came (time.time())."""
    connection = Connection(port)
    form = {
        **await subscribe_form(connection, code),
        "email": email,
        "topics": str(topic_id),
    }
    status, _ = await connection.request("POST", "/subscribe", form)
    assert status == 303, f"subscribe answered {status}"
    return time.time()


def _wait_for(fake: FakeSendGrid, address: str, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while (arrived := fake.arrival(address)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing reached the provider for {address}")
        time.sleep(0.005)
    return arrived


def _first_request_after(fake: FakeSendGrid, moment: float, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while True:
        with fake.lock:
            later = [t for t in fake.received_times if t >= moment]
        if later:
            return min(later)
        if time.monotonic() > deadline:
            raise TimeoutError("the notice never reached the provider")
        time.sleep(0.005)


def _summary(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=20) if len(seconds) > 1 else seconds * 19
    return {"p50_s": round(statistics.median(seconds), 2), "p95_s": round(cuts[18], 2)}


def run(*, samples: int, kind: str) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="yorisou-bench-"))
    with scratch_database(kind, workdir) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            city, topic, source = city_with_counter(session)
            add_subscribers(
                session, organisation_id=city.id, topic_ids=[topic.id or 0], count=AUDIENCE
            )
        fake = FakeSendGrid().start()
        env = worker_env(url, fake.url, RATELIMIT_ENABLED="false")
        worker = subprocess.Popen(
            [sys.executable, "-m", "jobs"],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with web_server(env, workdir) as (port, _):
                time.sleep(2)  # the worker's first ticks
                confirmation = []
                for n in range(samples):
                    email = f"latency{n}@example.jp"
                    answered = asyncio.run(_subscribe(port, source.code, topic.id or 0, email))
                    confirmation.append(_wait_for(fake, email) - answered)
                notice = []
                for n in range(samples):
                    # Due at an arbitrary moment, as staff set it, not on a tick.
                    due = utcnow() + timedelta(seconds=1.5 + (n * 0.37) % 1)
                    with Session(engine) as session:
                        create_notice(
                            session,
                            organisation=city,
                            topics=[topic],
                            starts_at=due,
                            title=f"お知らせ {n}",
                        )
                    notice.append(_first_request_after(fake, due.timestamp()) - due.timestamp())
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            fake.stop()
            engine.dispose()
    return {
        "db": kind,
        "samples": samples,
        "confirmation": _summary(confirmation),
        "due_to_first_request": _summary(notice),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    result = run(samples=args.samples, kind=args.db)
    save_result("latency", result)
    print_result(result)


if __name__ == "__main__":
    main()
