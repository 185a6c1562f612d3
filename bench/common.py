"""What the benchmarks share: a scratch database, the results file, process accounting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from service.migrate import upgrade_database
from service.models import Organisation, Source, Topic
from tests.factories import ADDRESS_KEY, create_organisation, create_source, create_topic
from tests.fakes.sendgrid import API_KEY

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@contextmanager
def scratch_database(kind: str, workdir: Path) -> Iterator[str]:
    """A migrated, empty database for one run; on PostgreSQL (TEST_POSTGRES_URL, by default
    the local server) a new database, dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade_database(url)
        yield url
        return
    server = make_url(
        os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    ).set(drivername="postgresql+psycopg")
    name = f"yorisou_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # As README recommends for a server whose data is on SSD or in memory.
        connection.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def save_result(benchmark: str, result: dict[str, object]) -> None:
    """Append to bench/results/<benchmark>.json (not committed: figures go in BENCHMARKS.md)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{benchmark}.json"
    history = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps([*history, result], indent=1))


def print_result(result: dict[str, object]) -> None:
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")  # noqa: T201


def city_with_counter(session: Session) -> tuple[Organisation, Topic, Source]:
    """A city with one topic and one counter's QR code: what a parent signing up needs."""
    city = create_organisation(session)
    return city, create_topic(session, organisation=city), create_source(session, organisation=city)


def worker_env(database_url: str, sendgrid_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Yorisou process in a benchmark: the fake SendGrid, no send rate."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "SUPPRESSION_KEY": ADDRESS_KEY,
        "PUBLIC_BASE_URL": "https://yorisou.example.jp",
        "SENDGRID_API_KEY": API_KEY,
        "SENDGRID_API_HOST": sendgrid_url,
        "SEND_RATE_EMAIL": "",
        **extra,
    }


@contextmanager
def web_server(
    env: dict[str, str], workdir: Path, workers: int = 2
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """The app under gunicorn with the project's config, on a free port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "service:create_app()"),
        ],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """All PostgreSQL processes of the machine (the server is shared, so roughly)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().partition("(")[2].startswith("postgres)"):
                total += cpu_seconds(int(stat.parent.name))
        except OSError:
            continue
    return total


def process_tree_cpu_seconds(pid: int) -> float:
    """A process and its children (gunicorn's master and workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return cpu_seconds(pid) + sum(process_tree_cpu_seconds(int(kid)) for kid in kids)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def received_once(addresses: list[str], n: int) -> bool:
    """Every one of the n addresses arrived, and none twice."""
    received = Counter(addresses)
    return len(received) == n and max(received.values(), default=0) == 1
