"""Notices as staff handle them: save, and move along draft → submitted → scheduled."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from service.addresses import hash_address, mailbox_hash
from service.audit import Actor, record_audit
from service.db import insert_ignoring_conflicts
from service.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Notice,
    NoticeStatus,
    NoticeTopic,
    Priority,
    Role,
    Send,
    StaffMessage,
    StaffUser,
    Subscriber,
    Subscription,
    Topic,
)


class NoticeError(ValueError):
    """A change the rules do not allow; the message is for the staff member."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    role: Role
    label: str  # the button
    done: str  # what the page says after it


CHANNELS = ("email", "webpush", "line")  # what a notice may be sent through

TRANSITIONS = {
    "submit": Transition(
        frozenset({NoticeStatus.DRAFT}),
        NoticeStatus.SUBMITTED,
        Role.EDITOR,
        "承認を依頼する",
        "承認を依頼しました。承認されると配信が予約されます。",
    ),
    "approve": Transition(
        frozenset({NoticeStatus.SUBMITTED}),
        NoticeStatus.SCHEDULED,
        Role.ADMIN,
        "承認して配信予約する",
        "承認しました。配信を予約しました。",
    ),
    "return": Transition(
        frozenset({NoticeStatus.SUBMITTED}),
        NoticeStatus.DRAFT,
        Role.ADMIN,
        "差し戻す",
        "差し戻しました。作成した職員に知らせます。",
    ),
    "pause": Transition(
        frozenset({NoticeStatus.SCHEDULED}),
        NoticeStatus.PAUSED,
        Role.ADMIN,
        "一時停止する",
        "配信を一時停止しました。",
    ),
    "resume": Transition(
        frozenset({NoticeStatus.PAUSED}),
        NoticeStatus.SCHEDULED,
        Role.ADMIN,
        "再開する",
        "配信を再開しました。",
    ),
    "archive": Transition(
        frozenset(
            {
                NoticeStatus.DRAFT,
                NoticeStatus.SUBMITTED,
                NoticeStatus.SCHEDULED,
                NoticeStatus.PAUSED,
            }
        ),
        NoticeStatus.ARCHIVED,
        Role.ADMIN,
        "アーカイブする",
        "アーカイブしました。これからは配信しません。",
    ),
}

EDITABLE = (
    "title",
    "body",
    "title_en",
    "body_en",
    "title_easy",
    "body_easy",
    "channels",
    "rule_kind",
    "starts_at",
    "rrule",
    "holiday_shift",
    "offset_days",
    "send_time",
    "valid_until",
    "valid_days",
    "urgent",
    "public",
    "ask_about",
    "child_age_min",
    "child_age_max",
    "school_grade",
    "school_year_offset",
)


class StaffActor(Actor):
    role: str
    department: str
    email: str


def snapshot(notice: Notice, topic_ids: Sequence[int]) -> dict[str, Any]:
    """The notice as the audit log keeps it."""
    values = {name: getattr(notice, name) for name in EDITABLE + ("status",)}
    values["topics"] = sorted(topic_ids)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def topic_ids_of(session: Session, notice: Notice) -> list[int]:
    return sorted(
        session.exec(select(NoticeTopic.topic_id).where(NoticeTopic.notice_id == notice.id)).all()
    )


def outside_department(session: Session, staff: StaffActor, topic_ids: Sequence[int]) -> bool:
    """An editor of a department writes only about that department's topics; admins, and
    editors of no department, about all of their city's."""
    if Role(staff.role).allows(Role.ADMIN) or not staff.department or not topic_ids:
        return False
    departments = session.exec(select(Topic.department).where(col(Topic.id).in_(topic_ids)))
    return set(departments) != {staff.department}


def save_notice(
    session: Session,
    *,
    staff: StaffActor,
    notice: Notice | None,
    values: dict[str, Any],
    topic_ids: Sequence[int],
    now: datetime,
) -> Notice:
    """Create a draft, or change one. A notice that was submitted or scheduled goes back to
    draft: what is sent is always what was approved."""
    before = snapshot(notice, topic_ids_of(session, notice)) if notice else {}
    if notice is None:
        notice = Notice(
            organisation_id=staff.organisation_id,
            author_id=staff.id,
            created_at=now,
            title="",
            body="",
        )
    for name, value in values.items():
        setattr(notice, name, value)
    notice.contributors = sorted({*(notice.contributors or []), staff.id})
    if notice.status != NoticeStatus.DRAFT:
        notice.status, notice.scheduled_at, notice.approver_id = NoticeStatus.DRAFT, None, None
    notice.updated_at = now
    session.add(notice)
    session.flush()
    session.execute(delete(NoticeTopic).where(col(NoticeTopic.notice_id) == notice.id))
    session.add_all(
        NoticeTopic(notice_id=notice.id or 0, topic_id=t) for t in sorted(set(topic_ids))
    )
    record_audit(
        session,
        staff=staff,
        action="notice.save" if before else "notice.create",
        target=f"notice:{notice.id}",
        before=before,
        after=snapshot(notice, list(topic_ids)),
    )
    return notice


def allowed_actions(notice: Notice, staff: StaffActor) -> list[str]:
    return [
        name
        for name, move in TRANSITIONS.items()
        if notice.status in move.sources
        and Role(staff.role).allows(move.role)
        and not (name == "approve" and staff.id in (notice.contributors or []))
    ]


def apply_action(
    session: Session,
    *,
    staff: StaffActor,
    notice: Notice,
    action: str,
    now: datetime,
    reason: str = "",
) -> None:
    """`reason`: why an admin sends it back, required then; its author reads it on the notice,
    on their home page and in the email that tells them."""
    move = TRANSITIONS.get(action)
    if move is None:
        raise NoticeError("その操作はありません。")
    if notice.status not in move.sources:
        raise NoticeError("この状態のお知らせには、その操作はできません。")
    if not Role(staff.role).allows(move.role):
        raise NoticeError("その操作をする権限がありません。")
    if action == "approve" and staff.id in (notice.contributors or []):
        # Two people, really: approving what one wrote, changed or sent for approval is not a
        # second look.
        raise NoticeError(
            "作成・編集・承認の依頼をした人は、そのお知らせを承認できません。"
            "ほかの管理者に依頼してください。"
        )
    if action == "submit" and not topic_ids_of(session, notice):
        raise NoticeError("テーマを1つ以上選んでから依頼してください。")
    reason = reason.strip()
    if action == "return" and not reason:
        raise NoticeError("差し戻す理由を書いてください。作成した職員に伝わります。")
    if len(reason) > 1000:
        raise NoticeError("差し戻す理由は1000文字以内で書いてください。")
    before = notice.status
    if action == "submit":
        notice.contributors = sorted({*(notice.contributors or []), staff.id})
    notice.returned_reason = reason if action == "return" else None
    notice.status = move.target
    if move.target == NoticeStatus.SCHEDULED and action == "approve":
        notice.approver_id, notice.scheduled_at = staff.id, now
    notice.updated_at = now
    session.add(notice)
    record_audit(
        session,
        staff=staff,
        action=f"notice.{action}",
        target=f"notice:{notice.id}",
        before={"status": before},
        after={"status": notice.status, **({"reason": reason} if reason else {})},
    )
    tell_staff(session, notice, action, staff, now)


def tell_staff(
    session: Session, notice: Notice, action: str, staff: StaffActor, now: datetime
) -> None:
    """A short email to whom the change leaves something to do or to know: on submit, the
    admins who may approve it; on approval or sending back, its author. Never to the person
    who acted, nor to anyone who turned these emails off."""
    if action == "submit":
        query = select(StaffUser.id).where(
            StaffUser.organisation_id == notice.organisation_id,
            StaffUser.role == Role.ADMIN,
            col(StaffUser.active),
            col(StaffUser.notify_by_email),
            col(StaffUser.id).not_in(notice.contributors or [0]),
        )
    elif action in ("approve", "return") and notice.author_id not in (None, staff.id):
        query = select(StaffUser.id).where(
            StaffUser.id == notice.author_id,
            col(StaffUser.active),
            col(StaffUser.notify_by_email),
        )
    else:
        return
    session.add_all(
        StaffMessage(staff_user_id=staff_id, notice_id=notice.id or 0, kind=action, created_at=now)
        for staff_id in session.exec(query).all()
        if staff_id is not None
    )


def reach(session: Session, notice: Notice) -> int:
    """How many confirmed parents currently subscribe to any of the notice's topics."""
    topics = select(NoticeTopic.topic_id).where(NoticeTopic.notice_id == notice.id)
    return session.exec(
        select(func.count(func.distinct(Subscriber.id)))
        .join(Subscription, col(Subscription.subscriber_id) == Subscriber.id)
        .where(
            Subscriber.organisation_id == notice.organisation_id,
            col(Subscriber.confirmed_at).is_not(None),
            col(Subscriber.unsubscribed_at).is_(None),
            col(Subscription.topic_id).in_(topics),
        )
    ).one()


def queue_test_email(session: Session, *, staff: StaffActor, notice: Notice, now: datetime) -> None:
    """'Send a test to me': the worker emails this notice, as it stands, to the staff member.

    The address hangs off an unconfirmed subscriber, so no fan-out ever reaches it, and the
    daily upkeep removes it after a week like any unconfirmed sign-up.
    """
    tester = Subscriber(
        public_id=uuid.uuid4().hex,
        organisation_id=staff.organisation_id,
        locale="ja",
        created_at=now,
    )
    session.add(tester)
    session.flush()
    endpoint = Endpoint(
        subscriber_id=tester.id or 0,
        channel="email",
        address=staff.email,
        address_hash=hash_address("email", staff.email),
        mailbox_hash=mailbox_hash(staff.email),
        created_at=now,
    )
    # An occurrence of its own, born cancelled: fan-out never touches it.
    send = Send(notice_id=notice.id or 0, due_at=now, cancelled_at=now, created_at=now)
    session.add_all([endpoint, send])
    session.flush()
    session.add(
        Delivery(
            send_id=send.id,
            endpoint_id=endpoint.id,
            kind=DeliveryKind.TEST,
            priority=Priority.CONFIRM,
            next_attempt_at=now,
            created_at=now,
        )
    )
    record_audit(session, staff=staff, action="notice.test", target=f"notice:{notice.id}")


def cancel_occurrence(
    session: Session, *, staff: StaffActor, notice: Notice, due_at: datetime, now: datetime
) -> None:
    """Skip one occurrence. Its Send is written (or marked) cancelled, so materializing it
    again changes nothing, and what was queued for it is not sent."""
    dialect = session.get_bind().dialect.name
    session.execute(
        insert_ignoring_conflicts(Send, dialect).values(
            notice_id=notice.id, due_at=due_at, created_at=now
        )
    )
    send = session.exec(
        select(Send).where(Send.notice_id == notice.id, Send.due_at == due_at)
    ).one()
    send.cancelled_at = now
    session.add(send)
    session.execute(
        update(Delivery)
        .where(col(Delivery.send_id) == send.id, col(Delivery.status) == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SUPPRESSED, last_error="occurrence cancelled")
    )
    record_audit(
        session,
        staff=staff,
        action="notice.cancel_occurrence",
        target=f"notice:{notice.id}",
        after={"due_at": due_at.isoformat()},
    )
