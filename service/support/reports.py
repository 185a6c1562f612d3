"""How the desks answer: requests by programme, desk and counter, time to first contact
(median and 90th percentile), and the share contacted within the days the desk promised.
Counts and times only; nothing that says who asked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median, quantiles
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.csv_files import csv_text
from service.models import Organisation, Source
from service.support.models import ConsultationRequest, Desk, Programme

GROUPINGS = {"programme": "制度", "desk": "窓口", "counter": "QRコードの場所"}
# grouping → (the table of its names, the request's column, the name's column)
GROUPED_BY: dict[str, tuple[Any, str, str]] = {
    "programme": (Programme, "programme_id", "name_ja"),
    "desk": (Desk, "desk_id", "name_ja"),
    "counter": (Source, "source_id", "name"),
}
COLUMNS = [
    "区分",
    "件数",
    "連絡済み",
    "初回連絡までの日数（中央値）",
    "初回連絡までの日数（90パーセンタイル）",
    "期限内に連絡",
    "期限内の割合（%）",
]


@dataclass
class Figures:
    label: str
    requests: int = 0
    days_to_contact: list[float] = field(default_factory=list)
    in_time: int = 0
    judged: int = 0  # contacted, or past their due day without contact

    @property
    def contacted(self) -> int:
        return len(self.days_to_contact)

    @property
    def median_days(self) -> float | None:
        return round(median(self.days_to_contact), 1) if self.days_to_contact else None

    @property
    def p90_days(self) -> float | None:
        if len(self.days_to_contact) < 2:
            return self.median_days
        return round(quantiles(self.days_to_contact, n=10, method="inclusive")[-1], 1)

    @property
    def share_in_time(self) -> int | None:
        return round(100 * self.in_time / self.judged) if self.judged else None


def request_figures(
    session: Session, organisation: Organisation, by: str, since: datetime, now: datetime
) -> list[Figures]:
    """One row per programme, desk or counter (by), busiest first, and a total last."""
    tz = ZoneInfo(organisation.timezone)
    model, column, name = GROUPED_BY[by]
    labels = {
        row.id: getattr(row, name)
        for row in session.exec(select(model).where(model.organisation_id == organisation.id))
    }
    requests = session.exec(
        select(ConsultationRequest).where(
            ConsultationRequest.organisation_id == organisation.id,
            col(ConsultationRequest.created_at) >= since,
        )
    ).all()
    groups: dict[str, Figures] = defaultdict(lambda: Figures(""))
    total = Figures("合計")
    today = now.astimezone(tz).date()
    for request in requests:
        label = labels.get(getattr(request, column), "（指定なし）")
        figures = groups[label]
        figures.label = label
        for target in (figures, total):
            target.requests += 1
            if request.first_contact_at is not None:
                waited = request.first_contact_at - request.created_at
                target.days_to_contact.append(waited.total_seconds() / 86400)
                target.judged += 1
                target.in_time += request.first_contact_at.astimezone(tz).date() <= request.due_on
            elif request.due_on < today and request.status != "withdrawn":
                target.judged += 1
    rows = sorted(groups.values(), key=lambda f: (-f.requests, f.label))
    return [*rows, total]


def figures_csv(rows: list[Figures]) -> str:
    return csv_text(
        COLUMNS,
        (
            [
                row.label,
                row.requests,
                row.contacted,
                "" if row.median_days is None else row.median_days,
                "" if row.p90_days is None else row.p90_days,
                row.in_time,
                "" if row.share_in_time is None else row.share_in_time,
            ]
            for row in rows
        ),
    )
