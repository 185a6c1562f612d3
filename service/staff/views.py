"""The staff console. Every query is scoped to the signed-in staff user's organisation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, select

from service import get_session, get_settings
from service.csv_files import csv_response
from service.models import (
    Notice,
    Organisation,
    Role,
    Source,
    StaffUser,
    Topic,
)
from service.qr import qr_png, qr_svg
from service.staff.audit_log import (
    KINDS,
    Filters,
    audit_csv,
    audit_rows,
    entries,
    names,
)
from service.staff.inbox import what_waits
from service.staff.notices import STATUS_LABELS
from service.subscribers import registered_by_counter
from service.types import utcnow
from service.web.access import own_or_404, role_required
from service.web.console import blueprint


@blueprint.get("/")
@role_required(Role.COUNTER)
def home() -> ResponseReturnValue:
    if not current_user.at_least(Role.VIEWER):  # the counter's clerk: their one page
        return redirect(url_for("staff.counter_card"))
    session = get_session()
    organisation_id = current_user.organisation_id
    organisation = session.get_one(Organisation, organisation_id)
    sources = session.exec(
        select(Source).where(Source.organisation_id == organisation_id).order_by(col(Source.id))
    ).all()
    counts = registered_by_counter(session, organisation_id)
    topics = session.exec(
        select(Topic)
        .where(Topic.organisation_id == organisation_id)
        .order_by(col(Topic.position), col(Topic.id))
    ).all()
    notices = session.exec(
        select(Notice).where(Notice.organisation_id == organisation_id).order_by(col(Notice.id))
    ).all()
    return render_template(
        "staff/home.html",
        organisation=organisation,
        sources=sources,
        counts=counts,
        topics=topics,
        notices=notices,
        inbox=what_waits(session, current_user, organisation, utcnow()),
        status_labels=STATUS_LABELS,
        base_url=get_settings().public_base_url,
    )


def _landing_url(source: Source) -> str:
    return f"{get_settings().public_base_url}/s/{source.code}"


QR_FORMATS = {"png": (qr_png, "image/png"), "svg": (qr_svg, "image/svg+xml")}


@blueprint.get("/sources/<int:source_id>/qr.<any(png, svg):fmt>")
@role_required(Role.VIEWER)
def source_qr(source_id: int, fmt: str) -> Response:
    source = own_or_404(Source, source_id)
    render, mimetype = QR_FORMATS[fmt]
    return Response(
        render(_landing_url(source)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="yorisou-qr-{source.code}.{fmt}"'},
    )


AUDIT_PAGE = 100


@blueprint.get("/audit")
@role_required(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    """Read-only: nothing in the console edits or deletes an audit event."""
    session = get_session()
    number = request.args.get("page", "1")
    page = max(int(number), 1) if number.isdigit() and len(number) < 7 else 1
    filters = Filters.read(request.args)
    tz = _timezone(session)
    rows = audit_rows(
        session,
        current_user.organisation_id,
        filters,
        tz,
        offset=(page - 1) * AUDIT_PAGE,
        limit=AUDIT_PAGE + 1,
    )
    staff = session.exec(
        select(StaffUser)
        .where(StaffUser.organisation_id == current_user.organisation_id)
        .order_by(col(StaffUser.email))
    ).all()
    return render_template(
        "staff/audit.html",
        entries=entries(rows[:AUDIT_PAGE], tz, names(session, current_user.organisation_id, rows)),
        page=page,
        more=len(rows) > AUDIT_PAGE,
        filters=filters,
        staff=staff,
        kinds=KINDS,
    )


@blueprint.get("/audit.csv")
@role_required(Role.ADMIN)
def audit_log_csv() -> Response:
    """The filtered log for the city's records (a BOM, so that Excel reads the Japanese)."""
    session = get_session()
    tz = _timezone(session)
    rows = audit_rows(session, current_user.organisation_id, Filters.read(request.args), tz)
    return csv_response(
        audit_csv(rows, tz, names(session, current_user.organisation_id, rows)), "audit-log.csv"
    )


def _timezone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.get_one(Organisation, current_user.organisation_id).timezone)
