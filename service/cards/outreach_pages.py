"""The outreach list in the console: per programme with conditions, the families among the
cards the department may see who may use it, whether Yorisou told them and whether a department
has contacted them — those never told nor contacted first — and what the messages did."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from service import get_session
from service.cards.outreach import programmes_with_conditions, prospects, summary
from service.models import Role
from service.web.access import role_required
from service.web.console import blueprint


@blueprint.get("/outreach")
@role_required(Role.EDITOR)
def outreach() -> ResponseReturnValue:
    session = get_session()
    programmes = programmes_with_conditions(session, current_user.organisation_id)
    chosen = request.args.get("programme", type=int)
    programme = next((p for p in programmes if p.id == chosen), None)
    if chosen is not None and programme is None:
        abort(404)
    rows = prospects(session, current_user, programme) if programme else []
    return render_template(
        "staff/outreach.html",
        programmes=programmes,
        programme=programme,
        rows=rows,
        figures=summary(rows),
    )
