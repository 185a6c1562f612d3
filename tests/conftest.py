"""Every database test runs on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL too.

SQLite: a fresh file per test. PostgreSQL: one database per test session, built by the real
migrations and dropped at the end; the tables are emptied after each test. The code under test
commits for real (web and jobs use several sessions), so no test hides in a transaction.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import service.tables  # noqa: F401  (every table, for create_all)
from jobs.worker import Worker
from service import create_app
from service.db import Database, make_engine
from service.migrate import upgrade_database
from service.settings import Settings
from tests.factories import ADDRESS_KEY
from tests.fakes import line as line_fake
from tests.fakes.google import FakeGoogle
from tests.fakes.line import FakeLine
from tests.fakes.sendgrid import API_KEY, FakeSendGrid
from tests.reliability.report import RECORDS, summary_lines

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")

# Property-based tests: a quick pass in `make test`, a thorough one in `make test-heavy`.
hypothesis_settings.register_profile("default", max_examples=30, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=300, deadline=None)
hypothesis_settings.load_profile("default")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"yorisou_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'yorisou.db'}"
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    yield engine.url.render_as_string(hide_password=False)
    _empty(engine)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    if database.engine.dialect.name == "sqlite":
        SQLModel.metadata.create_all(database.engine)
    yield database
    database.engine.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        suppression_key=ADDRESS_KEY,
        encryption_key="test-encryption-key-that-is-long-enough-0123456789",
        database_url=database_url,
        public_base_url="https://yorisou.example.jp",
        outbox_dir=tmp_path / "outbox",
        ratelimit_enabled=False,
    )


def with_sendgrid(settings: Settings, fake: FakeSendGrid, **overrides: Any) -> Settings:
    """These settings, sending email through the fake SendGrid."""
    return replace(
        settings,
        email_backend="sendgrid",
        sendgrid_api_key=API_KEY,
        sendgrid_api_host=fake.url,
        **overrides,
    )


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid().start()
    yield fake
    fake.stop()


def with_line(settings: Settings, fake: FakeLine, **overrides: Any) -> Settings:
    """These settings, with the LINE channel on and talking to the fake LINE API."""
    return replace(
        settings,
        line_channel_secret=line_fake.CHANNEL_SECRET,
        line_channel_access_token=line_fake.ACCESS_TOKEN,
        line_account_id=line_fake.ACCOUNT_ID,
        line_api_host=fake.url,
        **overrides,
    )


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    fake = FakeLine().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle().start()
    yield fake
    fake.stop()


@pytest.fixture
def app(settings: Settings, database: Database) -> Flask:
    app = create_app(settings, database)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def worker(app: Flask) -> Worker:
    return Worker(app)


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The form token from a page, fetched the way a browser would."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_up(
    client: FlaskClient, *, topic_ids: list[int], email: str, source: str = "koseki"
) -> Any:
    """The counter's form, filled in and sent as a parent does."""
    return client.post(
        "/subscribe",
        data={
            "csrf_token": csrf_token(client, f"/s/{source}"),
            "source": source,
            "email": email,
            "topics": [str(topic_id) for topic_id in topic_ids],
            "consent": "y",
        },
    )


def press_confirm(client: FlaskClient, path: str) -> Any:
    """Open a confirmation link and press its one button, as a parent does."""
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the reliability figures it saw to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability"] = RECORDS


def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller gathers each worker's figures for the summary."""
    RECORDS.extend(getattr(node, "workeroutput", {}).get("reliability", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of the reliability suite (README's "Reliability" section quotes them)."""
    if lines := summary_lines():
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
