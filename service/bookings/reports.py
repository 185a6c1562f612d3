"""How the events do: bookings, attendance and no-shows, the waiting list and how many it
placed, by event or by the counter the parents came from. Counts only, added up by the
database; nothing that says who booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from service.bookings.models import Booking, BookingStatus, Event
from service.csv_files import csv_text
from service.models import Organisation, Source

GROUPINGS = {"event": "行事", "counter": "QRコードの場所"}
COLUMNS = [
    "区分",
    "予約",
    "取り消し",
    "出席",
    "欠席",
    "出席率（%）",
    "キャンセル待ち",
    "キャンセル待ちから予約",
]


@dataclass
class BookingFigures:
    label: str
    booked: int = 0  # ever had a place
    cancelled: int = 0  # had a place and gave it up (or lost it to a cancelled event)
    attended: int = 0
    no_shows: int = 0
    waited: int = 0  # ever on a waiting list
    moved_up: int = 0  # from the waiting list to a place

    @property
    def attendance(self) -> int | None:
        checked = self.attended + self.no_shows
        return round(100 * self.attended / checked) if checked else None

    def add(self, other: BookingFigures) -> None:
        for name in ("booked", "cancelled", "attended", "no_shows", "waited", "moved_up"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def booking_figures(
    session: Session, organisation: Organisation, by: str, since: datetime
) -> list[BookingFigures]:
    """One row per event or counter, most booked first, and a total last."""
    had_place = col(Booking.booked_at).is_not(None)
    group = col(Booking.event_id) if by == "event" else col(Booking.source_id)
    rows = session.execute(
        select_columns(
            group,
            _count(had_place),
            _count(had_place & (col(Booking.status) == BookingStatus.CANCELLED)),
            _count(col(Booking.attended).is_(True)),
            _count(col(Booking.attended).is_(False)),
            _count(col(Booking.was_waiting) | ~had_place),
            _count(col(Booking.was_waiting)),
        )
        .where(
            col(Booking.organisation_id) == organisation.id,
            col(Booking.created_at) >= since,
            # Addresses nobody confirmed were never a parent's booking.
            col(Booking.address_confirmed_at).is_not(None),
        )
        .group_by(group)
    ).all()
    if by == "event":
        names = dict(
            session.exec(
                select(Event.id, Event.title_ja).where(Event.organisation_id == organisation.id)
            ).all()
        )
    else:
        names = dict(
            session.exec(
                select(Source.id, Source.name).where(Source.organisation_id == organisation.id)
            ).all()
        )
    figures = [
        BookingFigures(names.get(key, "（指定なし）"), *map(int, counts)) for key, *counts in rows
    ]
    figures.sort(key=lambda row: (-row.booked, row.label))
    total = BookingFigures("合計")
    for row in figures:
        total.add(row)
    return [*figures, total]


def booking_figures_csv(rows: list[BookingFigures]) -> str:
    return csv_text(
        COLUMNS,
        (
            [
                row.label,
                row.booked,
                row.cancelled,
                row.attended,
                row.no_shows,
                "" if row.attendance is None else row.attendance,
                row.waited,
                row.moved_up,
            ]
            for row in rows
        ),
    )
