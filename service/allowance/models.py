"""A city's own table of the allowance estimate's figures, added in the console when the
government publishes next year's (the ones Yorisou ships are in parameters.toml)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models import created, fk


class AllowanceTable(SQLModel, table=True):
    __tablename__ = "allowance_table"
    __table_args__ = (UniqueConstraint("organisation_id", "effective"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id", ondelete="CASCADE")
    effective: date
    source: str = Field(max_length=500)
    fuyou_full_first: int
    fuyou_partial_first_max: int
    fuyou_partial_first_min: int
    fuyou_full_further: int
    fuyou_partial_further_max: int
    fuyou_partial_further_min: int
    fuyou_limit_full: int
    fuyou_limit_partial: int
    fuyou_limit_step: int
    support_counted_percent: int
    flat_deduction: int
    salary_deduction: int = 100_000
    jidou_under_three: int
    jidou_older: int
    jidou_third: int
    partial_coefficient_first: float | None = None
    partial_coefficient_further: float | None = None
    created_at: datetime = created()
