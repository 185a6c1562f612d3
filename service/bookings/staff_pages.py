"""Events in the staff console: setting them up, and running each day of them (who booked,
the waiting list, child care, check-in, a word to everyone, cancelling).

Who booked is personal data: only staff of the organising department and admins see it,
and each opening of a day's list (page, print or CSV) is in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import Session, col, delete, select
from wtforms import SelectChoice

from service import get_session, get_settings
from service.audit import record_audit
from service.bookings.booking import new_event_code
from service.bookings.city_actions import (
    cancel_event,
)
from service.bookings.models import (
    Booking,
    BookingStatus,
    Event,
    EventProgramme,
    EventTopic,
    Slot,
)
from service.bookings.reports import GROUPINGS, booking_figures, booking_figures_csv
from service.bookings.schedule import DEFAULT_REMINDERS, make_slots, replan
from service.bookings.staff_forms import EVENT_TEXTS, EventForm
from service.calendar import RuleError, check_rrule
from service.models import Organisation, Role, Topic
from service.support.models import Desk, Programme
from service.types import utcnow
from service.web.access import SignedInStaff, role_required
from service.web.console import blueprint
from service.web.forms import LANG_NAMES, CsrfOnlyForm, repeat_defaults
from service.web.reports import Report

STATUS_NAMES = {
    BookingStatus.HELD: "仮予約（メールの確認待ち）",
    BookingStatus.BOOKED: "予約",
    BookingStatus.WAITING: "キャンセル待ち",
    BookingStatus.OFFERED: "空きを案内中",
    BookingStatus.CANCELLED: "取り消し",
}
CANCELLED_BY = {
    "parent": "本人",
    "city": "市",
    "expired": "案内の期限切れ",
    "unconfirmed": "メールの確認がなく取り消し",
}
CHANNEL_NAMES = {"email": "メール", "line": "LINE", "webpush": "プッシュ通知"}


def sees_bookings(staff: SignedInStaff, event: Event) -> bool:
    """The organising department's staff (editors) and admins; viewers never."""
    if staff.at_least(Role.ADMIN):
        return True
    return (
        staff.at_least(Role.EDITOR)
        and bool(staff.department)
        and staff.department == event.department
    )


def staff_organisation(session: Session) -> Organisation:
    return session.get_one(Organisation, current_user.organisation_id)


def _event_or_404(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.organisation_id != current_user.organisation_id:
        abort(404)
    return event


def slot_or_404(session: Session, slot_id: int) -> tuple[Slot, Event]:
    slot = session.get(Slot, slot_id)
    if slot is None:
        abort(404)
    event = _event_or_404(session, slot.event_id)
    if not sees_bookings(current_user, event):
        abort(403)
    return slot, event


def local_time(moment: datetime, organisation: Organisation) -> datetime:
    return moment.astimezone(ZoneInfo(organisation.timezone))


def _counts(session: Session, slot_ids: list[int]) -> dict[tuple[int, str], int]:
    rows = session.exec(
        select(Booking.slot_id, Booking.status, func.count())
        .where(col(Booking.slot_id).in_(slot_ids))
        .group_by(col(Booking.slot_id), col(Booking.status))
    ).all()
    return {(slot_id, status): count for slot_id, status, count in rows}


@blueprint.get("/events")
@role_required(Role.VIEWER)
def events() -> ResponseReturnValue:
    session = get_session()
    now = utcnow()
    listed = []
    for event in session.exec(
        select(Event)
        .where(Event.organisation_id == current_user.organisation_id)
        .order_by(col(Event.status), col(Event.starts_at).desc())
    ).all():
        coming = session.exec(
            select(Slot)
            .where(
                Slot.event_id == event.id,
                col(Slot.starts_at) > now,
                col(Slot.cancelled_at).is_(None),
            )
            .order_by(col(Slot.starts_at))
        ).first()
        listed.append((event, coming))
    return render_template(
        "staff/events.html", organisation=staff_organisation(session), listed=listed
    )


@blueprint.get("/events/<int:event_id>")
@role_required(Role.VIEWER)
def event_detail(event_id: int) -> ResponseReturnValue:
    session = get_session()
    event = _event_or_404(session, event_id)
    slots = session.exec(
        select(Slot).where(Slot.event_id == event.id).order_by(col(Slot.starts_at))
    ).all()
    return render_template(
        "staff/event.html",
        organisation=staff_organisation(session),
        event=event,
        slots=slots,
        counts=_counts(session, [slot.id or 0 for slot in slots]),
        now=utcnow(),
        may_see=sees_bookings(current_user, event),
        may_edit=_may_edit(event),
        public_url=f"{get_settings().public_base_url}/e/{event.public_id}",
        form=CsrfOnlyForm(),
    )


def _may_edit(event: Event | None) -> bool:
    if current_user.at_least(Role.ADMIN):
        return True
    if not current_user.at_least(Role.EDITOR):
        return False
    return event is None or event.department == current_user.department


def _event_form(session: Session, event: Event | None) -> EventForm:
    form = EventForm(obj=event) if request.method == "POST" else EventForm(obj=event, formdata=None)
    desks = session.exec(
        select(Desk).where(Desk.organisation_id == current_user.organisation_id, col(Desk.active))
    ).all()
    if not current_user.at_least(Role.ADMIN):  # its bookings go to the desk's department
        desks = [desk for desk in desks if desk.department == current_user.department]
    form.desk.choices = [
        SelectChoice(0, "（なし）"),
        *(SelectChoice(d.id, d.name_ja) for d in desks),
    ]
    form.topics.choices = _active_choices(session, Topic)
    form.programmes.choices = _active_choices(session, Programme)
    if request.method != "POST":
        organisation = staff_organisation(session)
        if event is None:
            form.department.data = current_user.department
            form.fill_rows(DEFAULT_REMINDERS, [])
        else:
            repeat, _ = repeat_defaults(event.rrule) if event.rrule else ({"repeat": "once"}, None)
            for name, value in repeat.items():
                form[name].data = value
            form.desk.data = event.desk_id or 0
            form.starts_at.data = local_time(event.starts_at, organisation).replace(tzinfo=None)
            form.topics.data = list(
                session.exec(select(EventTopic.topic_id).where(EventTopic.event_id == event.id))
            )
            form.programmes.data = _programme_ids(session, event)
            form.fill_rows(event.reminders, event.questions)
    return form


def _active_choices(session: Session, table: type[Topic] | type[Programme]) -> list[SelectChoice]:
    """The city's active topics or programmes, in their order, by their Japanese name."""
    rows: list[Any] = list(
        session.exec(
            select(table)
            .where(table.organisation_id == current_user.organisation_id, col(table.active))
            .order_by(col(table.position), col(table.id))
        ).all()
    )
    return [SelectChoice(row.id, row.name_ja) for row in rows]


def _programme_ids(session: Session, event: Event) -> list[int]:
    return list(
        session.exec(select(EventProgramme.programme_id).where(EventProgramme.event_id == event.id))
    )


def _snapshot(event: Event, topic_ids: list[int], programme_ids: list[int]) -> dict[str, Any]:
    data = event.model_dump(exclude={"created_at", "updated_at", "starts_at"})
    return {
        **data,
        "starts_at": event.starts_at.isoformat(),
        "topics": sorted(topic_ids),
        "programmes": sorted(programme_ids),
    }


@blueprint.route("/events/new", methods=["GET", "POST"], defaults={"event_id": None})
@blueprint.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def event_form(event_id: int | None) -> ResponseReturnValue:
    session = get_session()
    event = _event_or_404(session, event_id) if event_id is not None else None
    if not _may_edit(event):
        abort(403)
    form = _event_form(session, event)
    organisation = staff_organisation(session)
    if request.method == "POST" and form.validate() and _rule_ok(form, organisation):
        if (
            not current_user.at_least(Role.ADMIN)
            and form.department.data != current_user.department
        ):
            form.department.errors = [*form.department.errors, "自分の課の行事だけを作れます。"]
        else:
            saved = _save(session, event, form, organisation)
            session.commit()
            flash("保存しました。", "info")
            return redirect(url_for("staff.event_detail", event_id=saved.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "staff/event_form.html",
        organisation=organisation,
        event=event,
        form=form,
        texts=EVENT_TEXTS,
        langs=LANG_NAMES,
    ), status


def _rule_ok(form: EventForm, organisation: Organisation) -> bool:
    if form.repeat.data == "once" or not form.apply_repeat():
        return form.repeat.data == "once"
    if not form.rrule.data:
        form.rrule.errors = [*form.rrule.errors, "繰り返しのRRULEを入力してください。"]
        return False
    starts = form.starts_at.data.replace(tzinfo=ZoneInfo(organisation.timezone))
    try:
        check_rrule(form.rrule.data.strip(), starts)
    except RuleError as error:
        form.rrule.errors = [*form.rrule.errors, f"繰り返しの指定が正しくありません（{error}）。"]
        return False
    return True


def _save(
    session: Session, event: Event | None, form: EventForm, organisation: Organisation
) -> Event:
    now = utcnow()
    before = None
    if event is None:
        event = Event(
            public_id=new_event_code(),
            organisation_id=organisation.id or 0,
            department=form.department.data,
            title_ja="",
            starts_at=now,
            created_at=now,
        )
    else:
        topic_ids = list(
            session.exec(select(EventTopic.topic_id).where(EventTopic.event_id == event.id))
        )
        before = _snapshot(event, topic_ids, _programme_ids(session, event))
    times_before = (
        event.starts_at,
        event.duration_minutes,
        event.rrule,
        event.holiday_shift,
        event.slot_minutes,
    )
    for name in EVENT_TEXTS:
        for lang in LANG_NAMES:
            setattr(event, f"{name}_{lang}", (form[f"{name}_{lang}"].data or "").strip())
    event.desk_id = form.desk.data or None
    desk = session.get(Desk, event.desk_id) if event.desk_id else None
    # A desk's day is its department's: whoever saves it, the bookings go to that desk's staff.
    event.department = desk.department if desk else form.department.data.strip()
    event.online_url = form.online_url.data or ""
    event.starts_at = form.starts_at.data.replace(tzinfo=ZoneInfo(organisation.timezone))
    event.duration_minutes = form.duration_minutes.data
    event.rrule = None if form.repeat.data == "once" else (form.rrule.data or "").strip() or None
    event.holiday_shift = form.holiday_shift.data
    event.slot_minutes = form.slot_minutes.data or None
    event.capacity = form.capacity.data
    event.childcare_places = form.childcare_places.data or 0
    event.opens_days = form.opens_days.data
    event.closes_hours = form.closes_hours.data or 0
    event.offer_hours = form.offer_hours.data
    event.subscribers_only = bool(form.subscribers_only.data)
    event.reminders = form.reminders()
    event.questions = form.questions()
    event.updated_at = now
    session.add(event)
    session.flush()
    session.execute(delete(EventTopic).where(col(EventTopic.event_id) == event.id))
    topic_ids = list(form.topics.data or [])
    for topic_id in topic_ids:
        session.add(EventTopic(event_id=event.id or 0, topic_id=topic_id))
    session.execute(delete(EventProgramme).where(col(EventProgramme.event_id) == event.id))
    programme_ids = list(form.programmes.data or [])
    for programme_id in programme_ids:
        session.add(EventProgramme(event_id=event.id or 0, programme_id=programme_id))
    times_after = (
        event.starts_at,
        event.duration_minutes,
        event.rrule,
        event.holiday_shift,
        event.slot_minutes,
    )
    if before is None:
        make_slots(session, event, now=now)
    elif times_after != times_before or before["capacity"] != event.capacity:
        replan(session, event, now=now)
    else:
        make_slots(session, event, now=now)  # a longer booking window reaches further
    record_audit(
        session,
        staff=current_user,
        action="event.save",
        target=f"event:{event.id}",
        before=before,
        after=_snapshot(event, topic_ids, programme_ids),
    )
    return event


@blueprint.post("/events/<int:event_id>/cancel")
@role_required(Role.EDITOR)
def cancel_whole_event(event_id: int) -> ResponseReturnValue:
    session = get_session()
    event = _event_or_404(session, event_id)
    if not _may_edit(event) or not CsrfOnlyForm().validate():
        abort(403)
    reason = (request.form.get("reason") or "").strip()[:2000]
    told = cancel_event(session, event, now=utcnow(), reason=reason)
    record_audit(
        session,
        staff=current_user,
        action="event.cancel",
        target=f"event:{event.id}",
        after={"told": told},
    )
    session.commit()
    flash(f"中止しました。予約していた{told}人にお知らせします。", "info")
    return redirect(url_for("staff.event_detail", event_id=event.id), 303)


REPORT = Report(
    counted="予約",
    template="staff/events_report.html",
    file_name="bookings",
    groupings=GROUPINGS,
    default="event",
    rows=lambda session, organisation, by, since, _now: booking_figures(
        session, organisation, by, since
    ),
    bar=lambda row: row.booked,
    csv=booking_figures_csv,
)


@blueprint.get("/events/report")
@role_required(Role.VIEWER)
def events_report() -> ResponseReturnValue:
    return REPORT.page()


@blueprint.get("/events/report.csv")
@role_required(Role.VIEWER)
def events_report_csv() -> Response:
    return REPORT.file()
