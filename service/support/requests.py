"""Consultation requests: what happens to one, from the parent's form to its erasure.

Each change is a row in the request's history; each message to the parent is a RequestMessage
that the worker sends (web pages never call a provider)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, delete, select

from service.calendar import closed_days
from service.calendar.business_days import business_days_after
from service.mailbox_cap import may_email
from service.models import Organisation
from service.support.models import (
    ConsultationRequest,
    ContactWay,
    Desk,
    Programme,
    RequestEvent,
    RequestMessage,
    RequestStatus,
)

OUTCOMES = {
    "connected": "相談・支援につながった",
    "informed": "情報提供で完了",
    "referred": "他の機関を紹介した",
    "unreachable": "連絡がつかなかった",
    "not-needed": "相談が不要になった",
}
# The channels Yorisou can send a message through; phone and a visit are the desk's to make.
MESSAGE_CHANNELS = {ContactWay.EMAIL: "email", ContactWay.LINE: "line"}


class RequestError(ValueError):
    """The change cannot be made to the request as it is now (the message says why)."""


# The ways a parent may be reached, in their words.
CONTACT_WAYS = {
    ContactWay.PHONE: _l("By phone"),
    ContactWay.EMAIL: _l("By email"),
    ContactWay.LINE: _l("By LINE"),
    ContactWay.VISIT: _l("I will come to the desk"),
}


@dataclass(frozen=True)
class Contact:
    """How the parent wants to be reached, and only the detail that way needs."""

    way: ContactWay
    phone: str | None = None
    email: str | None = None
    line_user_id: str | None = None
    safe_times: tuple[str, ...] = ()
    may_say_city: bool = False
    may_leave_message: bool = False


def due_day(organisation: Organisation, desk: Desk, now: datetime) -> date:
    """The day by which the desk has promised to get in touch: its number of business days
    after today in the city (weekends, holidays, the year-end closure and the city's own
    closed days do not count)."""
    today = now.astimezone(ZoneInfo(organisation.timezone)).date()
    return business_days_after(today, desk.response_days, closed_days(organisation))


def open_request(
    session: Session,
    *,
    organisation: Organisation,
    desk: Desk,
    contact: Contact,
    locale: str,
    now: datetime,
    message: str | None = None,
    unsafe_at_home: bool = False,
    programme_id: int | None = None,
    topic_id: int | None = None,
    subscriber_id: int | None = None,
    source_id: int | None = None,
) -> ConsultationRequest:
    """A new request in the desk's queue, with its due day counted in business days, and an
    acknowledgement to the parent in their channel (an email within its mailbox's daily cap).
    Not when home is unsafe: a message about it on a phone someone else looks at could harm
    them; the page says so instead."""
    request = ConsultationRequest(
        public_id=secrets.token_urlsafe(16),
        organisation_id=organisation.id or 0,
        desk_id=desk.id or 0,
        programme_id=programme_id,
        topic_id=topic_id,
        subscriber_id=subscriber_id,
        source_id=source_id,
        locale=locale,
        contact_way=contact.way,
        phone=contact.phone if contact.way == ContactWay.PHONE else None,
        email=contact.email if contact.way == ContactWay.EMAIL else None,
        line_user_id=contact.line_user_id if contact.way == ContactWay.LINE else None,
        safe_times=list(contact.safe_times),
        may_say_city=contact.may_say_city,
        may_leave_message=contact.may_leave_message,
        message=message or None,
        unsafe_at_home=unsafe_at_home,
        due_on=due_day(organisation, desk, now),
        created_at=now,
    )
    session.add(request)
    session.flush()
    _event(session, request, "status", RequestStatus.NEW, None, now)
    if not unsafe_at_home and (request.email is None or may_email(session, request.email, now=now)):
        tell_parent(session, request, "received", now=now)
    return request


def _event(
    session: Session,
    request: ConsultationRequest,
    kind: str,
    body: str,
    staff_id: int | None,
    now: datetime,
) -> None:
    session.add(
        RequestEvent(
            request_id=request.id or 0, staff_user_id=staff_id, kind=kind, body=body, created_at=now
        )
    )


def tell_parent(
    session: Session, request: ConsultationRequest, kind: str, *, now: datetime, body: str = ""
) -> bool:
    """A message to the parent through the channel they gave, if it is one Yorisou sends
    through. Returns whether there was one."""
    channel = MESSAGE_CHANNELS.get(ContactWay(request.contact_way))
    if channel is None or request.erased_at is not None:
        return False
    session.add(
        RequestMessage(
            request_id=request.id or 0, channel=channel, kind=kind, body=body, next_attempt_at=now
        )
    )
    return True


def _must_be_open(request: ConsultationRequest) -> None:
    if not request.open:
        raise RequestError("この申し込みは終わっています。")


def assign(session: Session, request: ConsultationRequest, *, staff_id: int, now: datetime) -> None:
    _must_be_open(request)
    request.assigned_to_id = staff_id
    if request.status == RequestStatus.NEW:
        request.status = RequestStatus.ASSIGNED
    _event(session, request, "status", RequestStatus.ASSIGNED, staff_id, now)
    session.add(request)


def in_contact(
    session: Session, request: ConsultationRequest, *, staff_id: int, now: datetime
) -> None:
    """The desk has reached the parent (by phone, at the desk, or by a message)."""
    _must_be_open(request)
    request.status = RequestStatus.IN_CONTACT
    request.assigned_to_id = request.assigned_to_id or staff_id
    request.first_contact_at = request.first_contact_at or now
    _event(session, request, "status", RequestStatus.IN_CONTACT, staff_id, now)
    session.add(request)


def answer(
    session: Session, request: ConsultationRequest, body: str, *, staff_id: int, now: datetime
) -> None:
    """Staff's words to the parent, through the parent's channel: it counts as contact."""
    _must_be_open(request)
    if not tell_parent(session, request, "answer", now=now, body=body):
        raise RequestError(
            "この方はメールかLINEでの連絡を選んでいません。電話か窓口で対応してください。"
        )
    _event(session, request, "answer", body, staff_id, now)
    in_contact(session, request, staff_id=staff_id, now=now)


def add_note(
    session: Session, request: ConsultationRequest, body: str, *, staff_id: int, now: datetime
) -> None:
    _must_be_open(request)
    _event(session, request, "note", body, staff_id, now)


def transfer(
    session: Session,
    request: ConsultationRequest,
    desk: Desk,
    note: str,
    *,
    staff_id: int,
    now: datetime,
) -> None:
    """Another desk takes it over, from the start of its queue, with its own promise of days.
    The parent is told which desk has it now, if they chose a way Yorisou can write to."""
    _must_be_open(request)
    if desk.id == request.desk_id:
        raise RequestError("同じ窓口です。")
    if not desk.takes_requests or not desk.active:
        raise RequestError("その窓口は申し込みを受け付けていません。")
    request.desk_id = desk.id or 0
    request.status = RequestStatus.NEW
    request.assigned_to_id = None
    organisation = session.get_one(Organisation, request.organisation_id)
    request.due_on = due_day(organisation, desk, now)
    _event(session, request, "transfer", f"{desk.name_ja}へ：{note}".rstrip("："), staff_id, now)
    session.add(request)
    if not request.unsafe_at_home:
        tell_parent(session, request, "transferred", now=now)


def close(
    session: Session, request: ConsultationRequest, outcome: str, *, staff_id: int, now: datetime
) -> None:
    _must_be_open(request)
    if outcome not in OUTCOMES:
        raise RequestError("結果を選んでください。")
    request.status = RequestStatus.CLOSED
    request.outcome = outcome
    request.closed_at = now
    _event(session, request, "status", RequestStatus.CLOSED, staff_id, now)
    session.add(request)


def withdraw(session: Session, request: ConsultationRequest, *, now: datetime) -> None:
    """The parent no longer wants the desk to get in touch."""
    if not request.open:
        return
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = now
    _event(session, request, "status", RequestStatus.WITHDRAWN, None, now)
    session.add(request)


def open_line_request(
    session: Session, user_id: str, scope: Sequence[int]
) -> ConsultationRequest | None:
    """The parent's latest open request to be answered in their LINE chat, if any, with the
    cities of the account they wrote to."""
    return session.exec(
        select(ConsultationRequest)
        .where(
            ConsultationRequest.line_user_id == user_id,
            col(ConsultationRequest.organisation_id).in_(scope),
            col(ConsultationRequest.status).not_in((RequestStatus.CLOSED, RequestStatus.WITHDRAWN)),
        )
        .order_by(col(ConsultationRequest.id).desc())
    ).first()


def reply_to_request(
    session: Session, request: ConsultationRequest, text: str, *, now: datetime
) -> None:
    """What the parent wrote back (in their LINE chat or on their request's page), kept with
    their request for the desk."""
    _event(session, request, "reply", text[:2000], None, now)


def conversation(session: Session, request: ConsultationRequest) -> list[RequestEvent]:
    """The desk's answers and the parent's replies, oldest first: what both sides said."""
    return list(
        session.exec(
            select(RequestEvent)
            .where(
                RequestEvent.request_id == request.id,
                col(RequestEvent.kind).in_(("answer", "reply")),
            )
            .order_by(col(RequestEvent.created_at), col(RequestEvent.id))
        ).all()
    )


def erase_ended(session: Session, *, now: datetime, retention: timedelta) -> int:
    """Requests ended longer ago than the retention period lose everything that could say who
    the parent is or what they said: the contact detail, the message, the notes, answers and
    replies, the messages sent. Desk, programme, counter and dates stay, for the reports."""
    ended = session.exec(
        select(ConsultationRequest).where(
            col(ConsultationRequest.closed_at) < now - retention,
            col(ConsultationRequest.erased_at).is_(None),
        )
    ).all()
    ids = [request.id for request in ended]
    if not ids:
        return 0
    session.execute(
        delete(RequestEvent).where(
            col(RequestEvent.request_id).in_(ids), col(RequestEvent.kind) != "status"
        )
    )
    session.execute(delete(RequestMessage).where(col(RequestMessage.request_id).in_(ids)))
    for request in ended:
        request.phone = request.email = request.line_user_id = request.message = None
        request.safe_times = []
        request.subscriber_id = None
        request.erased_at = now
        session.add(request)
    return len(ended)


def safety_desks(session: Session, organisation_id: int) -> list[Desk]:
    """The desks of the city's programmes for a parent whose home is not safe (its DV desk)."""
    rows = session.exec(
        select(Desk, Programme)
        .join(Programme, col(Programme.desk_id) == Desk.id)
        .where(Desk.organisation_id == organisation_id, col(Desk.active), col(Programme.active))
        .order_by(col(Desk.position), col(Desk.id))
    ).all()
    found: list[Desk] = []
    for desk, programme in rows:
        if programme.for_safety and desk not in found:
            found.append(desk)
    return found


def named_in_messages(session: Session, request: ConsultationRequest, desk: Desk) -> bool:
    """Whether a message to the parent may name the desk: not when home is unsafe, nor for a
    desk whose name alone (女性相談・DV相談) tells whoever sees the phone what was asked."""
    return not request.unsafe_at_home and desk not in safety_desks(session, request.organisation_id)
