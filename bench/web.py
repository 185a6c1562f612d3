"""Web benchmark: the app under gunicorn (2 workers) on PostgreSQL, driven by bench/loadgen.py
in a separate process, for the pages a parent opens: the QR landing page, the subscribe POST
(with a real CSRF token), the one-click unsubscribe POST and the preferences page.

    .venv/bin/python -m bench.web --seconds 10

Rate limits are off for the run: they count per client address, and all load comes from
127.0.0.1. Results are printed and appended to bench/results/web.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from bench.common import (
    ROOT,
    city_with_counter,
    machine_ticks,
    print_result,
    process_tree_cpu_seconds,
    save_result,
    scratch_database,
    web_server,
    worker_env,
)
from bench.load import load_subscribers
from service.db import make_engine
from service.models import Subscriber
from service.tokens import Purpose, TokenSigner

SCENARIOS = ("landing", "subscribe", "unsubscribe", "preferences")


def run(
    *, seconds: float, connections: int, subscribers: int, kind: str = "postgresql"
) -> list[dict[str, object]]:
    workdir = Path(tempfile.mkdtemp(prefix="yorisou-bench-"))
    with scratch_database(kind, workdir) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            city, topic, source = city_with_counter(session)
            load_subscribers(
                session, organisation_id=city.id, topic_ids=[topic.id or 0], count=subscribers
            )
            public_ids = session.execute(select(col(Subscriber.public_id))).scalars().all()
        engine.dispose()
        env = worker_env(url, "http://127.0.0.1:9", RATELIMIT_ENABLED="false")
        sign = TokenSigner(env["SECRET_KEY"], Purpose.MANAGE)
        half = len(public_ids) // 2  # those who unsubscribe, and those who open their page
        tokens = {"unsubscribe": public_ids[:half], "preferences": public_ids[half:]}
        for scenario, ids in tokens.items():
            (workdir / f"{scenario}.json").write_text(json.dumps([sign(i) for i in ids]))
        with web_server(env, workdir) as (port, server):
            results = []
            # Unmeasured first: each worker's first requests load templates and catalogues.
            for scenario, measured in [("landing", False), *((s, True) for s in SCENARIOS)]:
                web_before, ticks_before = process_tree_cpu_seconds(server.pid), machine_ticks()
                load = subprocess.run(
                    [
                        *(sys.executable, "-m", "bench.loadgen", "--port", str(port)),
                        *("--scenario", scenario, "--code", source.code),
                        *("--topic", str(topic.id)),
                        *(
                            ("--tokens", str(workdir / f"{scenario}.json"))
                            if scenario in tokens
                            else ()
                        ),
                        *("--seconds", str(seconds if measured else 2)),
                        *("--connections", str(connections)),
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                )
                if load.returncode:
                    raise RuntimeError(f"load generator failed on {scenario}: {load.stderr}")
                if measured:
                    result = json.loads(load.stdout)
                    web_cpu = process_tree_cpu_seconds(server.pid) - web_before
                    busy, total = (
                        a - b for a, b in zip(machine_ticks(), ticks_before, strict=True)
                    )
                    result["app_cpu_ms_per_request"] = round(1000 * web_cpu / result["requests"], 1)
                    result["machine_cpu_busy"] = f"{100 * busy / total:.0f}%"
                    results.append(result)
            return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--subscribers", type=int, default=100_000, help="in the database; tokens for each"
    )
    args = parser.parse_args()
    for result in run(
        seconds=args.seconds, connections=args.connections, subscribers=args.subscribers
    ):
        save_result("web", {**result, "cores": os.cpu_count()})
        print_result(result)
        print()  # noqa: T201


if __name__ == "__main__":
    main()
