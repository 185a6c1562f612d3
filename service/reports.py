"""What reached whom, in numbers only: per occurrence of a notice, by outcome, with reasons."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.models import Delivery, DeliveryStatus, Send


@dataclass
class OccurrenceReport:
    due_at: datetime
    counts: Counter[str] = field(default_factory=Counter)
    opened: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def recipients(self) -> int:
        return sum(self.counts.values())


def notice_report(session: Session, notice_id: int) -> list[OccurrenceReport]:
    sends = session.execute(
        select(col(Send.id), col(Send.due_at))
        .where(col(Send.notice_id) == notice_id, col(Send.cancelled_at).is_(None))
        .order_by(col(Send.due_at))
    ).all()
    reports = {send_id: OccurrenceReport(due_at) for send_id, due_at in sends}
    for send_id, status, count, opened in session.execute(
        select(
            col(Delivery.send_id),
            col(Delivery.status),
            func.count(),
            func.count(col(Delivery.opened_at)),
        )
        .where(col(Delivery.send_id).in_(reports))
        .group_by(col(Delivery.send_id), col(Delivery.status))
    ).all():
        reports[send_id].counts[status] += count
        reports[send_id].opened += opened
    for send_id, reason, count in session.execute(
        select(col(Delivery.send_id), col(Delivery.last_error), func.count())
        .where(
            col(Delivery.send_id).in_(reports),
            col(Delivery.status).in_([DeliveryStatus.FAILED, DeliveryStatus.SUPPRESSED]),
        )
        .group_by(col(Delivery.send_id), col(Delivery.last_error))
    ).all():
        reports[send_id].reasons[reason or "unknown"] += count
    return list(reports.values())


COLUMNS = ["due_at", "recipients", "sent", "pending", "failed", "suppressed", "opened", "reasons"]


def report_csv(reports: list[OccurrenceReport], timezone: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for report in reports:
        writer.writerow(
            [
                report.due_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M"),
                report.recipients,
                *(report.counts[status] for status in ("sent", "pending", "failed", "suppressed")),
                report.opened,
                "; ".join(f"{reason}: {count}" for reason, count in report.reasons.most_common()),
            ]
        )
    return buffer.getvalue()
