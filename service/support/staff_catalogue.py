"""The catalogue in the staff console: desks (admins), programmes (admins, and editors for
their own department's desks), a desk's answer templates, and the catalogue as a file."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, delete, select

from service import get_session
from service.audit import record_audit
from service.bookings.booking import follow_desk
from service.models import Organisation, Role, Topic
from service.support.catalogue import (
    CatalogueError,
    export_catalogue,
    import_catalogue,
)
from service.support.eligibility import KINDS, SAMPLES, fit
from service.support.models import AnswerTemplate, Desk, Programme, ProgrammeTopic
from service.support.staff_forms import ANSWER_NAMES, AnswerTemplateForm, DeskForm, ProgrammeForm
from service.web.access import city_desks, may_edit_desk, role_required
from service.web.console import blueprint
from service.web.forms import CsrfOnlyForm, save_audited


def _organisation(session: Session) -> Organisation:
    return session.get_one(Organisation, current_user.organisation_id)


def _owned(session: Session, model: Any, item_id: int) -> Any:
    item = session.get(model, item_id)
    if item is None or item.organisation_id != current_user.organisation_id:
        abort(404)
    return item


@blueprint.get("/programmes")
@role_required(Role.VIEWER)
def programmes() -> ResponseReturnValue:
    session = get_session()
    rows = session.exec(
        select(Programme)
        .where(Programme.organisation_id == current_user.organisation_id)
        .order_by(col(Programme.position), col(Programme.id))
    ).all()
    desks = city_desks(session)
    return render_template(
        "staff/programmes.html",
        organisation=_organisation(session),
        programmes=rows,
        desks=desks,
        desk_by_id={desk.id: desk for desk in desks},
        answer_names=ANSWER_NAMES,
        may_edit_desk=may_edit_desk,
        form=CsrfOnlyForm(),
    )


@blueprint.route("/desks/new", methods=["GET", "POST"], defaults={"desk_id": None})
@blueprint.route("/desks/<int:desk_id>", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def desk(desk_id: int | None) -> ResponseReturnValue:
    session = get_session()
    item = _owned(session, Desk, desk_id) if desk_id else None
    if request.method == "POST" and not current_user.at_least(Role.ADMIN):
        abort(403)
    form = DeskForm(obj=item)
    if form.validate_on_submit():
        if item is None:
            item = Desk(
                organisation_id=current_user.organisation_id,
                department="",
                name_ja="",
                position=len(city_desks(session)),
            )
        save_audited(session, item, form, form.FIELDS, kind="desk")
        follow_desk(session, item)
        session.commit()
        flash(f"窓口「{item.name_ja}」を保存しました。", "info")
        return redirect(url_for("staff.desk", desk_id=item.id), 303)
    templates = (
        session.exec(select(AnswerTemplate).where(AnswerTemplate.desk_id == item.id)).all()
        if item
        else []
    )
    return render_template(
        "staff/desk.html",
        organisation=_organisation(session),
        desk=item,
        form=form,
        templates=templates,
        template_form=AnswerTemplateForm(formdata=None),
        may_edit=current_user.at_least(Role.ADMIN),
        may_edit_templates=may_edit_desk(item),
        csrf_form=CsrfOnlyForm(),
    ), 400 if request.method == "POST" else 200


@blueprint.post("/desks/<int:desk_id>/templates")
@role_required(Role.EDITOR)
def add_answer_template(desk_id: int) -> ResponseReturnValue:
    session = get_session()
    item = _owned(session, Desk, desk_id)
    if not may_edit_desk(item):
        abort(403)
    form = AnswerTemplateForm()
    if not form.validate_on_submit():
        flash("定型文の名前と本文を入力してください（本文は2000文字まで）。", "error")
        return redirect(url_for("staff.desk", desk_id=desk_id), 303)
    template = AnswerTemplate(
        desk_id=desk_id, title=form.title.data or "", body=form.body.data or ""
    )
    session.add(template)
    record_audit(
        session,
        staff=current_user,
        action="answer_template.create",
        target=f"desk:{desk_id}",
        after={"title": template.title, "body": template.body},
    )
    session.commit()
    flash("定型文を追加しました。", "info")
    return redirect(url_for("staff.desk", desk_id=desk_id), 303)


@blueprint.post("/desks/<int:desk_id>/templates/<int:template_id>/delete")
@role_required(Role.EDITOR)
def delete_answer_template(desk_id: int, template_id: int) -> ResponseReturnValue:
    session = get_session()
    item = _owned(session, Desk, desk_id)
    if not may_edit_desk(item):
        abort(403)
    template = session.get(AnswerTemplate, template_id)
    if template is None or template.desk_id != item.id:  # pressed twice: it is gone already
        flash("この定型文はすでにありません。", "info")
        return redirect(url_for("staff.desk", desk_id=desk_id), 303)
    record_audit(
        session,
        staff=current_user,
        action="answer_template.delete",
        target=f"desk:{desk_id}",
        before={"title": template.title, "body": template.body},
    )
    session.delete(template)
    session.commit()
    flash("定型文を削除しました。", "info")
    return redirect(url_for("staff.desk", desk_id=desk_id), 303)


def _programme_form(session: Session, item: Programme | None) -> Any:
    form = ProgrammeForm(obj=item)
    desks = [desk for desk in city_desks(session) if may_edit_desk(desk)]
    form.desk.choices = [(0, "（窓口なし）")] * current_user.at_least(Role.ADMIN) + [
        (desk.id or 0, f"{desk.name_ja}（{desk.department}）") for desk in desks
    ]
    topics = session.exec(
        select(Topic)
        .where(Topic.organisation_id == current_user.organisation_id)
        .order_by(col(Topic.position))
    ).all()
    form.topics.choices = [(topic.id or 0, topic.name_ja) for topic in topics]
    if item is not None and request.method == "GET":
        form.desk.data = item.desk_id or 0
        form.topics.data = list(
            session.exec(
                select(ProgrammeTopic.topic_id).where(ProgrammeTopic.programme_id == item.id)
            ).all()
        )
        for kind in KINDS:
            getattr(form, f"condition_{kind}").data = item.conditions.get(kind, [])
    return form


@blueprint.route("/programmes/new", methods=["GET", "POST"], defaults={"programme_id": None})
@blueprint.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def programme(programme_id: int | None) -> ResponseReturnValue:
    session = get_session()
    item = _owned(session, Programme, programme_id) if programme_id else None
    current_desk = session.get(Desk, item.desk_id) if item and item.desk_id else None
    may_edit = may_edit_desk(current_desk) if item else current_user.at_least(Role.EDITOR)
    if request.method == "POST" and not may_edit:
        abort(403)
    form = _programme_form(session, item)
    trying = "try" in request.form  # the sample families against the ticked conditions
    if not trying and form.validate_on_submit():
        taken = session.exec(
            select(Programme).where(
                Programme.organisation_id == current_user.organisation_id,
                Programme.slug == form.slug.data,
                col(Programme.id) != (item.id if item else None),
            )
        ).first()
        if taken is not None and (item is None or taken.id != item.id):
            form.slug.errors = ["この識別名はすでに使われています。"]
        else:
            if item is None:
                item = Programme(
                    organisation_id=current_user.organisation_id, slug="", name_ja="", summary_ja=""
                )
            item.desk_id = form.desk.data or None
            save_audited(
                session,
                item,
                form,
                form.FIELDS,
                kind="programme",
                values={"conditions": form.conditions()},
            )
            session.execute(
                delete(ProgrammeTopic).where(col(ProgrammeTopic.programme_id) == item.id)
            )
            session.add_all(
                ProgrammeTopic(programme_id=item.id or 0, topic_id=topic_id)
                for topic_id in dict.fromkeys(form.topics.data or [])
            )
            session.commit()
            flash(f"制度「{item.name_ja}」を保存しました。", "info")
            return redirect(url_for("staff.programmes"), 303)
    return render_template(
        "staff/programme.html",
        organisation=_organisation(session),
        programme=item,
        form=form,
        may_edit=may_edit,
        kinds=KINDS,
        # The five sample families against the conditions as they stand on the form.
        samples={name: fit(form.conditions(), family) for name, family in SAMPLES.items()},
    ), 400 if request.method == "POST" and not trying else 200


@blueprint.get("/catalogue.json")
@role_required(Role.VIEWER)
def export_catalogue_file() -> ResponseReturnValue:
    session = get_session()
    data = export_catalogue(session, current_user.organisation_id)
    slug = _organisation(session).slug
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{slug}-catalogue.json"'},
    )


@blueprint.post("/catalogue")
@role_required(Role.ADMIN)
def import_catalogue_file() -> ResponseReturnValue:
    session = get_session()
    upload = request.files.get("file")
    try:
        data = json.loads(upload.read().decode("utf-8")) if upload else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    try:
        if data is None:
            raise CatalogueError("JSONのファイルを選んでください。")
        result = import_catalogue(session, current_user.organisation_id, data)
    except CatalogueError as error:
        session.rollback()
        flash(f"読み込めませんでした。何も変更していません。{error}", "error")
        return redirect(url_for("staff.programmes"), 303)
    record_audit(
        session,
        staff=current_user,
        action="catalogue.import",
        target=f"organisation:{current_user.organisation_id}",
        after={"desks": result.desks, "programmes": result.programmes},
    )
    session.commit()
    message = f"窓口{result.desks}件、制度{result.programmes}件を読み込みました。"
    if result.unknown_topics:
        unknown = "、".join(sorted(result.unknown_topics))
        message += f" この自治体にないテーマは結び付けていません：{unknown}"
    flash(message, "info")
    return redirect(url_for("staff.programmes"), 303)
