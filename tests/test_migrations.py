"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from service.db import make_engine
from service.migrate import upgrade_database
from tests.conftest import POSTGRES_URL


def _differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_sqlite_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade_database(url)
    upgrade_database(url)  # a second upgrade is a no-op
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables)
    assert _differences(engine) == []
    engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set")
def test_postgresql_migrations_match_the_models(postgres_engine):
    # The PostgreSQL test database is built by the migrations (conftest.postgres_engine).
    assert _differences(postgres_engine) == []
