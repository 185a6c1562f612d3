"""The documented set-up for more than one web process: gunicorn with two workers sharing their
rate-limit counts in Redis (RATELIMIT_STORAGE_URI=redis://…). Ten sign-in attempts a minute
means ten, whichever process answers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
from sqlmodel import Session

from service.db import make_engine
from service.migrate import upgrade_database
from tests.factories import ADDRESS_KEY, create_organisation, create_staff
from tests.processes import SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/11"  # a database of its own, emptied first


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS"):  # CI: a skipped check is a missing check
            raise
        pytest.skip("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_gunicorn_workers_share_one_limit_through_redis(tmp_path):
    _redis_or_skip()
    url = f"sqlite:///{tmp_path / 'yorisou.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    with Session(engine) as session:
        city = create_organisation(session)
        create_staff(session, organisation=city, email="admin@aoba.example.jp")
    engine.dispose()
    port = _free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "SUPPRESSION_KEY": ADDRESS_KEY,
        "PUBLIC_BASE_URL": "https://yorisou.example.jp",
        "RATELIMIT_STORAGE_URI": REDIS,
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
            *("--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "--access-logfile", str(log)),
            "service:create_app()",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90  # a loaded machine starts it slowly
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                time.sleep(0.2)

        def attempt(n: int) -> int:
            browser = requests.Session()
            page = browser.get(f"{base}/staff/login", headers={"Connection": "close"}).text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            return browser.post(
                f"{base}/staff/login",
                data={"csrf_token": token, "email": "admin@aoba.example.jp", "password": f"x{n}"},
                headers={"Connection": "close"},
                timeout=30,
            ).status_code

        with ThreadPoolExecutor(4) as pool:  # several at a time: both workers answer
            statuses = Counter(pool.map(attempt, range(16)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == {401: 10, 429: 6}  # ten a minute, not ten per process
    answered_by = {line.split()[0] for line in log.read_text().splitlines() if " POST " in line}
    assert len(answered_by) == 2
