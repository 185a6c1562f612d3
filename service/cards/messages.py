"""What the parent of a card receives: a department asks them to share it with another too. The
card's own link, in their language; the subject says only whose service it is."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext

from service.cards.cards import card_token
from service.cards.models import Card, CardMessage
from service.channels import RenderedMessage
from service.languages import city_name, in_language
from service.models import Organisation
from service.settings import Settings


def render_card_message(
    message: CardMessage, card: Card, organisation: Organisation
) -> RenderedMessage:
    settings: Settings = current_app.extensions["yorisou.settings"]
    with in_language(card.locale):
        context = {
            "asking": message.asked_by,
            "department": message.department,
            "organisation": organisation,
            "card_url": f"{settings.public_base_url}/card/c/{card_token(settings, card)}",
        }
        return RenderedMessage(
            subject=gettext("%(name)s: about your card", name=city_name(organisation)),
            text=render_template("email/card.txt", **context),
            html=render_template("email/card.html", **context),
            sender_email=settings.mail_from or organisation.sender_email,
            sender_name=organisation.sender_name,
            categories=("card",),
        )
