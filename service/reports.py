"""What reached whom, in numbers only: per occurrence of a notice, by outcome, with reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from service.csv_files import csv_text
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


# Why a delivery was not sent, as the ledger records it (English, for the logs and the API),
# in the words of the console.
REASONS = {
    "endpoint disabled": "アドレスが使えなくなっていた",
    "endpoint erased": "アドレスが削除されていた",
    "unsubscribed": "配信を停止していた",
    "paused by the parent": "本人が一時停止していた",
    "notice withdrawn": "お知らせが取り下げられた",
    "expired": "期限を過ぎた",
    "rehearsal": "リハーサル（許可された宛先だけに送信）",
    "occurrence cancelled": "この回を取り消した",
    "address corrected": "アドレスが訂正された",
    "booking cancelled": "予約が取り消された",
    "booking changed": "予約の状態が変わった",
    "failed": "送信に失敗した",
}


def reason_words(reason: str | None) -> str:
    if reason and reason.startswith("channel ") and reason.endswith(" not configured"):
        return "配信方法が設定されていない"
    return REASONS.get(reason or "", "その他のエラー")


COLUMNS = [
    "配信日時",
    "宛先数",
    "送信済み",
    "送信待ち",
    "失敗",
    "送信せず",
    "開封",
    "送信しなかった理由",
]


def report_csv(reports: list[OccurrenceReport], timezone: str) -> str:
    return csv_text(
        COLUMNS,
        (
            [
                report.due_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M"),
                report.recipients,
                *(report.counts[status] for status in ("sent", "pending", "failed", "suppressed")),
                report.opened,
                "; ".join(
                    f"{reason_words(reason)}: {count}"
                    for reason, count in report.reasons.most_common()
                ),
            ]
            for report in reports
        ),
    )
