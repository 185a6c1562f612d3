"""What waits for the signed-in staff member: notices to approve (not their own), their drafts
and the ones sent back to them, their department's open requests and coming booked days, and
what goes out in the next seven days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.bookings.models import Event, EventStatus, Slot
from service.calendar import closed_days, occurrences_between
from service.models import AuditEvent, Notice, NoticeStatus, Organisation, Role, RuleKind
from service.notices import allowed_actions
from service.support.access import visible_desks
from service.support.models import ConsultationRequest, RequestStatus
from service.web.access import SignedInStaff


@dataclass
class Inbox:
    to_approve: list[Notice] = field(default_factory=list)
    drafts: list[Notice] = field(default_factory=list)
    returned: list[Notice] = field(default_factory=list)
    open_requests: int = 0
    overdue_requests: int = 0
    days: list[tuple[Slot, Event]] = field(default_factory=list)
    sends: list[tuple[datetime, Notice]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.to_approve or self.drafts or self.returned or self.open_requests or self.days
        )


def coming_sends(
    session: Session, organisation: Organisation, now: datetime, days: int = 7
) -> list[tuple[datetime, Notice]]:
    """(local time, notice) of the dated notices due in the next `days` days, soonest first."""
    tz = ZoneInfo(organisation.timezone)
    closed = closed_days(organisation)
    coming = []
    for notice in session.exec(
        select(Notice).where(
            Notice.organisation_id == organisation.id,
            Notice.status == NoticeStatus.SCHEDULED,
            col(Notice.rule_kind).in_((RuleKind.ONCE, RuleKind.RRULE)),
        )
    ):
        coming += [
            (due.astimezone(tz), notice)
            for due in occurrences_between(
                notice, now, now + timedelta(days=days), organisation.timezone, closed
            )
        ]
    return sorted(coming, key=lambda pair: (pair[0], pair[1].id or 0))


def what_waits(
    session: Session, staff: SignedInStaff, organisation: Organisation, now: datetime
) -> Inbox:
    inbox = Inbox()
    notices = session.exec(
        select(Notice)
        .where(
            Notice.organisation_id == staff.organisation_id,
            col(Notice.status).in_((NoticeStatus.SUBMITTED, NoticeStatus.DRAFT)),
        )
        .order_by(col(Notice.updated_at).desc())
    ).all()
    sent_back = _sent_back(session, [n for n in notices if n.status == NoticeStatus.DRAFT])
    for notice in notices:
        if notice.status == NoticeStatus.SUBMITTED:
            if "approve" in allowed_actions(notice, staff):
                inbox.to_approve.append(notice)
        elif notice.author_id == staff.id:
            (inbox.returned if notice.id in sent_back else inbox.drafts).append(notice)
    desks = [desk.id for desk in visible_desks(session, staff)]
    today = now.astimezone(ZoneInfo(organisation.timezone)).date()
    for due_on in session.exec(
        select(col(ConsultationRequest.due_on)).where(
            col(ConsultationRequest.desk_id).in_(desks),
            col(ConsultationRequest.status).not_in((RequestStatus.CLOSED, RequestStatus.WITHDRAWN)),
        )
    ).all():
        inbox.open_requests += 1
        inbox.overdue_requests += due_on < today
    events = select(Event).where(
        Event.organisation_id == staff.organisation_id, Event.status == EventStatus.ACTIVE
    )
    if not staff.at_least(Role.ADMIN):
        events = events.where(Event.department == (staff.department or "—"))
    inbox.days = [
        (slot, event)
        for slot, event in session.exec(
            select(Slot, Event)
            .join(Event, col(Event.id) == Slot.event_id)
            .where(
                col(Event.id).in_(events.with_only_columns(col(Event.id))),
                col(Slot.starts_at) > now,
                col(Slot.starts_at) < now + timedelta(days=14),
                col(Slot.cancelled_at).is_(None),
                col(Slot.booked) > 0,
            )
            .order_by(col(Slot.starts_at))
        ).all()
    ]
    inbox.sends = coming_sends(session, organisation, now)
    return inbox


def _sent_back(session: Session, drafts: list[Notice]) -> set[int]:
    """The drafts whose last step was an approver sending them back (not an edit since)."""
    targets = {f"notice:{notice.id}": notice.id or 0 for notice in drafts}
    last: dict[int, str] = {}
    for target, action in session.exec(
        select(AuditEvent.target, AuditEvent.action)
        .where(
            col(AuditEvent.target).in_(targets),
            col(AuditEvent.action).in_(("notice.return", "notice.save", "notice.submit")),
        )
        .order_by(col(AuditEvent.id))
    ).all():
        last[targets[target]] = action
    return {notice_id for notice_id, action in last.items() if action == "notice.return"}
