"""What the parent of a consultation request receives: an acknowledgement, a desk's answer,
or word that another desk has it. One message per request (its link is the parent's alone),
so no placeholders: nothing in it is substituted by Yorisou or by a provider."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import format_date, gettext

from service.channels import RenderedMessage
from service.languages import city_name, in_language
from service.models import Organisation
from service.settings import Settings
from service.support.models import ConsultationRequest, ContactWay, Desk, RequestMessage
from service.support.requests import CONTACT_WAYS
from service.tokens import Purpose, make_token


def request_url(settings: Settings, consultation: ConsultationRequest) -> str:
    token = make_token(settings.secret_key, Purpose.REQUEST, consultation.public_id)
    return f"{settings.public_base_url}/r/{token}"


def render_request_message(
    message: RequestMessage,
    consultation: ConsultationRequest,
    desk: Desk,
    organisation: Organisation,
    *,
    name_desk: bool,
) -> RenderedMessage:
    """`name_desk` False (home unsafe, or the DV desk): the answer comes from "the city"."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    locale = consultation.locale
    with in_language(locale):
        context = {
            "kind": message.kind,
            "channel": message.channel,
            "answer": message.body,
            "organisation": organisation,
            "desk_name": desk.text("name", locale) if name_desk else city_name(organisation),
            "desk_phone": desk.phone,
            "desk_hours": desk.text("hours", locale),
            "due": format_date(consultation.due_on, "long"),
            "way": CONTACT_WAYS[ContactWay(consultation.contact_way)],
            "request_url": request_url(settings, consultation),
        }
        text = render_template("email/request.txt", **context)
        return RenderedMessage(
            # Says only whose service it is: someone else may see the subject or lock screen.
            subject=gettext("%(name)s: about your request", name=city_name(organisation)),
            text=text,
            html=render_template("email/request.html", **context),
            sender_email=settings.mail_from or organisation.sender_email,
            sender_name=organisation.sender_name,
            categories=("request",),
        )
