"""Bringing an existing list in from the console (admins): upload a CSV, see what the dry run
finds and map the old system's topic names, then import. The worker does the import, so a
long list never hangs on a web request; the page follows it until it is done."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlmodel import col, select

from service import get_session
from service.importing import COLUMNS, import_subscribers, read_csv
from service.models import ImportStatus, Organisation, Role, SubscriberImport, Topic
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint
from service.web.forms import Form


class UploadForm(Form):
    file = FileField("登録者の一覧（CSV）", validators=[FileRequired("ファイルを選んでください。")])


def _own_upload(upload_id: int) -> SubscriberImport:
    upload = get_session().get(SubscriberImport, upload_id)
    if upload is None or upload.organisation_id != current_user.organisation_id:
        abort(404)
    return upload


def _topics() -> list[Topic]:
    return list(
        get_session()
        .exec(
            select(Topic)
            .where(Topic.organisation_id == current_user.organisation_id)
            .order_by(col(Topic.position), col(Topic.id))
        )
        .all()
    )


@blueprint.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_list() -> ResponseReturnValue:
    session = get_session()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            read_csv(data)
        except ValueError as error:
            form.file.errors = [str(error)]
        else:
            staged = SubscriberImport(
                organisation_id=current_user.organisation_id,
                staff_user_id=current_user.id,
                filename=(upload.filename or "")[:200],
                data=data,
            )
            session.add(staged)
            session.commit()
            return redirect(url_for("staff.import_preview", upload_id=staged.id), 303)
    history = session.exec(
        select(SubscriberImport)
        .where(
            SubscriberImport.organisation_id == current_user.organisation_id,
            col(SubscriberImport.status) != ImportStatus.PREVIEW,
        )
        .order_by(col(SubscriberImport.id).desc())
        .limit(20)
    ).all()
    status = 400 if form.errors else 200
    return render_template(
        "staff/import.html", form=form, history=history, columns=COLUMNS, topics=_topics()
    ), status


@blueprint.route("/import/<int:upload_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_preview(upload_id: int) -> ResponseReturnValue:
    session = get_session()
    upload = _own_upload(upload_id)
    topics = _topics()
    if request.method == "POST" and upload.status == ImportStatus.PREVIEW:
        if request.form.get("action") == "discard":
            session.delete(upload)
            session.commit()
            flash("取り込みをやめ、ファイルを消しました。", "info")
            return redirect(url_for("staff.import_list"), 303)
        slugs = {topic.slug for topic in topics}
        upload.mapping = {
            old: slug
            for key, slug in request.form.items(multi=True)
            if key.startswith("map:") and (old := key[4:]) and (slug in slugs or not slug)
        }
        if request.form.get("action") == "import":
            upload.status = ImportStatus.QUEUED
            flash("取り込みを始めました。終わるとこの画面に結果が出ます。", "info")
        session.add(upload)
        session.commit()
        return redirect(url_for("staff.import_preview", upload_id=upload.id), 303)
    report = None
    if upload.status == ImportStatus.PREVIEW:
        organisation = session.get_one(Organisation, upload.organisation_id)
        found = import_subscribers(
            session, organisation, read_csv(upload.data), mapping=upload.mapping, now=utcnow()
        )
        report = found.counts()
    return render_template(
        "staff/import_preview.html",
        upload=upload,
        report=report or upload.report,
        topics=topics,
        working=upload.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
    )
