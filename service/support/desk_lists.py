"""The daily list a desk gets of its new and overdue requests, and of its department's cards
newly shared or changed: counts, programmes and due days only (nothing that says who asked or
how to reach them), and the way to the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template
from sqlmodel import Session, col, select

from service.cards.cards import CardNews
from service.channels import RenderedMessage
from service.models import Organisation
from service.settings import Settings
from service.support.models import (
    ConsultationRequest,
    Desk,
    DeskList,
    Programme,
    RequestEvent,
    RequestStatus,
)

ENDED = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)


@dataclass(frozen=True)
class ListedRequest:
    received: datetime
    about: str
    due_on: date
    status: str
    overdue: bool
    new: bool  # received in the last day
    replied: bool  # the parent wrote back in the last day


def due_desks(session: Session, now: datetime, at: time) -> list[tuple[Desk, date]]:
    """Desks with an address whose list for today (their city's day) has not been made and
    whose hour has come."""
    found = []
    desks = session.exec(
        select(Desk, Organisation)
        .join(Organisation, col(Organisation.id) == Desk.organisation_id)
        .where(col(Desk.active), col(Desk.notify_email) != "")
    ).all()
    for desk, organisation in desks:
        local = now.astimezone(ZoneInfo(organisation.timezone))
        if local.time() < at:
            continue
        made = session.exec(
            select(DeskList.id).where(DeskList.desk_id == desk.id, DeskList.day == local.date())
        ).first()
        if made is None:
            found.append((desk, local.date()))
    return found


def listed_requests(
    session: Session, desk: Desk, today: date, now: datetime
) -> list[ListedRequest]:
    """New ones of the last day, those the parent wrote back to in the last day, and every
    open one past its due day."""
    since = now - timedelta(days=1)
    replied = set(
        session.exec(
            select(RequestEvent.request_id)
            .join(ConsultationRequest, col(ConsultationRequest.id) == RequestEvent.request_id)
            .where(
                ConsultationRequest.desk_id == desk.id,
                RequestEvent.kind == "reply",
                col(RequestEvent.created_at) > since,
            )
        ).all()
    )
    rows = session.exec(
        select(ConsultationRequest, Programme)
        .outerjoin(Programme, col(Programme.id) == ConsultationRequest.programme_id)
        .where(
            ConsultationRequest.desk_id == desk.id,
            col(ConsultationRequest.status).not_in(ENDED),
        )
        .order_by(col(ConsultationRequest.due_on))
    ).all()
    listed = []
    for request, programme in rows:
        overdue = request.due_on < today
        new = request.status == RequestStatus.NEW and request.created_at > since
        if overdue or new or request.id in replied:
            listed.append(
                ListedRequest(
                    request.created_at,
                    programme.name_ja if programme else "（制度の指定なし）",
                    request.due_on,
                    request.status,
                    overdue,
                    new,
                    request.id in replied,
                )
            )
    return listed


def render_desk_list(
    desk: Desk,
    organisation: Organisation,
    listed: list[ListedRequest],
    cards: CardNews,
    settings: Settings,
) -> RenderedMessage:
    new = sum(item.new and not item.overdue for item in listed)
    overdue = sum(item.overdue for item in listed)
    replied = sum(item.replied for item in listed)
    context = {
        "desk": desk,
        "organisation": organisation,
        "listed": listed,
        "cards": cards,
        "timezone": ZoneInfo(organisation.timezone),
        "console_url": f"{settings.public_base_url}/staff/requests",
        "cards_url": f"{settings.public_base_url}/staff/cards",
    }
    subject = f"相談の申し込み：新規{new}件・返信{replied}件・期限切れ{overdue}件"
    if cards:
        subject += f"、相談カード：共有{cards.shared}件・変更{cards.changed}件"
    return RenderedMessage(
        subject=f"{subject}（{desk.name_ja}）",
        text=render_template("email/desk_list.txt", **context),
        html=render_template("email/desk_list.html", **context),
        sender_email=settings.mail_from or organisation.sender_email,
        sender_name="寄り添う",
        categories=("desk-list",),
    )
