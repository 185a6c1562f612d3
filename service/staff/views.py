"""The staff console. Every query is scoped to the signed-in staff user's organisation."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from sqlmodel import col, func, select

from service import get_session, get_settings, limiter, login_manager
from service.models import Notice, Organisation, Source, StaffUser, Subscriber, Topic
from service.qr import qr_png, qr_svg
from service.staff import blueprint
from service.staff.forms import LoginForm
from service.staff_users import authenticate
from service.types import utcnow

login_manager.login_view = "staff.login"
login_manager.login_message = "ログインしてください。"
login_manager.session_protection = "strong"


@dataclass(frozen=True)
class SignedInStaff(UserMixin):
    id: int
    organisation_id: int
    email: str
    role: str


@login_manager.user_loader
def load_staff(user_id: str) -> SignedInStaff | None:
    user = get_session().get(StaffUser, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or user.id is None:
        return None
    return SignedInStaff(user.id, user.organisation_id, user.email, user.role)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = authenticate(session, email=form.email.data or "", password=form.password.data or "")
        if user is not None and user.id is not None:
            user.last_login_at = utcnow()
            session.add(user)
            session.commit()
            login_user(SignedInStaff(user.id, user.organisation_id, user.email, user.role))
            return redirect(url_for("staff.home"))
        flash("メールアドレスまたはパスワードが正しくありません。", "error")
        return render_template("staff/login.html", form=form), 401
    return render_template("staff/login.html", form=form), 400 if request.method == "POST" else 200


@blueprint.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    flash("ログアウトしました。", "info")
    return redirect(url_for("staff.login"))


@blueprint.get("/")
@login_required
def home() -> ResponseReturnValue:
    session = get_session()
    organisation_id = current_user.organisation_id
    organisation = session.get_one(Organisation, organisation_id)
    sources = session.exec(
        select(Source).where(Source.organisation_id == organisation_id).order_by(col(Source.id))
    ).all()
    confirmed = (
        select(Subscriber.source_id, func.count())
        .where(
            Subscriber.organisation_id == organisation_id,
            col(Subscriber.confirmed_at).is_not(None),
            col(Subscriber.unsubscribed_at).is_(None),
        )
        .group_by(col(Subscriber.source_id))
    )
    counts = dict(session.execute(confirmed).all())
    topics = session.exec(
        select(Topic)
        .where(Topic.organisation_id == organisation_id)
        .order_by(col(Topic.position), col(Topic.id))
    ).all()
    notices = session.exec(
        select(Notice).where(Notice.organisation_id == organisation_id).order_by(col(Notice.id))
    ).all()
    return render_template(
        "staff/home.html",
        organisation=organisation,
        sources=sources,
        counts=counts,
        topics=topics,
        notices=notices,
        base_url=get_settings().public_base_url,
    )


def _own_source(source_id: int) -> Source:
    source = get_session().get(Source, source_id)
    if source is None or source.organisation_id != current_user.organisation_id:
        abort(404)
    return source


def _landing_url(source: Source) -> str:
    return f"{get_settings().public_base_url}/s/{source.code}"


QR_FORMATS = {"png": (qr_png, "image/png"), "svg": (qr_svg, "image/svg+xml")}


@blueprint.get("/sources/<int:source_id>/qr.<any(png, svg):fmt>")
@login_required
def source_qr(source_id: int, fmt: str) -> Response:
    source = _own_source(source_id)
    render, mimetype = QR_FORMATS[fmt]
    return Response(
        render(_landing_url(source)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="yorisou-qr-{source.code}.{fmt}"'},
    )
