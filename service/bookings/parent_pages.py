"""The parent's side of booking: the city's events, an event's booking page, and the page of
one booking (see it, add it to the calendar, move it, cancel it, take an offered place)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlmodel import Session, col, select
from wtforms import SelectChoice

from service import get_session, get_settings
from service.addresses import mask_address
from service.bookings.booking import (
    BookingError,
    Contact,
    accept_offer,
    book,
    cancel,
    confirm_address,
    move,
)
from service.bookings.forms import MAX_QUESTIONS, BookingForm, MoveForm
from service.bookings.messages import calendar_file, slot_when
from service.bookings.models import Booking, BookingStatus, Event, EventStatus, EventTopic, Slot
from service.bookings.schedule import open_slots, window
from service.cards.outreach import followed
from service.extensions import limiter
from service.languages import current_language, use_language
from service.line.accounts import line_for
from service.line.bubble import LINE_BOOK_WORD
from service.models import Endpoint, Organisation, Subscriber, Subscription
from service.parent_links import LinkMaker
from service.subscribers import counter_with_code
from service.tokens import Purpose, make_token
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import linked_endpoint, organisation_or_404, read_link, stop


def _refusals() -> dict[str, str]:
    return {
        "childcare": gettext(
            "There is no childcare place left at this time. You can book without "
            "childcare, or choose another time."
        ),
        "already-booked": gettext(
            "You have already booked this time (or are on its waiting list)."
        ),
        "not-open": gettext("Booking for this time has not opened yet."),
        "closed": gettext("Booking for this time has closed. Please call the desk."),
        "cancelled": gettext("This time has been cancelled."),
        "full": gettext("This time is full. Please choose another."),
        "no-offer": gettext("There is no place offered to you now."),
        "offer-expired": gettext(
            "The time to take this place has passed, so it went to the next person."
        ),
        "not-booked": gettext("This booking is not active."),
        "too-many-emails": gettext(
            "We cannot send more emails to this address today. Please try again tomorrow, "
            "or call the desk."
        ),
        "hold-expired": gettext(
            "The time to confirm has passed, so the place went to the next person. "
            "Please book again."
        ),
    }


blueprint = Blueprint("bookings", __name__)


def _event_or_404(session: Session, public_id: str) -> Event:
    event = session.exec(select(Event).where(Event.public_id == public_id)).first()
    if event is None:
        stop(404, gettext("This page does not exist"), gettext("Please check the address."))
    assert event is not None
    return event


def _linked(session: Session, event: Event, token: str | None) -> Endpoint | None:
    """The registered parent's address from their BOOK link (a notice, their LINE chat)."""
    return linked_endpoint(
        session,
        token,
        Purpose.BOOK,
        event.organisation_id,
        (
            url_for("bookings.event_page", public_id=event.public_id),
            gettext("Book with an email address"),
        ),
        bound_to=event.public_id,
    )


def _may_book(session: Session, event: Event, linked: Endpoint | None) -> bool:
    """An event for the registered parents of its topics only (of any topic, if it has
    none), or for anyone."""
    if not event.subscribers_only:
        return True
    if linked is None:
        return False
    topics = select(EventTopic.topic_id).where(EventTopic.event_id == event.id)
    if not session.exec(topics).first():
        return True
    return (
        session.exec(
            select(Subscription.topic_id).where(
                Subscription.subscriber_id == linked.subscriber_id,
                col(Subscription.topic_id).in_(topics),
            )
        ).first()
        is not None
    )


def _form_page(
    session: Session, event: Event, form: BookingForm, now: datetime, status: int = 200
) -> ResponseReturnValue:
    organisation = session.get_one(Organisation, event.organisation_id)
    linked = _linked(session, event, form.link.data)
    slots = open_slots(session, event, now)
    form.slot.choices = [SelectChoice(slot.id, slot_when(slot)) for slot in slots]
    most = max((slot.childcare_places for slot in slots), default=0)
    form.childcare.choices = [SelectChoice(n, str(n)) for n in range(min(most, 3) + 1)]
    return render_template(
        "bookings/event.html",
        organisation=organisation,
        event=event,
        slots=slots,
        form=form,
        locale=current_language(),
        linked=linked,
        masked_address=mask_address(linked.address) if linked and linked.channel == "email" else "",
        may_book=_may_book(session, event, linked),
        questions=event.questions[:MAX_QUESTIONS],
        line_url=_line_url(session, event),
        retention_days=get_settings().request_retention_days,
    ), status


def _line_url(session: Session, event: Event) -> str:
    """Opens the city's LINE chat with "予約 <code>" typed in: the answer is the parent's own
    booking link, for booking through LINE."""
    line = line_for(session, get_settings(), event.organisation_id)
    if line is None:
        return ""
    text = quote(f"{LINE_BOOK_WORD} {event.public_id}")
    return f"https://line.me/R/oaMessage/{quote(line.account_id)}/?{text}"


@blueprint.get("/o/<slug>/events")
def events(slug: str) -> ResponseReturnValue:
    """The city's seminars and consultation days that can be booked now."""
    session = get_session()
    organisation = organisation_or_404(session, slug)
    now = utcnow()
    listed = []
    for event in session.exec(
        select(Event)
        .where(Event.organisation_id == organisation.id, Event.status == EventStatus.ACTIVE)
        .order_by(col(Event.starts_at))
    ).all():
        if slots := open_slots(session, event, now):
            listed.append((event, slots))
    return render_template(
        "bookings/events.html", organisation=organisation, listed=listed, locale=current_language()
    )


@blueprint.get("/e/<public_id>")
def event_page(public_id: str) -> ResponseReturnValue:
    session = get_session()
    event = _event_or_404(session, public_id)
    form = BookingForm(
        formdata=None,
        link=request.args.get("link", ""),
        source=request.args.get("source", ""),
        via=request.args.get("via", "")[:200],
    )
    return _form_page(session, event, form, utcnow())


@blueprint.post("/e/<public_id>")
@limiter.limit("10/minute;30/day")
def book_place(public_id: str) -> ResponseReturnValue:
    session = get_session()
    event = _event_or_404(session, public_id)
    now = utcnow()
    form = BookingForm()
    linked = _linked(session, event, form.link.data)
    slots = {slot.id: slot for slot in open_slots(session, event, now)}
    form.slot.choices = [SelectChoice(slot_id, "") for slot_id in slots]
    form.childcare.choices = [SelectChoice(n, str(n)) for n in range(4)]
    valid = form.validate() & form.check_answers(event.questions)
    if linked is None and not form.email.data:
        form.email.errors = [*form.email.errors, gettext("Please enter your email address.")]
        valid = False
    if not valid or not _may_book(session, event, linked):
        return _form_page(session, event, form, now, status=400)
    if linked is not None:
        contact = Contact(linked.channel, linked.id, linked.subscriber_id)
    else:
        contact = Contact("email", address=form.email.data)
    try:
        booking = book(
            session,
            event=event,
            slot=slots[form.slot.data],
            contact=contact,
            locale=current_language(),
            now=now,
            childcare=form.childcare.data or 0,
            answers=form.answers(len(event.questions[:MAX_QUESTIONS])),
            source_id=_counter_id(session, event, form.source.data, linked),
        )
    except BookingError as error:
        session.rollback()
        form.slot.errors = [_refusals()[str(error)]]
        return _form_page(session, event, form, now, status=409)
    if form.via.data:
        followed(session, get_settings(), form.via.data, now=now)
    session.commit()
    return redirect(_booking_url(booking), 303)


def _counter_id(
    session: Session, event: Event, code: str | None, linked: Endpoint | None
) -> int | None:
    """The counter the parent came from: their registration's, or the one in the link."""
    if linked is not None:
        return session.get_one(Subscriber, linked.subscriber_id).source_id
    source = counter_with_code(session, code, event.organisation_id)
    return source.id if source is not None else None


def _booking_url(booking: Booking) -> str:
    path = LinkMaker(get_settings()).booking(booking.public_id)
    language = current_language()
    return path if language == "ja" else f"{path}?lang={language}"


def _booking_or_gone(session: Session, token: str, purpose: Purpose = Purpose.BOOKING) -> Booking:
    public_id = read_link(token, purpose)
    booking = session.exec(select(Booking).where(Booking.public_id == public_id)).first()
    if booking is None or booking.erased_at is not None:
        stop(
            410,
            gettext("This booking is no longer kept"),
            gettext("Its details have been deleted. Please contact the desk if you need to."),
        )
    assert booking is not None
    if "lang" not in request.args:
        use_language(booking.locale)
    return booking


def _booking_page(
    session: Session, booking: Booking, token: str, error: str = "", status: int = 200
) -> ResponseReturnValue:
    event = session.get_one(Event, booking.event_id)
    slot = session.get_one(Slot, booking.slot_id)
    now = utcnow()
    others: Sequence[Slot] = [
        other for other in open_slots(session, event, now) if other.id != slot.id
    ]
    move_form = MoveForm(formdata=None)
    move_form.slot.choices = [
        SelectChoice(other.id, slot_when(other))
        for other in others
        if other.booked < other.capacity
    ]
    waiting_ahead = 0
    if booking.status == BookingStatus.WAITING:
        waiting_ahead = len(
            session.exec(
                select(Booking.id).where(
                    Booking.slot_id == slot.id,
                    Booking.status == BookingStatus.WAITING,
                    col(Booking.id) < booking.id,
                )
            ).all()
        )
    return render_template(
        "bookings/booking.html",
        organisation=session.get_one(Organisation, booking.organisation_id),
        booking=booking,
        event=event,
        slot=slot,
        when=slot_when(slot),
        token=token,
        locale=current_language(),
        form=CsrfOnlyForm(),
        move_form=move_form,
        may_change=booking.status != BookingStatus.CANCELLED and now < window(event, slot)[1],
        unconfirmed=booking.address is not None and booking.address_confirmed_at is None,
        masked_address=mask_address(booking.address or ""),
        waiting_ahead=waiting_ahead,
        error=error,
        retention_days=get_settings().request_retention_days,
    ), status


@blueprint.route("/b/<token>/confirm", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def confirm_booking(token: str) -> ResponseReturnValue:
    """The button in the email to an address typed for a booking: a page with one button (mail
    gateways that open every link confirm nothing), then the booking page."""
    session = get_session()
    booking = _booking_or_gone(session, token, Purpose.BOOKING_CONFIRM)
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        event = session.get_one(Event, booking.event_id)
        return render_template(
            "bookings/confirm.html",
            organisation=session.get_one(Organisation, booking.organisation_id),
            booking=booking,
            event=event,
            when=slot_when(session.get_one(Slot, booking.slot_id)),
            locale=current_language(),
            form=form,
        ), 400 if request.method == "POST" else 200
    try:
        confirm_address(session, booking, now=utcnow())
    except BookingError as error:
        session.rollback()
        page_token = make_token(get_settings().secret_key, Purpose.BOOKING, booking.public_id)
        return _booking_page(session, booking, page_token, _refusals()[str(error)], 409)
    session.commit()
    return redirect(_booking_url(booking), 303)


@blueprint.get("/b/<token>")
def booking_page(token: str) -> ResponseReturnValue:
    session = get_session()
    return _booking_page(session, _booking_or_gone(session, token), token)


def _change(token: str, change: str) -> ResponseReturnValue:
    session = get_session()
    booking = _booking_or_gone(session, token)
    now = utcnow()
    if not CsrfOnlyForm().validate():
        return _booking_page(session, booking, token, gettext("Please try again."), 400)
    try:
        if change == "cancel":
            cancel(session, booking, now=now, by="parent")
        elif change == "accept":
            accept_offer(session, booking, now=now)
        elif change == "decline":
            if booking.status != BookingStatus.OFFERED:
                raise BookingError("no-offer")
            cancel(session, booking, now=now, by="parent")
        else:
            form = MoveForm()
            slot = session.get(Slot, form.slot.data) if form.slot.data else None
            if slot is None:
                raise BookingError("full")
            move(session, booking, slot, now=now)
    except BookingError as error:
        session.rollback()
        return _booking_page(session, booking, token, _refusals()[str(error)], 409)
    session.commit()
    return redirect(url_for("bookings.booking_page", token=token, lang=current_language()), 303)


@blueprint.post("/b/<token>/cancel")
def cancel_booking(token: str) -> ResponseReturnValue:
    return _change(token, "cancel")


@blueprint.post("/b/<token>/accept")
def accept_place(token: str) -> ResponseReturnValue:
    return _change(token, "accept")


@blueprint.post("/b/<token>/decline")
def decline_place(token: str) -> ResponseReturnValue:
    return _change(token, "decline")


@blueprint.post("/b/<token>/move")
def move_booking(token: str) -> ResponseReturnValue:
    return _change(token, "move")


@blueprint.get("/b/<token>/booking.ics")
def booking_calendar(token: str) -> ResponseReturnValue:
    session = get_session()
    booking = _booking_or_gone(session, token)
    event = session.get_one(Event, booking.event_id)
    slot = session.get_one(Slot, booking.slot_id)
    body = calendar_file(
        event, slot, booking.locale, LinkMaker(get_settings()).booking(booking.public_id)
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="booking.ics"'},
    )
