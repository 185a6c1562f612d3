"""Bringing an existing list in: N rows of a CSV through `yorisou import subscribers`' own
function, dry run then the import, timed; checks that everyone is there once and that a second
run adds nobody.

    .venv/bin/python -m bench.importing --n 100000 --db postgresql
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlmodel import func, select

from bench.common import print_result, save_result, scratch_database
from service import create_app
from service.db import Database
from service.importing import import_subscribers, read_csv
from service.models import Delivery, Subscriber
from service.settings import Settings
from service.types import utcnow
from tests.factories import ADDRESS_KEY, create_organisation, create_topic


def _csv(n: int) -> bytes:
    lines = ["email,topics,consent_date,consent_source,language"]
    lines += [
        f"parent{i}@example.jp,養育費;仕事,2019-04-{1 + i % 28:02d},窓口,{'en' if i % 7 else 'ja'}"
        for i in range(n)
    ]
    return "\n".join(lines).encode("utf-8-sig")


def run(n: int, kind: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as workdir, scratch_database(kind, Path(workdir)) as url:
        database = Database.from_url(url)
        settings = replace(
            Settings.from_env(),
            database_url=url,
            secret_key="bench-secret-key-that-is-long-enough-0123456789",
            suppression_key=ADDRESS_KEY,
        )
        app = create_app(settings, database)
        rows = read_csv(_csv(n))
        timings = {}
        with app.app_context(), database.session() as session:
            city = create_organisation(session)
            create_topic(session, organisation=city)
            create_topic(session, organisation=city, slug="shigoto", name_ja="仕事", name_en="Work")
            for dry_run in (True, False):
                started = time.perf_counter()
                report = import_subscribers(session, city, rows, now=utcnow(), dry_run=dry_run)
                session.commit()
                timings["dry_run_s" if dry_run else "import_s"] = round(
                    time.perf_counter() - started, 2
                )
                assert report.new == n and not report.invalid
            started = time.perf_counter()
            again = import_subscribers(session, city, rows, now=utcnow(), dry_run=False)
            timings["second_run_s"] = round(time.perf_counter() - started, 2)
            subscribers = session.exec(select(func.count()).select_from(Subscriber)).one()
            first_messages = session.exec(select(func.count()).select_from(Delivery)).one()
        database.engine.dispose()
    result = {
        "n": n,
        "database": kind,
        **timings,
        "everyone_once": subscribers == n and first_messages == n and again.new == 0,
    }
    save_result("importing", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    arguments = parser.parse_args()
    print_result(run(arguments.n, arguments.db))


if __name__ == "__main__":
    main()
