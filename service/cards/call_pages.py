"""相談員を呼ぶ from the counter's QR page, when the city offers it: the parent asks the support
section to come to the counter, then follows the call on their phone — who is coming and in how
many minutes, or when the section opens next and where to book. Nothing of the parent is asked
or kept: the call holds the counter and the times."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from service import get_session, get_settings
from service.cards.calls import call_counsellor, closed_until, end_call
from service.cards.models import CounsellorCall
from service.cards.parent_pages import blueprint
from service.extensions import limiter
from service.languages import current_language
from service.models import Organisation
from service.subscribers import counter_with_code
from service.tokens import Purpose, make_token
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import read_link, stop


@blueprint.post("/s/<code>/call")
@limiter.limit("10/hour")
def call_from_landing(code: str) -> ResponseReturnValue:
    session = get_session()
    source = counter_with_code(session, code)
    organisation = session.get(Organisation, source.organisation_id) if source else None
    if source is None or organisation is None or not _offered(organisation):
        abort(404)
    if not CsrfOnlyForm().validate():
        abort(400)
    call = call_counsellor(
        session, organisation, source_id=source.id, asked_by_id=None, now=utcnow()
    )
    session.commit()
    token = make_token(get_settings().secret_key, Purpose.CALL, str(call.id))
    return redirect(url_for("cards.parent_call", token=token, lang=current_language()), 303)


@blueprint.route("/call/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
def parent_call(token: str) -> ResponseReturnValue:
    """The parent's phone follows the call (refreshing itself while it waits); a POST ends it."""
    session = get_session()
    call_id = read_link(token, Purpose.CALL)
    call = session.get(CounsellorCall, int(call_id)) if call_id.isdigit() else None
    if call is None:
        stop(404, gettext("This call is not here"), gettext("Please ask the staff at the counter."))
    assert call is not None
    organisation = session.get_one(Organisation, call.organisation_id)
    if request.method == "POST":
        if not CsrfOnlyForm().validate():
            abort(400)
        end_call(session, call, utcnow())
        session.commit()
        return redirect(url_for("cards.parent_call", token=token, lang=current_language()), 303)
    return render_template(
        "cards/call.html",
        call=call,
        organisation=organisation,
        opens=closed_until(organisation, call),
        events_url=url_for("bookings.events", slug=organisation.slug, lang=current_language()),
        form=CsrfOnlyForm(),
        locale=current_language(),
    )


def _offered(organisation: Organisation) -> bool:
    return bool(organisation.card_lead_department and organisation.call_from_landing)
