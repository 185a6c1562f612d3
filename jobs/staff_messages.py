"""Emails to staff: a notice waits for them (service.notices.tell_staff), a password reset, an
account locked (service.staff_messages)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session

from jobs.claims import LEASE
from jobs.outbox import send_outbox
from service.channels import Channel, RenderedMessage
from service.db import Database
from service.models import Notice, Organisation, StaffMessage, StaffUser
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
