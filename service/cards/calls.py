"""相談員を呼ぶ: the counter (its clerk, or the parent on its QR page) asks the lead department to
come while the parent is there. Its staff are told at once (the console, which refreshes by
itself, an email, and the staff's LINE group when the city has one); one accepts with the
minutes it will take, and the counter's screen says so. Outside the section's hours the counter
is told when it opens next instead. Nothing of the parent is in any of it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.calendar import closed_days
from service.calendar.business_days import is_business_day
from service.cards.models import CounsellorAlert, CounsellorCall
from service.channels import RenderedMessage
from service.models import Organisation, Role, Source, StaffMessage, StaffUser
from service.settings import Settings

OPENS, CLOSES = time(8, 30), time(17, 15)  # the section's hours on a working day
WAITS = timedelta(hours=2)  # a call nobody answered in this time is no longer open
MINUTES = (3, 5, 10, 15)


def is_open(organisation: Organisation, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(organisation.timezone))
    return is_business_day(local.date(), closed_days(organisation)) and (
        OPENS <= local.time() < CLOSES
    )


def next_opening(organisation: Organisation, now: datetime) -> datetime:
    """When the section is next open, in the city's time."""
    tz = ZoneInfo(organisation.timezone)
    local = now.astimezone(tz)
    day = local.date() if local.time() < OPENS else local.date() + timedelta(days=1)
    closed = closed_days(organisation)
    while not is_business_day(day, closed):
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, tz)


def closed_until(organisation: Organisation, call: CounsellorCall) -> datetime | None:
    """When the section opens next, if the call came while it was closed; None if it was open."""
    if is_open(organisation, call.asked_at):
        return None
    return next_opening(organisation, call.asked_at)


def end_call(session: Session, call: CounsellorCall, now: datetime) -> None:
    """The counter, or the parent, ends the call (they had to go, or it was answered)."""
    call.ended_at = call.ended_at or now
    session.add(call)


def on_duty(session: Session, organisation: Organisation) -> list[StaffUser]:
    """The lead department's editors and admins, who are told of a call."""
    return list(
        session.exec(
            select(StaffUser).where(
                StaffUser.organisation_id == organisation.id,
                col(StaffUser.active),
                StaffUser.department == organisation.card_lead_department,
                col(StaffUser.role).in_((Role.EDITOR, Role.ADMIN)),
            )
        ).all()
    )


def call_counsellor(
    session: Session,
    organisation: Organisation,
    *,
    source_id: int | None,
    asked_by_id: int | None,
    now: datetime,
) -> CounsellorCall:
    """The call, each on-duty staff member's email and the staff's LINE group message; outside
    the section's hours the call is ended at once (kept for the report) and nobody is
    disturbed."""
    call = CounsellorCall(
        organisation_id=organisation.id or 0,
        source_id=source_id,
        asked_by_id=asked_by_id,
        asked_at=now,
    )
    if not is_open(organisation, now):
        call.ended_at = now
    session.add(call)
    session.flush()
    if call.ended_at is None:
        for staff in on_duty(session, organisation):
            session.add(
                StaffMessage(staff_user_id=staff.id or 0, kind="counsellor", created_at=now)
            )
        if organisation.staff_line_group:
            session.add(CounsellorAlert(call_id=call.id or 0, created_at=now, next_attempt_at=now))
    return call


def render_alert(
    session: Session, call: CounsellorCall, organisation: Organisation, settings: Settings
) -> RenderedMessage:
    """The LINE group's message: which counter, when, and where to accept."""
    source = session.get(Source, call.source_id) if call.source_id else None
    at = call.asked_at.astimezone(ZoneInfo(organisation.timezone)).strftime("%H:%M")
    text = (
        f"【寄り添う】{source.name if source else '戸籍窓口'}が相談員を呼んでいます（{at}）。"
        f"向かう人は、管理画面で「受ける」を押してください。\n{settings.public_base_url}/staff/calls"
    )
    return RenderedMessage(
        subject="相談員の呼び出し",
        text=text,
        html="",
        sender_email="",
        sender_name="",
        categories=("staff",),
        organisation_id=organisation.id,
    )


def open_calls(session: Session, organisation_id: int, now: datetime) -> list[CounsellorCall]:
    """Calls not ended nor too old, newest first."""
    return list(
        session.exec(
            select(CounsellorCall)
            .where(
                CounsellorCall.organisation_id == organisation_id,
                col(CounsellorCall.ended_at).is_(None),
                col(CounsellorCall.asked_at) > now - WAITS,
            )
            .order_by(col(CounsellorCall.asked_at).desc())
        ).all()
    )


def accept(session: Session, call_id: int, staff_id: int, minutes: int, now: datetime) -> bool:
    """The first to accept goes (one statement, so two at once cannot both); False if someone
    already has, or the counter ended the call."""
    result = session.execute(
        update(CounsellorCall)
        .where(
            col(CounsellorCall.id) == call_id,
            col(CounsellorCall.accepted_at).is_(None),
            col(CounsellorCall.ended_at).is_(None),
        )
        .values(accepted_by_id=staff_id, accepted_at=now, minutes=minutes)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
