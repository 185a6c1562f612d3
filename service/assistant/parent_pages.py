"""The assistant for parents: /ask/<city>, a question in their own words and the staff's answer
(no script needed; the question travels in a POST, never in a URL), and the JSON a city's own
website can put behind its chat widget."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlmodel import Session, select

from service import get_session, get_settings
from service.assistant.answering import Reply, ask, current, facts_for, feedback
from service.assistant.models import Answer
from service.errors import render_error
from service.extensions import limiter
from service.languages import current_language
from service.markdown import render_markdown
from service.models import Organisation
from service.support.requests import safety_desks
from service.types import utcnow
from service.web.forms import CsrfOnlyForm
from service.web.links import organisation_or_404

blueprint = Blueprint("assistant", __name__)

HOTLINES = (
    ("DV相談ナビ", "#8008", ""),
    ("DV相談＋", "0120-279-889", "24時間"),
    ("児童相談所 虐待対応ダイヤル", "189", "24時間"),
    ("警察", "110", ""),
    ("救急", "119", ""),
)


def _page(
    session: Session, organisation: Organisation, reply: Reply | None, question: str = ""
) -> ResponseReturnValue:
    return render_template(
        "assistant/ask.html",
        organisation=organisation,
        locale=current_language(),
        reply=reply,
        question=question,
        form=CsrfOnlyForm(),
        safety_desks=safety_desks(session, organisation.id or 0)
        if reply and reply.kind == "crisis"
        else [],
        render_markdown=render_markdown,
    )


@blueprint.get("/ask/<slug>")
def ask_page(slug: str) -> ResponseReturnValue:
    session = get_session()
    return _page(session, organisation_or_404(session, slug), None)


@blueprint.post("/ask/<slug>")
@limiter.limit("30/minute;300/day")
def ask_question(slug: str) -> ResponseReturnValue:
    session = get_session()
    organisation = organisation_or_404(session, slug)
    if not CsrfOnlyForm().validate():
        abort(400)
    question = (request.form.get("q") or "").strip()[:300]
    if not question:
        flash(gettext("Please write your question."), "error")
        return redirect(url_for("assistant.ask_page", slug=slug, lang=current_language()), 303)
    reply = ask(session, organisation, question, now=utcnow(), locale=current_language())
    session.commit()
    # A crisis message is not even shown again: someone else may be looking at the screen.
    return _page(session, organisation, reply, "" if reply.kind == "crisis" else question)


def _answer_or_404(session: Session, organisation: Organisation, answer_id: int) -> Answer:
    answer = session.get(Answer, answer_id)
    today = utcnow().date()
    if answer is None or answer.organisation_id != organisation.id or not current(answer, today):
        abort(404)
    assert answer is not None
    return answer


@blueprint.get("/ask/<slug>/a/<int:answer_id>")
def answer_page(slug: str, answer_id: int) -> ResponseReturnValue:
    """One answer, as a "もしかして" choice opens it."""
    session = get_session()
    organisation = organisation_or_404(session, slug)
    answer = _answer_or_404(session, organisation, answer_id)
    facts = facts_for(session, answer, utcnow(), current_language())
    return _page(session, organisation, Reply("answer", answer, facts=tuple(facts)))


@blueprint.post("/ask/<slug>/a/<int:answer_id>/feedback")
@limiter.limit("30/minute")
def answer_feedback(slug: str, answer_id: int) -> ResponseReturnValue:
    session = get_session()
    organisation = organisation_or_404(session, slug)
    answer = _answer_or_404(session, organisation, answer_id)
    if not CsrfOnlyForm().validate() or request.form.get("helpful") not in ("yes", "no"):
        abort(400)
    feedback(session, organisation, answer, request.form["helpful"] == "yes", now=utcnow())
    session.commit()
    flash(gettext("Thank you. The city uses this to make the answers better."), "info")
    return redirect(
        url_for("assistant.answer_page", slug=slug, answer_id=answer_id, lang=current_language()),
        303,
    )


@blueprint.after_request
def _city_website(response: Response) -> Response:
    """The JSON answer may be read by the pages of the city's own websites (its settings),
    and by no other site."""
    if request.endpoint != "assistant.answer_json" or request.view_args is None:
        return response
    origin = request.headers.get("Origin", "")
    session = get_session()
    slug = request.view_args.get("slug", "")
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if origin and organisation is not None and origin in (organisation.website_origins or []):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    return response


@blueprint.get("/ask/<slug>/answer")
@limiter.limit("60/minute;1000/day")
def answer_json(slug: str) -> ResponseReturnValue:
    """GET ?q=…&lang=ja|en|easy: the reply as JSON, for a city's own website."""
    session = get_session()
    organisation = organisation_or_404(session, slug)
    question = (request.args.get("q") or "").strip()
    if not question or len(question) > 300:
        return render_error(400, detail="q: a question of 1 to 300 characters")
    locale = current_language()
    reply = ask(session, organisation, question, now=utcnow(), locale=locale)
    session.commit()
    return jsonify(
        kind=reply.kind,
        answer=_answer_json(reply, organisation, locale) if reply.answer else None,
        choices=[
            {"id": choice.id, "question": choice.text("question", locale)}
            for choice in reply.choices
        ],
        hotlines=[
            {"name": name, "number": number, "hours": hours} for name, number, hours in HOTLINES
        ]
        if reply.kind == "crisis"
        else [],
        ask_desk_url=_public(url_for("support.ask", slug=slug, lang=locale)),
    )


def _public(path: str) -> str:
    return get_settings().public_base_url + path


def _answer_json(reply: Reply, organisation: Organisation, locale: str) -> dict[str, object]:
    answer = reply.answer
    assert answer is not None
    page = url_for(
        "assistant.answer_page", slug=organisation.slug, answer_id=answer.id, lang=locale
    )
    return {
        "id": answer.id,
        "question": answer.text("question", locale),
        "text": answer.text("answer", locale),
        "facts": [
            {"label": f.label, "text": f.text, "url": _public(f.url) if f.url else ""}
            for f in reply.facts
        ],
        "links": [_public(page)],
    }
