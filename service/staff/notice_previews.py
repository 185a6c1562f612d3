"""A notice's email as a parent receives it, for the preview frame beside the form and on the
notice's page: a sample parent's links in place of the placeholders, in a frame that may run
nothing and load nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flask import Response, request
from flask_login import current_user
from sqlmodel import Session

from service import get_session
from service.bookings.schedule import offered_event_code
from service.channels import RenderedMessage, substitute
from service.messages import render_notice
from service.models import Notice, Organisation, Role
from service.notices import topic_ids_of
from service.recipients import sample_reason, sample_recipient
from service.support.catalogue import asked_about
from service.web.access import own_or_404, role_required
from service.web.console import blueprint

PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"
)


def as_received(
    session: Session, message: RenderedMessage, topic_ids: Sequence[int], book_event: str = ""
) -> RenderedMessage:
    """The email exactly as a parent of these topics gets it: a sample parent's links and
    reason line in place of the placeholders (what staff typed stays as they typed it)."""
    reason = sample_reason(
        session, topic_ids=topic_ids, organisation_id=current_user.organisation_id, locale="ja"
    )
    sample = sample_recipient(slots=message.slots, reason=reason, book_event=book_event)
    return replace(
        message,
        text=substitute(message.text, sample.substitutions),
        html=substitute(message.html, sample.substitutions),
    )


def _preview_response(html: str) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@blueprint.post("/notices/preview.html")
@role_required(Role.EDITOR)
def draft_preview() -> Response:
    """The email as the form stands, before it is saved (the form posts into the frame)."""
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    draft = Notice(
        organisation_id=organisation.id or 0,
        title=request.form.get("title", ""),
        body=request.form.get("body", ""),
        ask_about=request.form.get("ask_about", "")[:64],
        book_event_id=_number(request.form.get("book_event", "")),
    )
    topic_ids = [int(t) for t in request.form.getlist("topics") if t.isdigit() and len(t) < 10]
    return _preview_response(email_as_received(session, draft, organisation, topic_ids).html)


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def email_as_received(
    session: Session, notice: Notice, organisation: Organisation, topic_ids: Sequence[int]
) -> RenderedMessage:
    book_event = offered_event_code(session, notice)
    email = render_notice(
        notice,
        organisation,
        "ja",
        book_event=book_event,
        programme=asked_about(session, notice),
    )
    return as_received(session, email, topic_ids, book_event)


@blueprint.get("/notices/<int:notice_id>/preview.html")
@role_required(Role.VIEWER)
def notice_preview(notice_id: int) -> Response:
    """The email as a parent would see it, for the preview frame (its styles are inline)."""
    session = get_session()
    item = own_or_404(Notice, notice_id)
    organisation = session.get_one(Organisation, item.organisation_id)
    email = email_as_received(session, item, organisation, topic_ids_of(session, item))
    return _preview_response(email.html)
