"""Notices in the staff console: list, write, preview, and move through approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, select
from wtforms import SelectChoice

from service import get_session
from service.bookings.models import Event, EventStatus
from service.bookings.schedule import offered_event_code
from service.calendar import (
    RuleError,
    check_rrule,
    closed_days,
    describe_rule,
    occurrences_between,
    relative_due_at,
)
from service.calendar.plain_rules import moment_words
from service.csv_files import csv_response
from service.line.bubble import render_line
from service.messages import render_push
from service.models import (
    Notice,
    NoticeStatus,
    NoticeTopic,
    Organisation,
    Role,
    RuleKind,
    Send,
    StaffUser,
    Topic,
)
from service.notices import (
    TRANSITIONS,
    NoticeError,
    allowed_actions,
    apply_action,
    cancel_occurrence,
    outside_department,
    queue_test_email,
    reach,
    save_notice,
    topic_ids_of,
)
from service.reports import notice_report, reason_words, report_csv
from service.staff.forms import NoticeForm
from service.staff.notice_previews import email_as_received
from service.support.models import Programme
from service.types import utcnow
from service.web.access import own_or_404, role_required
from service.web.console import blueprint
from service.web.forms import repeat_defaults

STATUS_LABELS = {
    "draft": "下書き",
    "submitted": "承認待ち",
    "scheduled": "配信予約済み",
    "paused": "一時停止中",
    "archived": "アーカイブ",
}
# Approving a notice that goes to this many parents within the hour needs a second tick.
LARGE_REACH = 100


def _topics_for(session: Session) -> list[Topic]:
    """Editors write for their own department's topics; admins for all."""
    query = select(Topic).where(
        Topic.organisation_id == current_user.organisation_id, col(Topic.active).is_(True)
    )
    if not current_user.at_least(Role.ADMIN) and current_user.department:
        query = query.where(Topic.department == current_user.department)
    return list(session.exec(query.order_by(col(Topic.position), col(Topic.id))))


def _timezone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.get_one(Organisation, current_user.organisation_id).timezone)


def _form_values(form: NoticeForm, tz: ZoneInfo) -> dict[str, Any]:
    def aware(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=tz) if value else None

    kind = form.rule_kind.data
    return {
        "title": form.title.data,
        "body": form.body.data,
        "title_en": form.title_en.data or "",
        "body_en": form.body_en.data or "",
        "title_easy": form.title_easy.data or "",
        "body_easy": form.body_easy.data or "",
        "channels": form.channels.data,
        "rule_kind": kind,
        "urgent": bool(form.urgent.data),
        "public": bool(form.public.data),
        "ask_about": form.ask_about.data or "",
        "book_event_id": form.book_event.data or None,
        "starts_at": aware(form.starts_at.data)
        if kind in (RuleKind.ONCE, RuleKind.RRULE)
        else None,
        "rrule": form.rrule.data if kind == RuleKind.RRULE else None,
        "holiday_shift": form.holiday_shift.data if kind == RuleKind.RRULE else "none",
        "offset_days": form.offset_days.data if kind == RuleKind.RELATIVE else None,
        "send_time": form.send_time.data.strftime("%H:%M")
        if kind == RuleKind.RELATIVE and form.send_time.data
        else None,
        "valid_until": aware(form.valid_until.data),
        "valid_days": form.valid_days.data,
        "child_age_min": form.child_age_min.data,
        "child_age_max": form.child_age_max.data,
        "school_grade": form.school_grade.data,
        "school_year_offset": form.school_year_offset.data or 0,
    }


def _closed_days(session: Session) -> frozenset[date]:
    return closed_days(session.get_one(Organisation, current_user.organisation_id))


def _next_due(session: Session, notice: Notice, tz: ZoneInfo) -> datetime | None:
    now = utcnow()
    if notice.rule_kind == RuleKind.JOIN:  # at each parent's confirmation
        return None
    if notice.rule_kind == RuleKind.RELATIVE:
        return relative_due_at(notice, now.astimezone(tz).date(), str(tz))
    if notice.rule_kind == RuleKind.ONCE and notice.starts_at:
        return max(notice.starts_at, now)  # a one-off in the past goes out as soon as approved
    upcoming = occurrences_between(
        notice, now, now + timedelta(days=400), str(tz), _closed_days(session)
    )
    return upcoming[0] if upcoming else None


@blueprint.get("/notices")
@role_required(Role.VIEWER)
def notices() -> ResponseReturnValue:
    """Newest first; by status, topic and author."""
    session = get_session()
    organisation_id = current_user.organisation_id
    query = select(Notice).where(Notice.organisation_id == organisation_id)
    chosen = {name: request.args.get(name, "") for name in ("status", "topic", "author")}
    if chosen["status"] in STATUS_LABELS:
        query = query.where(Notice.status == chosen["status"])
    if chosen["topic"].isdigit() and len(chosen["topic"]) < 10:
        of_topic = select(NoticeTopic.notice_id).where(NoticeTopic.topic_id == int(chosen["topic"]))
        query = query.where(col(Notice.id).in_(of_topic))
    if chosen["author"].isdigit() and len(chosen["author"]) < 10:
        query = query.where(Notice.author_id == int(chosen["author"]))
    rows = session.exec(query.order_by(col(Notice.updated_at).desc(), col(Notice.id).desc()))
    return render_template(
        "staff/notices.html",
        notices=rows.all(),
        labels=STATUS_LABELS,
        topics=session.exec(
            select(Topic)
            .where(Topic.organisation_id == organisation_id)
            .order_by(col(Topic.position))
        ).all(),
        authors=session.exec(
            select(StaffUser)
            .where(StaffUser.organisation_id == organisation_id)
            .order_by(col(StaffUser.email))
        ).all(),
        chosen=chosen,
    )


@blueprint.route("/notices/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new_notice() -> ResponseReturnValue:
    return _edit(None)


@blueprint.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit_notice(notice_id: int) -> ResponseReturnValue:
    return _edit(editable_or_403(notice_id))


def editable_or_403(notice_id: int) -> Notice:
    """The notice, if the signed-in staff user may change it (their city, their department)."""
    notice = own_or_404(Notice, notice_id)
    if outside_department(get_session(), current_user, topic_ids_of(get_session(), notice)):
        abort(403)
    return notice


def _edit(notice: Notice | None) -> ResponseReturnValue:
    session = get_session()
    tz = _timezone(session)
    if notice is not None and notice.status == NoticeStatus.ARCHIVED:
        abort(404)
    form = NoticeForm(data=_form_defaults(session, notice, tz))
    topics = _topics_for(session)
    form.topics.choices = [SelectChoice(t.id, t.name_ja) for t in topics]
    form.ask_about.choices = [SelectChoice("", "付けない")] + [
        SelectChoice(p.slug, p.name_ja)
        for p in session.exec(
            select(Programme)
            .where(Programme.organisation_id == current_user.organisation_id)
            .order_by(col(Programme.position))
        )
    ]
    form.book_event.choices = [SelectChoice(0, "付けない")] + [
        SelectChoice(event.id, event.title_ja)
        for event in session.exec(
            select(Event)
            .where(
                Event.organisation_id == current_user.organisation_id,
                Event.status == EventStatus.ACTIVE,
            )
            .order_by(col(Event.starts_at))
        )
    ]
    if form.validate_on_submit():
        saved = save_notice(
            session,
            staff=current_user,
            notice=notice,
            values=_form_values(form, tz),
            topic_ids=form.topics.data or [],
            now=utcnow(),
        )
        session.commit()
        flash("下書きを保存しました。配信するには承認の依頼をしてください。", "info")
        return redirect(url_for("staff.notice", notice_id=saved.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "staff/notice_form.html",
        form=form,
        notice=notice,
        schedule=schedule_preview(session, form, tz) if notice else None,
    ), status


@dataclass(frozen=True)
class SchedulePreview:
    description: str = ""
    dates: tuple[str, ...] = ()
    error: str = ""


def schedule_preview(session: Session, form: NoticeForm, tz: ZoneInfo) -> SchedulePreview:
    """The rule in words and the next five times it sends, from the form as it stands."""
    values = _form_values(form, tz)
    draft = Notice(organisation_id=current_user.organisation_id, **values)
    if draft.rule_kind == RuleKind.JOIN:
        return SchedulePreview(describe_rule(draft, str(tz)))
    if draft.rule_kind == RuleKind.RELATIVE:
        today = utcnow().astimezone(tz).date()
        first = relative_due_at(draft, today, str(tz)).astimezone(tz)
        return SchedulePreview(
            describe_rule(draft, str(tz)), (f"{moment_words(first)}（今日登録した人）",)
        )
    if draft.starts_at is None:
        return SchedulePreview(error="開始日時を入力してください。")
    if draft.rule_kind == RuleKind.RRULE:
        try:
            check_rrule(draft.rrule, draft.starts_at)
        except RuleError:
            return SchedulePreview(error="この繰り返しは使えません。")
    now = utcnow()
    dates = occurrences_between(
        draft,
        max(now, draft.starts_at),
        now + timedelta(days=5 * 366),
        str(tz),
        _closed_days(session),
    )[:5]
    if draft.rule_kind == RuleKind.ONCE:
        dates = [draft.starts_at]
    return SchedulePreview(
        describe_rule(draft, str(tz)), tuple(moment_words(d.astimezone(tz)) for d in dates)
    )


@blueprint.post("/notices/schedule.json")
@role_required(Role.EDITOR)
def notice_schedule() -> ResponseReturnValue:
    """What the notice form's schedule means, as the staff member types: its words and the
    next five dates (the form posts its fields; nothing is saved)."""
    session = get_session()
    tz = _timezone(session)
    form = NoticeForm()
    form.apply_repeat()  # the rule the words say; the other fields do not matter here
    preview = schedule_preview(session, form, tz)
    return jsonify(description=preview.description, dates=list(preview.dates), error=preview.error)


def _form_defaults(session: Session, notice: Notice | None, tz: ZoneInfo) -> dict[str, Any]:
    if notice is None:
        return {"repeat": "yearly_date"}

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    defaults = {
        name: getattr(notice, name)
        for name in (
            "title",
            "body",
            "title_en",
            "body_en",
            "title_easy",
            "body_easy",
            "channels",
            "rule_kind",
            "rrule",
            "holiday_shift",
            "offset_days",
            "valid_days",
            "urgent",
            "public",
            "ask_about",
            "child_age_min",
            "child_age_max",
            "school_grade",
            "school_year_offset",
        )
    }
    repeat, at = repeat_defaults(notice.rrule) if notice.rule_kind == RuleKind.RRULE else ({}, None)
    starts_at = local(notice.starts_at)
    if starts_at is not None and at is not None:  # a time in the rule itself (BYHOUR)
        starts_at = starts_at.replace(hour=at.hour, minute=at.minute)
    return (
        defaults
        | repeat
        | {
            "starts_at": starts_at,
            "valid_until": local(notice.valid_until),
            "send_time": datetime.strptime(notice.send_time, "%H:%M").time()
            if notice.send_time
            else None,
            "topics": topic_ids_of(session, notice),
            "book_event": notice.book_event_id or 0,
        }
    )


@blueprint.get("/notices/<int:notice_id>")
@role_required(Role.VIEWER)
def notice(notice_id: int) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Notice, notice_id)
    tz = _timezone(session)
    organisation = session.get_one(Organisation, item.organisation_id)
    topics = session.exec(select(Topic).where(col(Topic.id).in_(topic_ids_of(session, item)))).all()
    book = offered_event_code(session, item)
    email = email_as_received(session, item, organisation, topic_ids_of(session, item))
    push = render_push(item, organisation, "ja", previews=False, book_event=book)
    due = _next_due(session, item, tz)
    people = reach(session, item)
    return render_template(
        "staff/notice.html",
        notice=item,
        topics=topics,
        email=email,
        push=push,
        push_full=render_push(item, organisation, "ja", previews=True, book_event=book),
        line=render_line(item, organisation, "ja", previews=False, book_code=book),
        line_full=render_line(item, organisation, "ja", previews=True, book_code=book),
        actions=[(name, TRANSITIONS[name].label) for name in allowed_actions(item, current_user)],
        labels=STATUS_LABELS,
        reach=people,
        next_due=due.astimezone(tz) if due else None,
        upcoming=[moment.astimezone(tz) for moment in _upcoming(session, item, tz)],
        big_and_soon=people >= LARGE_REACH
        and due is not None
        and due - utcnow() < timedelta(hours=1),
    )


@blueprint.post("/notices/<int:notice_id>/occurrences/cancel")
@role_required(Role.ADMIN)
def cancel_notice_occurrence(notice_id: int) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Notice, notice_id)
    try:
        due_at: datetime | None = datetime.fromisoformat(request.form.get("due_at", ""))
    except ValueError:
        due_at = None
    if (
        due_at is None
        or due_at.tzinfo is None
        or due_at not in _upcoming(session, item, _timezone(session))
    ):
        flash("その回は予定にありません。", "error")
        return redirect(url_for("staff.notice", notice_id=notice_id), code=303)
    cancel_occurrence(session, staff=current_user, notice=item, due_at=due_at, now=utcnow())
    session.commit()
    flash("この回の配信を取り消しました。", "info")
    return redirect(url_for("staff.notice", notice_id=notice_id), code=303)


def _upcoming(session: Session, notice: Notice, tz: ZoneInfo, count: int = 6) -> list[datetime]:
    """The next occurrences of a dated notice that have not been cancelled."""
    if notice.rule_kind in (RuleKind.RELATIVE, RuleKind.JOIN):
        return []
    now = utcnow()
    cancelled = set(
        session.exec(
            select(Send.due_at).where(
                Send.notice_id == notice.id, col(Send.cancelled_at).is_not(None)
            )
        ).all()
    )
    due = occurrences_between(
        notice, now, now + timedelta(days=400), str(tz), _closed_days(session)
    )
    return [moment for moment in due if moment not in cancelled][:count]


@blueprint.post("/notices/<int:notice_id>/test")
@role_required(Role.EDITOR)
def notice_test(notice_id: int) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Notice, notice_id)
    queue_test_email(session, staff=current_user, notice=item, now=utcnow())
    session.commit()
    flash(f"テストメールを {current_user.email} に送ります（1分ほどで届きます）。", "info")
    return redirect(url_for("staff.notice", notice_id=notice_id), code=303)


@blueprint.post("/notices/<int:notice_id>/<action>")
@role_required(Role.EDITOR)
def notice_action(notice_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    item = editable_or_403(notice_id)
    if action == "approve" and request.form.get("confirm_reach") != "y":
        due = _next_due(session, item, _timezone(session))
        if reach(session, item) >= LARGE_REACH and due and due - utcnow() < timedelta(hours=1):
            flash(
                "多くの方にすぐ届くお知らせです。確認のチェックを入れてから承認してください。",
                "error",
            )
            return redirect(url_for("staff.notice", notice_id=notice_id), code=303)
    try:
        apply_action(
            session,
            staff=current_user,
            notice=item,
            action=action,
            now=utcnow(),
            reason=request.form.get("reason", "") if action == "return" else "",
        )
    except NoticeError as error:
        flash(str(error), "error")
        return redirect(url_for("staff.notice", notice_id=notice_id), code=303)
    session.commit()
    flash(TRANSITIONS[action].done, "info")
    return redirect(url_for("staff.notice", notice_id=notice_id), code=303)


@blueprint.get("/notices/<int:notice_id>/report")
@role_required(Role.VIEWER)
def notice_report_page(notice_id: int) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Notice, notice_id)
    return render_template(
        "staff/report.html",
        notice=item,
        reports=notice_report(session, item.id or 0),
        reason_words=reason_words,
        tz=_timezone(session),
    )


@blueprint.get("/notices/<int:notice_id>/report.csv")
@role_required(Role.VIEWER)
def notice_report_csv(notice_id: int) -> Response:
    session = get_session()
    item = own_or_404(Notice, notice_id)
    body = report_csv(notice_report(session, item.id or 0), str(_timezone(session)))
    return csv_response(body, f"notice-{item.id}-report.csv")
