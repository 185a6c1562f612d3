"""What the parent of a booking receives: the confirmation (with the .ics), the waiting-list
word, an offered place, the reminders, a cancellation, staff's news. One message per booking
(its link is the parent's alone), so no placeholders: nothing in it is ever substituted.

On a lock screen (push, LINE) and in a subject line it says only whose message it is and that
it is about a booking, unless the parent asked for previews: "法律相談" on a phone someone else
picks up can be enough to put a parent in danger."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import format_date, format_datetime, format_time, gettext
from sqlmodel import Session

from service.bookings.models import Booking, Event, Slot
from service.channels import Attachment, RenderedMessage
from service.languages import city_name, in_language
from service.line.bubble import button_bubble
from service.messages import discreet_subject
from service.models import DeliveryKind, Organisation
from service.parent_links import LinkMaker
from service.settings import Settings


def slot_when(slot: Slot) -> str:
    """ "2026年12月12日(土) 10:00～12:00", in the language at hand and the city's time."""
    return gettext(
        "%(day)s %(start)s–%(end)s",
        day=format_date(slot.starts_at, "full"),
        start=format_time(slot.starts_at, "HH:mm"),
        end=format_time(slot.ends_at, "HH:mm"),
    )


def calendar_file(event: Event, slot: Slot, locale: str, url: str) -> bytes:
    """The booking as an iCalendar event, for the parent's phone."""
    from icalendar import Calendar  # here: a worker sending notices never needs it
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Yorisou//bookings//JA")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"slot-{slot.id}-event-{event.public_id}@yorisou")
    entry.add("dtstamp", slot.starts_at)
    entry.add("dtstart", slot.starts_at)
    entry.add("dtend", slot.ends_at)
    entry.add("summary", event.text("title", locale))
    if place := event.text("place", locale):
        entry.add("location", place)
    entry.add("description", "\n".join(filter(None, (event.text("bring", locale), url))))
    entry.add("url", url)
    calendar.add_component(entry)
    return calendar.to_ical()


def _subject(kind: str, title: str, organisation: Organisation, previews: bool) -> str:
    if kind == DeliveryKind.HOLD:  # to an address not yet known to be the parent's
        return gettext("%(name)s: please confirm your booking", name=city_name(organisation))
    subjects = {
        DeliveryKind.BOOKED: gettext("Booked: %(title)s"),
        DeliveryKind.WAITING: gettext("On the waiting list: %(title)s"),
        DeliveryKind.OFFER: gettext("A place is free for you: %(title)s"),
        DeliveryKind.REMINDER: gettext("Reminder: %(title)s"),
        DeliveryKind.BOOKING_CANCELLED: gettext("Cancelled: %(title)s"),
        DeliveryKind.EVENT_NEWS: gettext("News about %(title)s"),
    }
    if not previews:
        return gettext("%(name)s: about your booking", name=city_name(organisation))
    subject = subjects[DeliveryKind(kind)] % {"title": title}
    return discreet_subject(subject, organisation)


def render_booking_message(
    session: Session,
    *,
    kind: str,
    booking_id: int,
    delivery_body: str | None,
    channel: str,
    previews: bool,
) -> RenderedMessage:
    settings: Settings = current_app.extensions["yorisou.settings"]
    booking = session.get_one(Booking, booking_id)
    event = session.get_one(Event, booking.event_id)
    slot = session.get_one(Slot, booking.slot_id)
    organisation = session.get_one(Organisation, booking.organisation_id)
    locale = booking.locale
    links = LinkMaker(settings)
    url = links.booking(booking.public_id)
    with in_language(locale):
        title = event.text("title", locale)
        context = {
            "kind": kind,
            "channel": channel,
            "booking": booking,
            "event": event,
            "title": title,
            "when": slot_when(slot),
            "place": event.text("place", locale),
            "bring": event.text("bring", locale),
            "offer_until": format_datetime(booking.offer_expires_at, "short")
            if booking.offer_expires_at
            else "",
            "held_until": format_datetime(booking.held_until, "short")
            if booking.held_until
            else "",
            "confirm_url": links.confirm_booking(booking.public_id),
            "news": delivery_body or "",
            "organisation": organisation,
            "booking_url": url,
        }
        text = render_template("email/booking.txt", **context)
        # A subject shows in an inbox list and on a lock screen: the event's name only for a
        # parent who asked for previews.
        subject = _subject(kind, title, organisation, previews)
        attachments: tuple[Attachment, ...] = ()
        if kind == DeliveryKind.BOOKED and channel == "email":
            attachments = (
                Attachment("booking.ics", "text/calendar", calendar_file(event, slot, locale, url)),
            )
        if channel == "email":
            return RenderedMessage(
                subject=subject,
                text=text,
                html=render_template("email/booking.html", **context),
                sender_email=settings.mail_from or organisation.sender_email,
                sender_name=organisation.sender_name,
                categories=("booking", f"booking-{kind}"),
                attachments=attachments,
            )
        if channel == "line":
            return RenderedMessage(
                subject=subject,
                text=text,
                html="",
                sender_email="",
                sender_name=city_name(organisation),
                flex=button_bubble(text, gettext("See your booking"), url),
            )
        summary = title if previews else gettext("Tap to see it.")
        return RenderedMessage(
            subject=subject,
            text=summary,
            html="",
            sender_email="",
            sender_name=city_name(organisation),
            link=url,
            icon=f"{settings.public_base_url}/static/icon-192.png",
        )
