"""API v1 for the connecting half: the catalogue of programmes and desks (read; replaced or
extended by an admin with the same file the console exports), and consultation requests with
the console's scoping (the desk's department and admins), masking and audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from service import get_session
from service.api import blueprint, problem, token_required
from service.audit import record_audit
from service.models import Role
from service.support.access import visible_desks, visible_request
from service.support.catalogue import (
    CatalogueError,
    export_catalogue,
    import_catalogue,
)
from service.support.desk_queue import ACTIONS, perform
from service.support.models import ConsultationRequest, RequestEvent
from service.support.requests import RequestError
from service.types import utcnow


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _request_json(consultation: ConsultationRequest) -> dict[str, Any]:
    """What a list shows: no contact detail, no message."""
    return {
        "id": consultation.id,
        "desk_id": consultation.desk_id,
        "programme_id": consultation.programme_id,
        "source_id": consultation.source_id,
        "contact_way": consultation.contact_way,
        "unsafe_at_home": consultation.unsafe_at_home,
        "status": consultation.status,
        "assigned_to_id": consultation.assigned_to_id,
        "outcome": consultation.outcome or None,
        "due_on": consultation.due_on.isoformat(),
        "created_at": _iso(consultation.created_at),
        "first_contact_at": _iso(consultation.first_contact_at),
        "closed_at": _iso(consultation.closed_at),
        "erased": consultation.erased_at is not None,
    }


@blueprint.get("/catalogue")
@token_required(Role.VIEWER)
def catalogue() -> ResponseReturnValue:
    return jsonify(export_catalogue(get_session(), g.staff.organisation_id))


@blueprint.put("/catalogue")
@token_required(Role.ADMIN)
def replace_catalogue() -> ResponseReturnValue:
    session = get_session()
    try:
        result = import_catalogue(session, g.staff.organisation_id, request.get_json(silent=True))
    except CatalogueError as error:
        session.rollback()
        return problem(400, str(error))
    record_audit(
        session,
        staff=g.staff,
        action="catalogue.import",
        target=f"organisation:{g.staff.organisation_id}",
        after={"desks": result.desks, "programmes": result.programmes},
    )
    session.commit()
    return jsonify(
        desks=result.desks,
        programmes=result.programmes,
        unknown_topics=sorted(result.unknown_topics),
    )


@blueprint.get("/requests")
@token_required(Role.EDITOR)
def requests() -> ResponseReturnValue:
    session = get_session()
    desks = [desk.id for desk in visible_desks(session, g.staff)]
    rows = session.exec(
        select(ConsultationRequest)
        .where(col(ConsultationRequest.desk_id).in_(desks))
        .order_by(col(ConsultationRequest.id).desc())
        .limit(1000)
    ).all()
    return jsonify(items=[_request_json(row) for row in rows])


def _whole(consultation: ConsultationRequest) -> dict[str, Any]:
    events = get_session().exec(
        select(RequestEvent)
        .where(RequestEvent.request_id == consultation.id)
        .order_by(col(RequestEvent.id))
    )
    return {
        **_request_json(consultation),
        "phone": consultation.phone,
        "email": consultation.email,
        "message": consultation.message,
        "safe_times": consultation.safe_times,
        "may_say_city": consultation.may_say_city,
        "may_leave_message": consultation.may_leave_message,
        "locale": consultation.locale,
        "events": [
            {
                "kind": event.kind,
                "body": event.body,
                "staff_user_id": event.staff_user_id,
                "created_at": _iso(event.created_at),
            }
            for event in events
        ],
    }


@blueprint.get("/requests/<int:request_id>")
@token_required(Role.EDITOR)
def one_request(request_id: int) -> ResponseReturnValue:
    session = get_session()
    consultation = visible_request(session, g.staff, request_id)
    if consultation is None:
        return problem(404, "No such request among your desks'")
    record_audit(session, staff=g.staff, action="request.open", target=f"request:{request_id}")
    session.commit()
    return jsonify(_whole(consultation))


@blueprint.post("/requests/<int:request_id>/<action>")
@token_required(Role.EDITOR)
def request_action(request_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    consultation = visible_request(session, g.staff, request_id)
    if consultation is None or action not in ACTIONS or action == "answer":
        return problem(404, "No such request among your desks', or no such action")
    body = request.get_json(silent=True)
    try:
        perform(
            session, g.staff, consultation, action, body if isinstance(body, dict) else {}, utcnow()
        )
    except RequestError as error:
        session.rollback()
        return problem(409, str(error))
    session.commit()
    return jsonify(_whole(consultation))
