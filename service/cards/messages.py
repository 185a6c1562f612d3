"""What the parent of a card receives: a department asks them to share it with another too; what
they shared and their card's link, when it was made; a fresh link; a department's own words; a
programme they may be able to use, why, and what to do next. In their language, with the card's
own link; the subject says only whose service it is."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, render_template
from flask_babel import gettext
from sqlmodel import Session

from service.bookings.schedule import bookable_by_programme
from service.cards.cards import card_token, consented, family_of, judged_on, reveal
from service.cards.models import Card, CardMessage
from service.cards.outreach import follow_token
from service.channels import RenderedMessage
from service.languages import city_name, in_language
from service.messages import guide_url
from service.models import Organisation
from service.settings import Settings
from service.support.eligibility import fit
from service.support.models import Desk, Programme
from service.types import utcnow


def render_card_message(
    session: Session, message: CardMessage, card: Card, organisation: Organisation
) -> RenderedMessage:
    settings: Settings = current_app.extensions["yorisou.settings"]
    programme = session.get(Programme, message.programme_id) if message.programme_id else None
    desk = session.get(Desk, programme.desk_id) if programme and programme.desk_id else None
    via = follow_token(settings, message)  # a request or booking from its links follows it
    with in_language(card.locale):
        # Judged as when it was queued: why it fitted then.
        family = family_of(card, *judged_on(session, organisation, message.created_at))
        fitted = fit(programme.conditions, family) if programme else None
        event, _, year = (message.reason or "").partition(":")
        context = {
            "kind": message.kind,
            "event": event,
            "year": year.partition(":")[0],
            "programme": programme,
            "desk": desk,
            "why": fitted.reason if fitted else "",
            "locale": card.locale,
            "departments": consented(session, card.id or 0),
            "retention_days": settings.card_retention_days,
            "asking": message.asked_by,
            "words": reveal(settings, message.body),
            "department": message.department,
            "organisation": organisation,
            "card_url": f"{settings.public_base_url}/card/c/{card_token(settings, card)}",
            "ask_url": guide_url(
                settings, organisation, card.locale, "/ask", programme=programme.slug, via=via
            )
            if desk and programme
            else "",
            # Its seminars and consultation days open to booking.
            "events": [
                (
                    event.text("title", card.locale),
                    f"{settings.public_base_url}/e/{event.public_id}?{urlencode({'via': via})}",
                )
                for event in bookable_by_programme(session, organisation.id or 0, utcnow()).get(
                    programme.id or 0, []
                )
            ]
            if programme
            else [],
        }
        return RenderedMessage(
            subject=gettext("%(name)s: about your card", name=city_name(organisation)),
            text=render_template("email/card.txt", **context),
            html=render_template("email/card.html", **context),
            sender_email=settings.mail_from or organisation.sender_email,
            sender_name=organisation.sender_name,
            categories=("card",),
        )
