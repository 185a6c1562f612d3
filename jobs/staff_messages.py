"""Emails to staff: a notice waits for them (service.notices.tell_staff), a password reset, an
account locked (service.staff_messages); and the counter's calls for a counsellor told to the
staff's LINE group (service.cards.calls)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session

from jobs.claims import LEASE
from jobs.outbox import send_outbox
from service.cards.calls import render_alert
from service.cards.models import CounsellorAlert, CounsellorCall
from service.channels import Channel, RenderedMessage
from service.db import Database
from service.models import Notice, Organisation, StaffMessage, StaffUser
from service.settings import Settings
from service.staff_messages import ABOUT_NOTICES, render_staff_message


def send_staff_messages(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    max_attempts: int = 8,
    lease: timedelta = LEASE,
) -> int:
    def prepare(
        session: Session, message: StaffMessage
    ) -> tuple[Channel, str, RenderedMessage] | None:
        staff = session.get_one(StaffUser, message.staff_user_id)
        channel = channels.get("email")
        wanted = staff.notify_by_email or message.kind not in ABOUT_NOTICES
        if channel is None or not staff.active or not wanted:
            return None
        organisation = session.get_one(Organisation, staff.organisation_id)
        about = session.get(StaffUser, message.about_staff_id) if message.about_staff_id else None
        notice = session.get(Notice, message.notice_id) if message.kind == "return" else None
        reason = notice.returned_reason or "" if notice is not None else ""
        rendered = render_staff_message(message, staff, organisation, about=about, reason=reason)
        return channel, staff.email, rendered

    return send_outbox(
        database, StaffMessage, prepare, now=now, max_attempts=max_attempts, lease=lease
    )


def send_counsellor_alerts(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    settings: Settings,
    now: datetime,
    max_attempts: int = 8,
    lease: timedelta = LEASE,
) -> int:
    def prepare(
        session: Session, alert: CounsellorAlert
    ) -> tuple[Channel, str, RenderedMessage] | None:
        call = session.get_one(CounsellorCall, alert.call_id)
        organisation = session.get_one(Organisation, call.organisation_id)
        channel = channels.get("line")
        if channel is None or not organisation.staff_line_group or call.ended_at is not None:
            return None
        rendered = render_alert(session, call, organisation, settings)
        return channel, organisation.staff_line_group, rendered

    return send_outbox(
        database, CounsellorAlert, prepare, now=now, max_attempts=max_attempts, lease=lease
    )
