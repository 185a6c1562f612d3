"""Data safety: every migration goes down and up again with data in the tables, on both
databases, and a backup taken while the app writes restores with every subscriber in it."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import uuid

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

from service.db import make_engine
from service.migrate import alembic_config, upgrade_database
from service.models import Delivery, Subscriber, Topic
from service.types import utcnow
from tests.bulk import add_subscribers
from tests.conftest import POSTGRES_URL
from tests.factories import create_notice, create_organisation, create_topic, write_deliveries
from tests.reliability.report import report

PEOPLE = 500


@pytest.fixture
def scratch_url(tmp_path, request):
    """An empty database of its own: the migrations are run on it from nothing."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"yorisou_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def kinds() -> list[str]:
    return ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _fill(url: str) -> None:
    """A city, 500 parents, a notice and its deliveries: every table the send path uses."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        city = create_organisation(session)
        topic = create_topic(session, organisation=city)
        add_subscribers(session, organisation_id=city.id, topic_ids=[topic.id], count=PEOPLE)
        session.commit()
        create_notice(session, organisation=city, topics=[topic], starts_at=utcnow())
        write_deliveries(session, utcnow())
    engine.dispose()


def _count(url: str, model) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(model)).one()
    engine.dispose()
    return count


@pytest.mark.parametrize("scratch_url", kinds(), indirect=True)
def test_every_migration_goes_down_and_up_again_with_data_in_it(scratch_url):
    config = alembic_config(scratch_url)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    upgrade_database(scratch_url)
    _fill(scratch_url)
    for revision in revisions[1:]:  # newest first; down to the initial schema
        command.downgrade(config, revision)
        upgrade_database(scratch_url)
        assert _count(scratch_url, Subscriber) == PEOPLE, revision
        assert _count(scratch_url, Delivery) == PEOPLE, revision
    command.downgrade(config, "base")
    upgrade_database(scratch_url)  # and from nothing again
    assert _count(scratch_url, Subscriber) == 0
    report("migrations down and up", database=scratch_url.partition(":")[0], steps=len(revisions))


def _writing(url: str, stop: threading.Event) -> threading.Thread:
    """Sign-ups arriving all the while: the backup is taken from a database in use."""

    def write() -> None:
        engine = make_engine(url)
        with Session(engine) as session:
            topic = session.exec(select(Topic)).first()
            assert topic is not None
            while not stop.is_set():
                add_subscribers(
                    session,
                    organisation_id=topic.organisation_id,
                    topic_ids=[topic.id or 0],
                    count=5,
                    prefix="new",
                )
                session.commit()
        engine.dispose()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_sqlite_backup_taken_while_parents_sign_up_restores_everyone(tmp_path):
    url = f"sqlite:///{tmp_path / 'yorisou.db'}"
    upgrade_database(url)
    _fill(url)
    stop = threading.Event()
    writer = _writing(url, stop)
    try:
        # What README's backup command does: SQLite's online backup, as `sqlite3 … .backup`.
        result = subprocess.run(
            ["sqlite3", str(tmp_path / "yorisou.db"), f".backup '{tmp_path / 'backup.db'}'"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "backup.db") as backup:
        assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = f"sqlite:///{tmp_path / 'backup.db'}"
    assert _count(restored, Subscriber) >= PEOPLE  # everyone from before, and those in time
    upgrade_database(restored)  # a restored backup is a working database
    report("backup and restore", database="sqlite", subscribers=_count(restored, Subscriber))


@pytest.mark.skipif(not POSTGRES_URL, reason="pg_dump needs PostgreSQL")
@pytest.mark.parametrize("scratch_url", ["postgresql"], indirect=True)
def test_a_pg_dump_taken_while_parents_sign_up_restores_everyone(scratch_url, tmp_path):
    upgrade_database(scratch_url)
    _fill(scratch_url)
    source = make_url(scratch_url)
    stop = threading.Event()
    writer = _writing(scratch_url, stop)
    dump = tmp_path / "yorisou.dump"
    connection = ["-h", source.host or "127.0.0.1", "-p", str(source.port or 5432)]
    connection += ["-U", source.username or "postgres"]
    try:
        subprocess.run(
            ["pg_dump", *connection, "-Fc", "-f", str(dump), source.database or ""],
            check=True,
            timeout=120,
        )
    finally:
        stop.set()
        writer.join()
    target = f"yorisou_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f'CREATE DATABASE "{target}"'))
    try:
        subprocess.run(
            ["pg_restore", *connection, "--no-owner", "-d", target, str(dump)],
            check=True,
            timeout=120,
        )
        restored = source.set(database=target).render_as_string(hide_password=False)
        assert _count(restored, Subscriber) >= PEOPLE
        upgrade_database(restored)  # at head already: a no-op that proves the version table
        report(
            "backup and restore", database="postgresql", subscribers=_count(restored, Subscriber)
        )
    finally:
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE "{target}" WITH (FORCE)'))
        admin.dispose()
