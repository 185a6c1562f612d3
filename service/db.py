"""One engine per process; one session per request (web) or per step (jobs)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Insert,
    Integer,
    String,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while the worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """The process's engine, and the sessions made from it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, database_url: str) -> Database:
        return cls(make_engine(database_url))

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def insert_ignoring_conflicts(model: type[SQLModel], dialect: str) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING, in the form of the dialect at hand."""
    table = model.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def among(session: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """column IN values (ids, or text such as address hashes). On PostgreSQL as = ANY(one array
    parameter): a thousand parameters would make each statement's text new, and its parsing
    and planning uncached."""
    if session.get_bind().dialect.name == "postgresql":
        kind = String if values and isinstance(next(iter(values)), str) else Integer
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(kind)))
    return column.in_(values)


def commit_without_waiting(session: Session) -> None:
    """Commit what a crash may lose without harm (a counter): on PostgreSQL without waiting for
    the write-ahead log to reach the disk, which is most of a short request's time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
    session.commit()


def serialize_on(session: Session, keys: Iterable[str]) -> None:
    """Make the transactions that concern the same things (say, one LINE user) wait for each
    other until commit, in every process: PostgreSQL advisory locks, taken in one order so that
    two transactions never deadlock. SQLite needs none: it lets one writer in at a time, and
    whoever calls this writes before reading what the lock protects."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
