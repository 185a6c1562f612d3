"""Topics and counters (sources): what parents can choose, and where the QR codes stand."""

from __future__ import annotations

import base64

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service import get_session, get_settings
from service.audit import record_audit
from service.models import (
    Organisation,
    Role,
    Source,
    StaffUser,
    Subscriber,
    Subscription,
    Topic,
)
from service.qr import qr_svg
from service.staff.forms import OrganisationForm, SourceForm, StaffForm, TopicForm
from service.staff_users import StaffUserError, create_staff_user, reset_two_factor
from service.subscribers import registered_by_counter
from service.tokens import short_code
from service.types import utcnow
from service.web.access import own_or_404, role_required
from service.web.console import blueprint
from service.web.forms import save_audited


def _subscribers_by_topic(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(col(Subscription.topic_id), func.count())
        .join(Subscriber, col(Subscriber.id) == Subscription.subscriber_id)
        .where(
            Subscriber.organisation_id == current_user.organisation_id,
            col(Subscriber.confirmed_at).is_not(None),
            col(Subscriber.unsubscribed_at).is_(None),
        )
        .group_by(col(Subscription.topic_id))
    ).all()
    return dict(rows)  # type: ignore[arg-type]


@blueprint.route("/topics", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def topics() -> ResponseReturnValue:
    session = get_session()
    form = TopicForm()
    if request.method == "POST":
        if not current_user.at_least(Role.ADMIN):
            abort(403)
        if form.validate_on_submit():
            exists = session.exec(
                select(Topic).where(
                    Topic.organisation_id == current_user.organisation_id,
                    Topic.slug == form.slug.data,
                )
            ).first()
            if exists:
                form.slug.errors = ["この識別名はすでに使われています。"]
            else:
                count = len(
                    session.exec(
                        select(Topic.id).where(
                            Topic.organisation_id == current_user.organisation_id
                        )
                    ).all()
                )
                topic = Topic(
                    organisation_id=current_user.organisation_id,
                    position=count,
                    slug="",
                    name_ja="",
                    name_en="",
                )
                for name in TopicForm.FIELDS:
                    setattr(topic, name, getattr(form, name).data or "")
                session.add(topic)
                session.flush()
                record_audit(
                    session,
                    staff=current_user,
                    action="topic.create",
                    target=f"topic:{topic.id}",
                    after=form.data_for_audit(),
                )
                session.commit()
                flash(f"テーマ「{topic.name_ja}」を作りました。", "info")
                return redirect(url_for("staff.topics"), code=303)
    rows = session.exec(
        select(Topic)
        .where(Topic.organisation_id == current_user.organisation_id)
        .order_by(col(Topic.position), col(Topic.id))
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "staff/topics.html", topics=rows, form=form, counts=_subscribers_by_topic(session)
    ), status


@blueprint.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def topic(topic_id: int) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Topic, topic_id)
    form = TopicForm(obj=item)
    if form.validate_on_submit():
        # Links and reports use the slug: it stays.
        fields = [name for name in TopicForm.FIELDS if name != "slug"]
        save_audited(session, item, form, fields, kind="topic")
        session.commit()
        flash("テーマを保存しました。", "info")
        return redirect(url_for("staff.topics"), code=303)
    affected = _subscribers_by_topic(session).get(item.id or 0, 0)
    return render_template("staff/topic.html", topic=item, form=form, affected=affected)


@blueprint.post("/topics/<int:topic_id>/<any(up, down, retire, restore):action>")
@role_required(Role.ADMIN)
def topic_action(topic_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    item = own_or_404(Topic, topic_id)
    if action in ("up", "down"):
        ordered = list(
            session.exec(
                select(Topic)
                .where(Topic.organisation_id == current_user.organisation_id)
                .order_by(col(Topic.position), col(Topic.id))
            )
        )
        index = ordered.index(item)
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, topic_row in enumerate(ordered):
            topic_row.position = position
            session.add(topic_row)
    else:
        # Retiring keeps every subscription: the topic just leaves the forms and the fan-out.
        item.active = action == "restore"
        session.add(item)
        flash(
            "テーマを停止しました。登録はそのまま残ります。"
            if action == "retire"
            else "テーマを再開しました。",
            "info",
        )
    record_audit(session, staff=current_user, action=f"topic.{action}", target=f"topic:{item.id}")
    session.commit()
    return redirect(url_for("staff.topics"), code=303)


@blueprint.route("/sources", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def sources() -> ResponseReturnValue:
    session = get_session()
    form = SourceForm()
    if request.method == "POST":
        if not current_user.at_least(Role.ADMIN):
            abort(403)
        if form.validate_on_submit():
            source = Source(
                organisation_id=current_user.organisation_id,
                name=form.name.data,
                code=short_code(),  # read aloud or typed: no 0/O or 1/I to mistake
            )
            session.add(source)
            session.flush()
            record_audit(
                session,
                staff=current_user,
                action="source.create",
                target=f"source:{source.id}",
                after={"name": source.name, "code": source.code},
            )
            session.commit()
            flash(f"設置場所「{source.name}」を作りました。", "info")
            return redirect(url_for("staff.sources"), code=303)
    rows = session.exec(
        select(Source)
        .where(Source.organisation_id == current_user.organisation_id)
        .order_by(col(Source.id))
    ).all()
    subscribed = registered_by_counter(session, current_user.organisation_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "staff/sources.html",
        sources=rows,
        form=form,
        subscribed=subscribed,
        base_url=get_settings().public_base_url,
    ), status


@blueprint.get("/sources/<int:source_id>/<any(poster, card):layout>")
@role_required(Role.VIEWER)
def source_print(source_id: int, layout: str) -> ResponseReturnValue:
    source = own_or_404(Source, source_id)
    settings = get_settings()
    organisation = get_session().get_one(Organisation, source.organisation_id)
    sender = settings.mail_from or organisation.sender_email
    mail_to = mail_qr = ""
    if organisation.registration_address:  # 空メール登録: the counter rides in the address
        name, _, domain = organisation.registration_address.rpartition("@")
        mail_to = f"{name}+{source.code}@{domain}"
        mail_qr = (
            "data:image/svg+xml;base64," + base64.b64encode(qr_svg(f"mailto:{mail_to}")).decode()
        )
    return render_template(
        f"staff/{layout}.html",
        organisation=organisation,
        source=source,
        url=f"{settings.public_base_url}/s/{source.code}",
        sender_domain=sender.rpartition("@")[2],
        mail_to=mail_to,
        mail_qr=mail_qr,
    )


ADDRESS_TAKEN = (
    "このアドレスは、ほかの自治体の空メール登録に使われています。空メールがどの自治体あてか"
    "分からなくなるため、自治体ごとに別のアドレスにしてください。"
)


def _registration_address_free(
    session: Session, form: OrganisationForm, organisation: Organisation
) -> bool:
    """Each city's 空メール address is its own: mail to it registers parents with that city."""
    address = form.registration_address.data
    if not address:
        return True
    taken = session.exec(
        select(Organisation.id).where(
            Organisation.registration_address == address, Organisation.id != organisation.id
        )
    ).first()
    if taken is not None:
        form.registration_address.errors = [ADDRESS_TAKEN]
    return taken is None


@blueprint.route("/organisation", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation_settings() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit() and _registration_address_free(session, form, organisation):
        save_audited(session, organisation, form, OrganisationForm.FIELDS, kind="organisation")
        try:
            session.commit()
        except IntegrityError:  # another city took the address a moment ago
            session.rollback()
            form.registration_address.errors = [ADDRESS_TAKEN]
        else:
            flash("自治体の設定を保存しました。", "info")
            return redirect(url_for("staff.organisation_settings"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/organisation.html", form=form), status


@blueprint.route("/staff-users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def staff_users() -> ResponseReturnValue:
    session = get_session()
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user = create_staff_user(
                session,
                organisation_id=current_user.organisation_id,
                email=form.email.data or "",
                password=form.password.data or "",
                role=Role(form.role.data),
                department=form.department.data or "",
            )
        except StaffUserError:
            form.email.errors = ["このメールアドレスの職員はすでに登録されています。"]
        else:
            record_audit(
                session,
                staff=current_user,
                action="staff.create",
                target=f"staff:{user.id}",
                after={"email": user.email, "role": user.role, "department": user.department},
            )
            session.commit()
            flash(f"{user.email} を登録しました。最初のパスワードを本人に伝えてください。", "info")
            return redirect(url_for("staff.staff_users"), code=303)
    users = session.exec(
        select(StaffUser)
        .where(StaffUser.organisation_id == current_user.organisation_id)
        .order_by(col(StaffUser.id))
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template("staff/staff_users.html", users=users, form=form, now=utcnow()), status


@blueprint.post("/staff-users/<int:user_id>/<any(deactivate, activate, unlock, reset_2fa):action>")
@role_required(Role.ADMIN)
def staff_user_action(user_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    user = own_or_404(StaffUser, user_id)
    if user.id == current_user.id:
        flash("自分自身には、この操作はできません。", "error")
        return redirect(url_for("staff.staff_users"), code=303)
    if action == "unlock":
        user.code_failures, user.locked_until = 0, None
        flash(f"{user.email} のロックを解除しました。", "info")
    elif action == "reset_2fa":
        reset_two_factor(user)
        flash(
            f"{user.email} の二段階認証をリセットしました。"
            "次のログインのあとで設定し直してもらってください。",
            "info",
        )
    else:
        user.active = action == "activate"
    session.add(user)
    record_audit(session, staff=current_user, action=f"staff.{action}", target=f"staff:{user.id}")
    session.commit()
    return redirect(url_for("staff.staff_users"), code=303)
