from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from service import get_session, get_settings
from service.api import blueprint, problem, token_required
from service.api.openapi import TRANSLATIONS, document
from service.calendar import RuleError, check_rrule, describe_rule, parse_send_time
from service.calendar.business_days import HolidayShift
from service.channels.line_limits import URI
from service.line.bubble import too_long_links
from service.models import Notice, Role, RuleKind, Source, Topic
from service.notices import (
    CHANNELS,
    NoticeError,
    apply_action,
    outside_department,
    save_notice,
    topic_ids_of,
)
from service.reports import notice_report
from service.types import utcnow


def _notice_json(notice: Notice, topic_ids: list[int]) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": notice.id,
        "title": notice.title,
        "body": notice.body,
        **{name: getattr(notice, name) for name in TRANSLATIONS},
        "status": notice.status,
        "topics": topic_ids,
        "channels": notice.channels,
        "rule_kind": notice.rule_kind,
        "starts_at": iso(notice.starts_at),
        "rrule": notice.rrule,
        "holiday_shift": notice.holiday_shift,
        "schedule": describe_rule(notice, get_settings().timezone),
        "offset_days": notice.offset_days,
        "send_time": notice.send_time,
        "valid_until": iso(notice.valid_until),
        "valid_days": notice.valid_days,
        "urgent": notice.urgent,
    }


@blueprint.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())


@blueprint.get("/topics")
@token_required(Role.VIEWER)
def topics() -> ResponseReturnValue:
    rows = (
        get_session()
        .exec(
            select(Topic)
            .where(Topic.organisation_id == g.staff.organisation_id)
            .order_by(col(Topic.position), col(Topic.id))
        )
        .all()
    )
    return jsonify(
        items=[
            {
                "id": t.id,
                "slug": t.slug,
                "name_ja": t.name_ja,
                "name_en": t.name_en,
                "active": t.active,
            }
            for t in rows
        ]
    )


@blueprint.get("/sources")
@token_required(Role.VIEWER)
def sources() -> ResponseReturnValue:
    rows = (
        get_session()
        .exec(
            select(Source)
            .where(Source.organisation_id == g.staff.organisation_id)
            .order_by(col(Source.id))
        )
        .all()
    )
    return jsonify(
        items=[{"id": s.id, "code": s.code, "name": s.name, "scans": s.scans} for s in rows]
    )


@blueprint.get("/notices")
@token_required(Role.VIEWER)
def notices() -> ResponseReturnValue:
    session = get_session()
    rows = session.exec(
        select(Notice)
        .where(Notice.organisation_id == g.staff.organisation_id)
        .order_by(col(Notice.id))
    ).all()
    return jsonify(items=[_notice_json(n, topic_ids_of(session, n)) for n in rows])


def _own_notice(notice_id: int) -> Notice | None:
    notice = get_session().get(Notice, notice_id)
    return notice if notice and notice.organisation_id == g.staff.organisation_id else None


@blueprint.get("/notices/<int:notice_id>")
@token_required(Role.VIEWER)
def notice(notice_id: int) -> ResponseReturnValue:
    item = _own_notice(notice_id)
    if item is None:
        return problem(404, "no such notice")
    return jsonify(_notice_json(item, topic_ids_of(get_session(), item)))


@blueprint.post("/notices")
@token_required(Role.EDITOR)
def create_notice() -> ResponseReturnValue:
    """A new draft; it is sent only after an admin approves it."""
    session = get_session()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "the body must be a JSON object")
    errors, values = _validated(body)
    own_topics = set(
        session.exec(select(Topic.id).where(Topic.organisation_id == g.staff.organisation_id)).all()
    )
    given = body.get("topics")
    topic_ids: list[int] = given if isinstance(given, list) and _list_of(given, int) else []
    if outside_department(session, g.staff, topic_ids):
        return problem(403, "topics: only your department's")
    if not topic_ids or not set(topic_ids) <= own_topics:
        errors.append("topics: a list of this organisation's topic ids")
    if errors:
        return problem(400, "; ".join(errors))
    created = save_notice(
        session, staff=g.staff, notice=None, values=values, topic_ids=topic_ids, now=utcnow()
    )
    session.commit()
    return jsonify(_notice_json(created, sorted(topic_ids))), 201


def _list_of(value: Any, kind: type) -> bool:
    """A JSON list whose items are all of this kind (true and false are not integers)."""
    return isinstance(value, list) and all(
        isinstance(item, kind) and not isinstance(item, bool) for item in value
    )


def _validated(body: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The errors in a new notice's JSON, and its values; each field is checked for its type
    first, so that no value of another JSON type gets further."""
    errors = []
    title, text = body.get("title"), body.get("body")
    if not isinstance(title, str) or not 0 < len(title) <= 200:
        errors.append("title: 1 to 200 characters")
    elif "\r" in title or "\n" in title:
        errors.append("title: one line (it becomes the subject of an email)")
    if not isinstance(text, str) or not 0 < len(text) <= 20000:
        errors.append("body: Markdown text, up to 20,000 characters")
    translations = {name: body.get(name, "") for name in TRANSLATIONS}
    for name, value in translations.items():
        if not isinstance(value, str) or len(value) > (200 if name.startswith("title") else 20000):
            errors.append(f"{name}: text")
        elif name.startswith("title") and ("\r" in value or "\n" in value):
            errors.append(f"{name}: one line")
    for language in ("en", "easy"):
        if bool(translations.get(f"title_{language}")) != bool(
            translations.get(f"body_{language}")
        ):
            errors.append(f"title_{language}, body_{language}: both, or neither")
    kind = body.get("rule_kind", "once")
    if not isinstance(kind, str) or kind not in {k.value for k in RuleKind}:
        errors.append("rule_kind: once, rrule, relative or join")
    starts_at = rrule = offset = send_time = None
    if kind in ("once", "rrule"):
        try:
            starts_at = datetime.fromisoformat(str(body.get("starts_at")))
            if starts_at.tzinfo is None:
                raise ValueError
        except ValueError:
            errors.append("starts_at: an ISO 8601 time with its offset")
    if kind == "rrule" and starts_at is not None:
        rrule = body.get("rrule")
        try:
            check_rrule(rrule if isinstance(rrule, str) else None, starts_at)
        except RuleError as error:
            errors.append(f"rrule: {error}")
    if kind == "relative":
        offset, send_time = body.get("offset_days"), body.get("send_time")
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= 3650:
            errors.append("offset_days: 0 to 3650")
        try:
            parse_send_time(send_time if isinstance(send_time, str) else "-")
        except ValueError:
            errors.append("send_time: HH:MM")
    holiday_shift = body.get("holiday_shift", "none")
    if not isinstance(holiday_shift, str) or holiday_shift not in {s.value for s in HolidayShift}:
        errors.append("holiday_shift: none, previous or next")
    channels = body.get("channels", ["email"])
    if not _list_of(channels, str) or not channels or not set(channels) <= set(CHANNELS):
        errors.append("channels: one or more of email, webpush and line")
    if _list_of(channels, str) and "line" in channels:
        bodies = (text, translations["body_en"], translations["body_easy"])
        if any(too_long_links(b) for b in bodies if isinstance(b, str)):
            errors.append(f"body: a link longer than LINE accepts ({URI:,} characters)")
    urgent = body.get("urgent", False)
    if not isinstance(urgent, bool):
        errors.append("urgent: true or false")
    values = {
        "title": title,
        "body": text,
        **{name: value for name, value in translations.items() if isinstance(value, str)},
        "rule_kind": kind,
        "starts_at": starts_at,
        "rrule": rrule,
        "channels": channels,
        "urgent": urgent,
        "offset_days": offset,
        "send_time": send_time,
        "holiday_shift": holiday_shift,
    }
    return errors, values


@blueprint.post("/notices/<int:notice_id>/<any(submit, approve, pause, resume, archive):action>")
@token_required(Role.EDITOR)
def notice_action(notice_id: int, action: str) -> ResponseReturnValue:
    item = _own_notice(notice_id)
    if item is None:
        return problem(404, "no such notice")
    session = get_session()
    if outside_department(session, g.staff, topic_ids_of(session, item)):
        return problem(403, "another department's notice")
    try:
        apply_action(session, staff=g.staff, notice=item, action=action, now=utcnow())
    except NoticeError as error:
        return problem(409, str(error))
    session.commit()
    return jsonify(_notice_json(item, topic_ids_of(session, item)))


@blueprint.get("/notices/<int:notice_id>/report")
@token_required(Role.VIEWER)
def report(notice_id: int) -> ResponseReturnValue:
    item = _own_notice(notice_id)
    if item is None:
        return problem(404, "no such notice")
    return jsonify(
        items=[
            {
                "due_at": r.due_at.isoformat(),
                "recipients": r.recipients,
                "sent": r.counts["sent"],
                "pending": r.counts["pending"],
                "failed": r.counts["failed"],
                "suppressed": r.counts["suppressed"],
                "opened": r.opened,
                "reasons": dict(r.reasons),
            }
            for r in notice_report(get_session(), item.id or 0)
        ]
    )
