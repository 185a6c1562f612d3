"""The answers as files in the console: download them (the four columns, or the JSON with
everything), and bring a city's spreadsheet in — first a dry run that lists what would change and
every problem by line, then the import itself, all or nothing and audited."""

from __future__ import annotations

import base64
import binascii
import json

from flask import Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from service import get_session
from service.assistant.exchange import (
    FOUR_COLUMNS,
    ExchangeError,
    export_four_columns,
    export_json,
    import_answers,
    read_four_columns,
    read_json,
)
from service.assistant.staff_forms import AnswersImportForm
from service.assistant.staff_pages import desk_choices
from service.audit import record_audit
from service.csv_files import csv_response
from service.models import Organisation, Role
from service.support.models import Desk
from service.types import utcnow
from service.web.access import may_edit_desk, role_required
from service.web.console import blueprint

UPLOAD_LIMIT = 2 * 1024 * 1024


def _slug() -> str:
    return get_session().get_one(Organisation, current_user.organisation_id).slug


@blueprint.get("/answers.csv")
@role_required(Role.VIEWER)
def answers_csv() -> ResponseReturnValue:
    text = export_four_columns(get_session(), current_user.organisation_id)
    return csv_response(text, f"{_slug()}-answers.csv")


@blueprint.get("/answers.json")
@role_required(Role.VIEWER)
def answers_json() -> ResponseReturnValue:
    data = export_json(get_session(), current_user.organisation_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_slug()}-answers.json"'},
    )


def _read(form: AnswersImportForm) -> tuple[bytes, str]:
    """The file's bytes and name: the upload, or the one the dry run read."""
    upload = form.file.data
    if upload and upload.filename:
        return upload.read(UPLOAD_LIMIT + 1), upload.filename[:200]
    try:
        return base64.b64decode(form.content.data or "", validate=True), form.name.data or ""
    except binascii.Error:
        return b"", ""


@blueprint.route("/answers/import", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def answers_import() -> ResponseReturnValue:
    session = get_session()
    form = AnswersImportForm()
    form.desk.choices = desk_choices(session, None)
    result, problems, data, name = None, [], b"", ""
    valid = form.validate_on_submit()
    importing = valid and bool(form.content.data)  # the dry run's file, sent back to import
    if valid:
        data, name = _read(form)
        desk = session.get(Desk, form.desk.data) if form.desk.data else None
        if not data:
            form.file.errors = ["ファイルを選んでください。"]
        elif len(data) > UPLOAD_LIMIT:
            form.file.errors = ["ファイルが大きすぎます（2MBまで）。"]
        elif desk is not None and desk.organisation_id != current_user.organisation_id:
            form.desk.errors = ["この自治体の窓口を選んでください。"]
        else:
            try:
                is_json = name.lower().endswith(".json") or data.lstrip()[:1] == b"{"
                incoming, synonyms = read_json(data) if is_json else (read_four_columns(data), None)
                result = import_answers(
                    session,
                    current_user.organisation_id,
                    incoming,
                    synonyms=synonyms,
                    may_edit=may_edit_desk,
                    new_desk=desk,
                    now=utcnow(),
                    dry_run=not importing,
                )
            except ExchangeError as error:
                session.rollback()
                problems = error.problems
        if result is not None and importing:
            record_audit(
                session,
                staff=current_user,
                action="answers.import",
                target=f"organisation:{current_user.organisation_id}",
                after={
                    "file": name,
                    "added": len(result.added),
                    "changed": len(result.changed),
                    "synonyms": result.synonyms,
                },
            )
            session.commit()
            flash(
                f"回答を{len(result.added)}件追加し、{len(result.changed)}件を変更しました。"
                "保護者への回答にすぐ使われます。",
                "info",
            )
            return redirect(url_for("staff.answers"), 303)
    if result is not None:
        form.content.data = base64.b64encode(data).decode("ascii")
        form.name.data = name
    status = 400 if problems or form.errors else 200
    return render_template(
        "staff/answers_import.html",
        form=form,
        result=result,
        problems=problems,
        name=name,
        columns=FOUR_COLUMNS,
    ), status
