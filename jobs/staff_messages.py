"""Emails to staff that a notice waits for them (service.notices.tell_staff)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session

from jobs.claims import LEASE
from jobs.outbox import send_outbox
from service.channels import Channel, RenderedMessage
from service.db import Database
from service.models import Notice, Organisation, StaffMessage, StaffUser
from service.staff_messages import render_staff_message


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
        if channel is None or not staff.active or not staff.notify_by_email:
            return None
        notice = session.get_one(Notice, message.notice_id)
        organisation = session.get_one(Organisation, notice.organisation_id)
        return channel, staff.email, render_staff_message(message, notice, organisation)

    return send_outbox(
        database, StaffMessage, prepare, now=now, max_attempts=max_attempts, lease=lease
    )
