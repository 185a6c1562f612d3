"""The day's list of a slot (当日の名簿) in the console: find a parent by booking number or the
name they gave, record attendance on the day, send news, cancel the time; its CSV. Every
opening is audited: it shows what parents gave."""

from __future__ import annotations

import unicodedata

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, select

from service import get_session
from service.audit import record_audit
from service.bookings.booking import BookingError
from service.bookings.city_actions import cancel_slot, check_in, on_the_day, send_news
from service.bookings.messages import slot_when
from service.bookings.models import Booking, BookingStatus, Slot
from service.bookings.staff_pages import (
    CANCELLED_BY,
    CHANNEL_NAMES,
    STATUS_NAMES,
    local_time,
    slot_or_404,
    staff_organisation,
)
from service.csv_files import csv_response, csv_text
from service.models import Role, Source
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint
from service.web.forms import CsrfOnlyForm


def _day_rows(session: Session, slot: Slot, find: str = "") -> list[tuple[Booking, str]]:
    """The slot's bookings; with `find`, those whose booking number is it or whose answers (a
    name, when the event asks for one) contain it, however it was typed."""
    bookings = session.exec(
        select(Booking)
        .where(Booking.slot_id == slot.id)
        .order_by(col(Booking.status), col(Booking.id))
    ).all()
    wanted = unicodedata.normalize("NFKC", find).strip().casefold()
    if wanted:
        bookings = [
            booking
            for booking in bookings
            if str(booking.id) == wanted
            or any(
                wanted in unicodedata.normalize("NFKC", answer).casefold()
                for answer in booking.answers
            )
        ]
    sources = dict(session.exec(select(Source.id, Source.name)).all())
    return [(booking, sources.get(booking.source_id or 0, "")) for booking in bookings]


@blueprint.get("/slots/<int:slot_id>")
@role_required(Role.EDITOR)
def slot_day(slot_id: int) -> ResponseReturnValue:
    session = get_session()
    slot, event = slot_or_404(session, slot_id)
    record_audit(session, staff=current_user, action="slot.open", target=f"slot:{slot.id}")
    session.commit()
    find = request.args.get("find", "")[:100]
    return render_template(
        "staff/slot.html",
        organisation=staff_organisation(session),
        event=event,
        slot=slot,
        when=slot_when(slot),
        rows=_day_rows(session, slot, find),
        find=find,
        today=on_the_day(session, slot, utcnow()),
        status_names=STATUS_NAMES,
        cancelled_by=CANCELLED_BY,
        channel_names=CHANNEL_NAMES,
        form=CsrfOnlyForm(),
        printing=request.args.get("print") == "1",
    )


@blueprint.get("/slots/<int:slot_id>/bookings.csv")
@role_required(Role.EDITOR)
def slot_csv(slot_id: int) -> Response:
    """Only what the event asked for: no address, which stays with the city's system."""
    session = get_session()
    slot, event = slot_or_404(session, slot_id)
    record_audit(session, staff=current_user, action="slot.csv", target=f"slot:{slot.id}")
    session.commit()
    questions = [question["ja"] for question in event.questions]
    attended = {True: "出席", False: "欠席", None: ""}
    text = csv_text(
        ["予約番号", "状態", "託児", *questions, "出欠", "来た窓口", "連絡方法"],
        (
            [
                booking.id,
                STATUS_NAMES.get(BookingStatus(booking.status), booking.status),
                booking.childcare or "",
                *(booking.answers + [""] * len(questions))[: len(questions)],
                attended[booking.attended],
                source,
                CHANNEL_NAMES.get(booking.channel, booking.channel),
            ]
            for booking, source in _day_rows(session, slot)
        ),
    )
    start = local_time(slot.starts_at, staff_organisation(session)).strftime("%Y%m%d-%H%M")
    return csv_response(text, f"bookings-{event.public_id}-{start}.csv")


@blueprint.post("/slots/<int:slot_id>/<action>")
@role_required(Role.EDITOR)
def slot_action(slot_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    slot, event = slot_or_404(session, slot_id)
    if (
        action not in ("attended", "absent", "clear", "news", "cancel")
        or not CsrfOnlyForm().validate()
    ):
        abort(400)
    now = utcnow()
    text = (request.form.get("body") or "").strip()
    if action == "news":
        if not text or len(text) > 2000:
            flash("本文を2000文字以内で入力してください。", "error")
            return redirect(url_for("staff.slot_day", slot_id=slot_id), 303)
        told = send_news(session, slot, body=text, now=now)
        message = f"予約している{told}人に送ります。"
    elif action == "cancel":
        told = cancel_slot(session, slot, now=now, reason=text[:2000])
        message = f"この回を中止しました。{told}人にお知らせします。"
    else:
        booking = session.get(Booking, int(request.form.get("booking", "0") or 0))
        if booking is None or booking.slot_id != slot.id:
            abort(404)
        try:
            check_in(
                session,
                booking,
                attended={"attended": True, "absent": False}.get(action),
                now=now,
            )
        except BookingError as error:
            flash(
                "出欠は当日だけ記録できます。"
                if str(error) == "not-today"
                else "予約中の方だけ出欠を記録できます。",
                "error",
            )
            return redirect(url_for("staff.slot_day", slot_id=slot_id), 303)
        message = "出欠を記録しました。"
    record_audit(session, staff=current_user, action=f"slot.{action}", target=f"slot:{slot.id}")
    session.commit()
    flash(message, "info")
    return redirect(url_for("staff.slot_day", slot_id=slot_id), 303)
