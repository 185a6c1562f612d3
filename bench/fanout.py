"""Fan-out benchmark: N confirmed email subscribers, one notice due now, real worker processes
against the fake SendGrid server. Measures due → all sent, deliveries/s, provider requests,
each worker's peak RSS, and checks every address received exactly once.

    .venv/bin/python -m bench.fanout --n 10000 --db sqlite --workers 1
    .venv/bin/python -m bench.fanout --n 100000 --db postgresql --workers 2
    .venv/bin/python -m bench.fanout --n 100000 --db postgresql --workers 2 --profile
    .venv/bin/python -m bench.fanout --n 300000 --db postgresql --workers 2 --floor

--floor measures bench.floor (the bare loop) first, in the same run, and adds the ratio.

--profile runs each worker under py-spy (in the dev extras) and writes its collapsed stacks to
bench/results/; `python -m bench.profile_summary FILE` says where the time went.

PostgreSQL: TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); a fresh
database is made and dropped. Results are printed and appended to bench/results/fanout.json.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bench.common import (
    RESULTS,
    cpu_seconds,
    machine_ticks,
    postgres_cpu_seconds,
    print_result,
    received_once,
    save_result,
    scratch_database,
    worker_env,
)
from bench.floor import run as floor_run
from bench.load import load_city
from service.db import make_engine
from service.models import Delivery, DeliveryLease, DeliveryStatus
from service.types import utcnow
from tests.factories import create_notice
from tests.fakes.sendgrid import FakeSendGrid


def _profiled(command: list[str], name: str) -> list[str]:
    """Under py-spy: collapsed stacks in bench/results/<name>.txt (peak RSS is then py-spy's)."""
    RESULTS.mkdir(exist_ok=True)
    output = RESULTS / f"{name}.txt"
    return [
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--format",
        "raw",
        "--rate",
        "200",
        "-o",
        str(output),
        "--",
        *command,
    ]


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _sent(engine: Engine) -> int:
    """Deliveries the provider took: marked sent, once no worker's lease holds any (a claim
    marks its deliveries sent before the provider answers)."""
    with Session(engine) as session:
        if session.execute(select(func.count()).select_from(DeliveryLease)).scalar_one():
            return 0
        return session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT)
        ).scalar_one()


def run(
    n: int, kind: str, workers: int, *, profile: bool = False, timeout: float = 1800
) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="yorisou-bench-"))
    with scratch_database(kind, workdir) as url:
        engine = make_engine(url)
        try:
            return _measure(engine, url, n, kind, workers, workdir, profile, timeout)
        finally:
            engine.dispose()


def _measure(
    engine: Engine,
    url: str,
    n: int,
    kind: str,
    workers: int,
    workdir: Path,
    profile: bool,
    timeout: float,
) -> dict[str, object]:
    with Session(engine, expire_on_commit=False) as session:
        loaded = time.monotonic()
        city, topics = load_city(session, n)
        load_seconds = time.monotonic() - loaded
    fake = FakeSendGrid(keep_messages=False).start()
    worker = [sys.executable, "-m", "jobs"]
    procs = [
        subprocess.Popen(
            _profiled(worker, f"fanout-{n}-{kind}-{index}") if profile else worker,
            env=worker_env(url, fake.url),
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for index in range(workers)
    ]
    try:
        time.sleep(3)  # let the workers start before the notice falls due
        with Session(engine, expire_on_commit=False) as session:
            create_notice(session, organisation=city, topics=topics, starts_at=utcnow())
        started = time.monotonic()
        ticks_before = machine_ticks()
        cpu_before = [cpu_seconds(p.pid) for p in procs]
        postgres_before, own_before = postgres_cpu_seconds(), cpu_seconds(os.getpid())
        peaks = [0.0] * workers
        while time.monotonic() - started < timeout:
            peaks = [max(peak, _peak_rss_mb(p.pid)) for peak, p in zip(peaks, procs, strict=True)]
            # The fake's count is free; the ledger is counted only once it can be complete.
            if len(fake.received_addresses) >= n and _sent(engine) >= n:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        cpu = [cpu_seconds(p.pid) - before for p, before in zip(procs, cpu_before, strict=True)]
        postgres_cpu = postgres_cpu_seconds() - postgres_before
        own_cpu = cpu_seconds(os.getpid()) - own_before
        busy, total = (a - b for a, b in zip(machine_ticks(), ticks_before, strict=True))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
            proc.wait(timeout=60)
        fake.stop()
    sent = _sent(engine)
    return {
        "n": n,
        "db": kind,
        "workers": workers,
        "load_seconds": round(load_seconds, 1),
        "due_to_all_sent_seconds": round(elapsed, 1),
        "deliveries_per_second": round(sent / elapsed) if elapsed else None,
        "provider_requests": fake.requests,
        "peak_rss_mb": [round(p) for p in peaks],
        "worker_cpu_seconds": [round(c, 1) for c in cpu],
        "postgres_cpu_seconds": round(postgres_cpu, 1) if kind == "postgresql" else None,
        "fake_provider_cpu_seconds": round(own_cpu, 1),  # the benchmark process: fake + polling
        "machine_cpu_busy": f"{100 * busy / total:.0f}% of {os.cpu_count()} cores",
        "sent": sent,
        "all_received_once": received_once(fake.addresses(), n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="run each worker under py-spy")
    parser.add_argument(
        "--floor", action="store_true", help="measure bench.floor first, and report the ratio"
    )
    args = parser.parse_args()
    floor = floor_run(args.n, args.db, args.workers) if args.floor else None
    result = run(args.n, args.db, args.workers, profile=args.profile)
    if floor is not None:
        result["floor_seconds"] = floor["floor_seconds"]
        result["floor_postgres_cpu_seconds"] = floor["postgres_cpu_seconds"]
        result["floor_worker_cpu_seconds"] = floor["worker_cpu_seconds"]
        result["floor_fake_provider_cpu_seconds"] = floor["fake_provider_cpu_seconds"]
        result["ratio_to_floor"] = round(
            float(result["due_to_all_sent_seconds"]) / float(floor["floor_seconds"]), 2
        )
    save_result("fanout", result)
    print_result(result)


if __name__ == "__main__":
    main()
