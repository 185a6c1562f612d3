"""Re-checking every card against the catalogue after a change (a programme's conditions, next
year's table): N cards whose parents asked to be told (half of them keeping the estimate's
income figures, half with birth months), the demo catalogue with its conditions, runs of the
worker's outreach step — every card read, every programme tried, the messages queued. The first
run queues them all; then a city adds a new year's table with higher limits, in force at once,
and the next run queues what it changed; a last run finds everything there. On PostgreSQL by
default.

    .venv/bin/python -m bench.outreach --n 100000
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

from bench.common import print_result, save_result, scratch_database
from service import create_app
from service.allowance.estimate import Figures
from service.allowance.tables import shipped_tables
from service.cards.models import Card, CardMessage
from service.cards.outreach import queue_you_may
from service.db import Database
from service.family import INCOME_BANDS, STAGES
from service.settings import Settings
from service.support.catalogue import import_catalogue
from service.support.demo_catalogue import CATALOGUE
from service.support.guide import CHILDREN
from tests.factories import ADDRESS_KEY, create_allowance_table, create_organisation

NOON = datetime(2027, 6, 9, 3, 0, tzinfo=UTC)


def _cards(organisation_id: int, n: int) -> list[dict[str, object]]:
    generator = random.Random(7)
    return [
        {
            "public_id": f"b{i:09d}",
            "organisation_id": organisation_id,
            "stage": generator.choice(list(STAGES)),
            "children": generator.sample(list(CHILDREN), generator.randint(1, 2)),
            "needs": ["money"],
            "birth_months": (
                [f"{generator.randint(2008, 2026)}-{generator.randint(1, 12):02d}"] if i % 2 else []
            ),
            "allowance_figures": (
                Figures(generator.randrange(0, 4_000_000, 1000), 0, 1, 2026).as_json()
                if i % 2 == 0
                else None
            ),
            "safe_times": [],
            "income_band": generator.choice(list(INCOME_BANDS)),
            "support_agreed": generator.choice(["yes", "no", ""]),
            "contact_way": "email",
            "contact": "encrypted",  # read for being there only
            "tell_me": True,
            "updated_at": NOON,
            "last_activity_at": NOON,
            "created_at": NOON,
        }
        for i in range(n)
    ]


def run(kind: str, n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as workdir, scratch_database(kind, Path(workdir)) as url:
        database = Database.from_url(url)
        settings = replace(
            Settings.from_env(),
            database_url=url,
            secret_key="bench-secret-key-that-is-long-enough-0123456789",
            suppression_key=ADDRESS_KEY,
        )
        app = create_app(settings, database)
        with app.app_context(), Session(database.engine) as session:
            city = create_organisation(session)
            import_catalogue(session, city.id or 0, CATALOGUE)
            session.commit()
            rows = _cards(city.id or 0, n)
            for start in range(0, n, 10_000):
                session.execute(insert(Card), rows[start : start + 10_000])
            session.commit()
            timings, queued = [], []
            for step in ("first", "new table", "again"):
                if step == "new table":  # the limits 10 % higher, in force before NOON
                    latest = shipped_tables()[-1]
                    create_allowance_table(
                        session,
                        organisation=city,
                        effective=date(2027, 6, 1),
                        fuyou_limit_full=latest.fuyou_limit_full * 11 // 10,
                        fuyou_limit_partial=latest.fuyou_limit_partial * 11 // 10,
                    )
                started = time.perf_counter()
                queue_you_may(session, city, now=NOON, quiet=None)
                session.commit()
                timings.append(time.perf_counter() - started)
                queued.append(session.exec(select(func.count()).select_from(CardMessage)).one())
        database.engine.dispose()
    return {
        "database": kind,
        "cards": n,
        "first_run_s": round(timings[0], 1),
        "messages_queued": queued[0],
        "after_new_table_s": round(timings[1], 1),
        "new_messages": queued[1] - queued[0],
        "again_s": round(timings[2], 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    arguments = parser.parse_args()
    result = run(arguments.database, arguments.n)
    save_result("outreach", result)
    print_result(result)


if __name__ == "__main__":
    main()
