"""Step 1: every occurrence of a scheduled notice that is now due becomes a Send row."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from service.calendar import (
    RELATIVE_DEFAULT_WINDOW,
    anchors_due_between,
    closed_days,
    expires_at,
    occurrences_between,
    relative_due_at,
)
from service.db import insert_ignoring_conflicts
from service.models import Notice, NoticeStatus, Organisation, RuleKind, Send

log = logging.getLogger(__name__)


def materialize_sends(session: Session, *, now: datetime) -> None:
    """Insert a Send per due occurrence; the unique (notice, due_at) makes reruns harmless.

    Recurring rules count from the moment the notice was scheduled, so a missed tick (or a
    day of downtime) is caught up, but occurrences from before the notice existed never are.
    Relative rules make one Send per anchor day whose reminder time has come.
    """
    notices = session.exec(
        select(Notice, Organisation)
        .join(Organisation)
        .where(Notice.status == NoticeStatus.SCHEDULED)
    ).all()
    rows: list[dict[str, Any]] = []
    for notice, organisation in notices:
        try:
            rows += _due_sends(notice, organisation, now)
        except (ValueError, TypeError, OverflowError):
            # Forms and the API refuse such rules; one stored before they did must not hold
            # up every other notice.
            log.exception("notice %s: its schedule cannot be read; it is skipped", notice.id)
    rows = [row for row in rows if row["expires_at"] is None or row["expires_at"] > now]
    if rows:
        dialect = session.get_bind().dialect.name
        session.execute(insert_ignoring_conflicts(Send, dialect), rows)
    session.commit()


def _due_sends(notice: Notice, organisation: Organisation, now: datetime) -> list[dict[str, Any]]:
    timezone = organisation.timezone
    if notice.rule_kind == RuleKind.JOIN:  # one Send for good; fan-out adds each new parent
        return [_send_row(notice, notice.scheduled_at or now, None, now)]
    if notice.rule_kind == RuleKind.RELATIVE:
        window = timedelta(days=notice.valid_days or 0) or RELATIVE_DEFAULT_WINDOW
        return [
            _send_row(notice, relative_due_at(notice, anchor, timezone), anchor, now)
            for anchor in anchors_due_between(notice, now - window, now, timezone)
        ]
    start = notice.scheduled_at or now
    if notice.rule_kind == RuleKind.ONCE and notice.starts_at is not None:
        start = min(start, notice.starts_at)  # a one-off set in the past means "send now"
    return [
        _send_row(notice, due_at, None, now)
        for due_at in occurrences_between(notice, start, now, timezone, closed_days(organisation))
    ]


def _send_row(
    notice: Notice, due_at: datetime, anchor: date | None, now: datetime
) -> dict[str, Any]:
    return {
        "notice_id": notice.id,
        "due_at": due_at,
        "anchor_date": anchor,
        "expires_at": expires_at(notice, due_at),
        "created_at": now,
    }
