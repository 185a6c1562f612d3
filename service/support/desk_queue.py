"""The desk's queue in the staff console: the requests of the signed-in staff member's
department (every department's, for admins), masked in the list; every opening of one, and
every change to it, is in the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, select

from service import get_session
from service.audit import record_audit
from service.models import Organisation, Role, StaffUser
from service.support.access import visible_desks, visible_request
from service.support.models import (
    AnswerTemplate,
    ConsultationRequest,
    Desk,
    Programme,
    RequestEvent,
    RequestMessage,
    RequestStatus,
)
from service.support.requests import (
    OUTCOMES,
    RequestError,
    add_note,
    answer,
    assign,
    close,
    in_contact,
    transfer,
)
from service.types import utcnow
from service.web.access import SignedInStaff, role_required
from service.web.console import blueprint
from service.web.forms import CsrfOnlyForm

STATUS_NAMES = {
    RequestStatus.NEW: "新規",
    RequestStatus.ASSIGNED: "担当決定",
    RequestStatus.IN_CONTACT: "連絡済み",
    RequestStatus.CLOSED: "完了",
    RequestStatus.WITHDRAWN: "取り下げ",
}
CONTACT_NAMES = {"phone": "電話", "email": "メール", "line": "LINE", "visit": "来庁"}
SAFE_TIME_NAMES = {
    "morning": "平日の午前",
    "afternoon": "平日の午後",
    "any": "開庁時間ならいつでも",
}


def _request_or_404(session: Session, request_id: int) -> ConsultationRequest:
    consultation = visible_request(session, current_user, request_id)
    if consultation is None:
        abort(404)
    return consultation


def masked_contact(consultation: ConsultationRequest) -> str:
    """The way of contact with no more of the detail than a list needs."""
    name = CONTACT_NAMES.get(consultation.contact_way, consultation.contact_way)
    if consultation.erased_at is not None:
        return f"{name}（消去済み）"
    if consultation.phone:
        return f"{name}（末尾{consultation.phone[-4:]}）"
    return name


@blueprint.get("/requests")
@role_required(Role.EDITOR)
def request_queue() -> ResponseReturnValue:
    session = get_session()
    desks = visible_desks(session, current_user)
    showing = request.args.get("show", "open")
    query = select(ConsultationRequest).where(
        col(ConsultationRequest.desk_id).in_([desk.id for desk in desks])
    )
    ended = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)
    if showing == "ended":
        query = query.where(col(ConsultationRequest.status).in_(ended)).order_by(
            col(ConsultationRequest.closed_at).desc()
        )
    else:
        query = query.where(col(ConsultationRequest.status).not_in(ended)).order_by(
            col(ConsultationRequest.due_on), col(ConsultationRequest.id)
        )
    requests = session.exec(query.limit(500)).all()
    return render_template(
        "staff/requests.html",
        organisation=session.get_one(Organisation, current_user.organisation_id),
        requests=requests,
        showing=showing,
        desks={desk.id: desk for desk in desks},
        programmes=_names(session, Programme),
        staff=_staff_names(session),
        today=_today(session),
        status_names=STATUS_NAMES,
        masked_contact=masked_contact,
    )


def _names(session: Session, model: Any) -> dict[int, str]:
    rows = session.exec(select(model).where(model.organisation_id == current_user.organisation_id))
    return {row.id: row.name_ja for row in rows}


def _staff_names(session: Session) -> dict[int, str]:
    rows = session.exec(
        select(StaffUser).where(StaffUser.organisation_id == current_user.organisation_id)
    )
    return {row.id or 0: row.email for row in rows}


def _today(session: Session) -> date:
    organisation = session.get_one(Organisation, current_user.organisation_id)
    return utcnow().astimezone(ZoneInfo(organisation.timezone)).date()


@blueprint.get("/requests/<int:request_id>")
@role_required(Role.EDITOR)
def request_detail(request_id: int) -> ResponseReturnValue:
    session = get_session()
    consultation = _request_or_404(session, request_id)
    record_audit(session, staff=current_user, action="request.open", target=f"request:{request_id}")
    session.commit()
    events = session.exec(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id)
        .order_by(col(RequestEvent.id))
    ).all()
    messages = session.exec(
        select(RequestMessage)
        .where(RequestMessage.request_id == request_id)
        .order_by(col(RequestMessage.id))
    ).all()
    desks = session.exec(
        select(Desk).where(
            Desk.organisation_id == current_user.organisation_id,
            col(Desk.active),
            col(Desk.takes_requests),
        )
    ).all()
    templates = session.exec(
        select(AnswerTemplate).where(AnswerTemplate.desk_id == consultation.desk_id)
    ).all()
    return render_template(
        "staff/request.html",
        organisation=session.get_one(Organisation, current_user.organisation_id),
        consultation=consultation,
        desk=session.get_one(Desk, consultation.desk_id),
        programme=session.get(Programme, consultation.programme_id)
        if consultation.programme_id
        else None,
        events=events,
        messages=messages,
        desks=desks,
        templates=templates,
        staff=_staff_names(session),
        today=_today(session),
        status_names=STATUS_NAMES,
        contact_names=CONTACT_NAMES,
        safe_time_names=SAFE_TIME_NAMES,
        outcomes=OUTCOMES,
        form=CsrfOnlyForm(),
    )


ACTIONS = ("assign", "contacted", "note", "answer", "transfer", "close")


def perform(
    session: Session,
    staff: SignedInStaff,
    consultation: ConsultationRequest,
    action: str,
    values: Mapping[str, Any],
    now: datetime,
) -> None:
    """One of ACTIONS on the request, from a form or the API, written to the audit log;
    raises RequestError (and changes nothing) if it cannot be done."""
    text = str(values.get("body") or "").strip()
    before = {"status": consultation.status, "desk": consultation.desk_id}
    if action == "assign":
        assign(session, consultation, staff_id=staff.id, now=now)
    elif action == "contacted":
        in_contact(session, consultation, staff_id=staff.id, now=now)
    elif action in ("note", "answer"):
        template = str(values.get("template") or "")
        if not text and template.isdigit():
            chosen = session.get(AnswerTemplate, int(template))
            if chosen is not None and chosen.desk_id == consultation.desk_id:
                text = chosen.body
        if not text or len(text) > 2000:
            raise RequestError("本文を2000文字以内で入力してください。")
        if action == "note":
            add_note(session, consultation, text, staff_id=staff.id, now=now)
        else:
            answer(session, consultation, text, staff_id=staff.id, now=now)
    elif action == "transfer":
        desk_id = str(values.get("desk") or "")
        desk = session.get(Desk, int(desk_id)) if desk_id.isdigit() else None
        if desk is None or desk.organisation_id != staff.organisation_id:
            raise RequestError("引き継ぐ窓口を選んでください。")
        if len(text) > 500:
            raise RequestError("引き継ぎのメモは500文字以内です。")
        transfer(session, consultation, desk, text, staff_id=staff.id, now=now)
    else:
        close(session, consultation, str(values.get("outcome") or ""), staff_id=staff.id, now=now)
    record_audit(
        session,
        staff=staff,
        action=f"request.{action}",
        target=f"request:{consultation.id}",
        before=before,
        after={"status": consultation.status, "desk": consultation.desk_id},
    )


@blueprint.post("/requests/<int:request_id>/<action>")
@role_required(Role.EDITOR)
def request_action(request_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    consultation = _request_or_404(session, request_id)
    if action not in ACTIONS:
        abort(404)
    try:
        perform(session, current_user, consultation, action, request.form, utcnow())
    except RequestError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("staff.request_detail", request_id=request_id), 303)
    session.commit()
    flash("記録しました。", "info")
    if consultation.desk_id not in {desk.id for desk in visible_desks(session, current_user)}:
        return redirect(url_for("staff.request_queue"), 303)  # passed to another department
    return redirect(url_for("staff.request_detail", request_id=request_id), 303)
