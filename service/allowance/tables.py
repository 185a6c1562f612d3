"""The estimate's tables: those shipped with Yorisou (parameters.toml) and a city's own."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from functools import cache
from pathlib import Path

from sqlmodel import Session, col, select

from service.allowance.estimate import Table
from service.allowance.models import AllowanceTable

PARAMETERS = Path(__file__).with_name("parameters.toml")
FIGURES = [f.name for f in fields(Table) if f.name not in ("effective", "source", "city_id")]


@cache
def _shipped() -> tuple[tuple[Table, ...], tuple[tuple[int, int], ...]]:
    with PARAMETERS.open("rb") as file:
        data = tomllib.load(file)
    tables = tuple(Table(**table) for table in data["table"])
    floors = tuple((row["from_year"], row["floor"]) for row in data["salary"])
    return tables, floors


def salary_floors() -> dict[int, int]:
    """給与所得控除's least amount, by the first income year it applies to."""
    return dict(_shipped()[1])


def shipped_tables() -> list[Table]:
    return list(_shipped()[0])


def city_tables(session: Session, organisation_id: int) -> list[Table]:
    rows = session.exec(
        select(AllowanceTable)
        .where(AllowanceTable.organisation_id == organisation_id)
        .order_by(col(AllowanceTable.effective))
    ).all()
    return [
        Table(
            effective=row.effective,
            source=row.source,
            city_id=row.id,
            **{name: getattr(row, name) for name in FIGURES},
        )
        for row in rows
    ]


def tables_for(session: Session, organisation_id: int) -> list[Table]:
    """Every table a city's estimate may use, oldest first."""
    both = shipped_tables() + city_tables(session, organisation_id)
    return sorted(both, key=lambda t: (t.effective, t.city_id is not None))
