"""Signing in and out, changing one's password, and who may do what."""

from __future__ import annotations

import logging
from time import time

from flask import flash, g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import generate_password_hash

from service import get_session
from service.addresses import mask_address
from service.audit import record_audit
from service.extensions import limiter
from service.models import Organisation, Role, StaffUser
from service.staff.forms import LoginForm, PasswordForm
from service.staff_users import accounts_of, authenticate, locked, password_matches
from service.types import utcnow
from service.web.access import SignedInStaff, role_required
from service.web.console import blueprint
from service.web.forms import Form

log = logging.getLogger(__name__)
PENDING = "staff_awaiting_code"  # in the session between the password and the code
CHOOSING = "staff_choosing_city"  # in the session between the password and the city
CODE_WAIT = 300  # seconds from the password to the code (or the city)
LOCKED = (
    "確認コードの誤りが続いたため、このアカウントは一時的にロックされています。"
    "しばらくしてから、もう一度ログインしてください。急ぐときは、管理者に解除を頼んでください。"
)


def _end_sessions(user: StaffUser) -> None:
    """Every session of this user, on every device, ends now."""
    user.session_epoch += 1
    get_session().add(user)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        email = form.email.data or ""
        accounts = authenticate(session, email=email, password=form.password.data or "")
        if len(accounts) == 1:
            return password_right(accounts[0])
        if accounts:  # staff of several cities, with one password: which one now?
            flask_session.clear()
            flask_session[CHOOSING] = {"ids": [user.id for user in accounts], "at": time()}
            return redirect(url_for("staff.login_city"))
        record_failure(email)
        flash("メールアドレスまたはパスワードが正しくありません。", "error")
        return render_template("staff/login.html", form=form), 401
    return render_template("staff/login.html", form=form), 400 if request.method == "POST" else 200


@blueprint.route("/login/city", methods=["GET", "POST"])
def login_city() -> ResponseReturnValue:
    """After the password, for a person who is staff of several cities: the city to work in."""
    choosing = flask_session.get(CHOOSING) or {}
    ids = [int(i) for i in choosing.get("ids", [])]
    if not ids or time() - choosing.get("at", 0) > CODE_WAIT:
        flash("もう一度、メールアドレスとパスワードから入力してください。", "error")
        return redirect(url_for("staff.login"))
    session = get_session()
    accounts = [session.get_one(StaffUser, i) for i in ids]
    form = Form()
    if form.validate_on_submit():
        chosen = next((a for a in accounts if str(a.id) == request.form.get("account")), None)
        if chosen is not None and chosen.active:
            return password_right(chosen)
    cities = [(a.id, session.get_one(Organisation, a.organisation_id).name) for a in accounts]
    status = 400 if request.method == "POST" else 200
    return render_template("staff/login_city.html", form=form, cities=cities), status


def password_right(user: StaffUser) -> ResponseReturnValue:
    """The password was right: the code from the app comes next (staff.login_code) for an
    account with two-step sign-in, else a session begins; nothing while the account is locked."""
    if locked(user, utcnow()):
        flask_session.clear()
        flash(LOCKED, "error")
        return render_template("staff/login.html", form=LoginForm(formdata=None)), 423
    if user.totp_secret:
        flask_session.clear()
        flask_session[PENDING] = {"id": user.id, "epoch": user.session_epoch, "at": time()}
        return redirect(url_for("staff.login_code"))
    return sign_in(user)


def sign_in(user: StaffUser) -> ResponseReturnValue:
    """The password (and the code, for two-step sign-in) were right: a session begins."""
    session = get_session()
    user.last_login_at = utcnow()
    user.code_failures = 0
    session.add(user)
    signed_in = SignedInStaff.of(user)
    record_audit(session, staff=signed_in, action="staff.login", target=f"staff:{user.id}")
    session.commit()
    start_session(signed_in)
    return redirect(url_for("staff.home"))


def start_session(user: SignedInStaff) -> None:
    """A new session: nothing of the one before it (its form tokens included) carries over,
    so a page or a token planted before sign-in is worth nothing after it."""
    flask_session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's token of this request, made from the old session
    login_user(user)


def record_failure(email: str) -> None:
    """A wrong password for a staff address goes into the audit log of each city it is staff
    of (and a line in the server's log, with the address masked, for an address nobody has)."""
    session = get_session()
    accounts = accounts_of(session, email)
    if not accounts:
        log.info("staff sign-in failed for an unknown address %s", mask_address(email))
        return
    for user in accounts:
        record_audit(
            session,
            staff=SignedInStaff.of(user),
            action="staff.login_failed",
            target=f"staff:{user.id}",
        )
    session.commit()


@blueprint.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    session = get_session()
    _end_sessions(session.get_one(StaffUser, current_user.id))
    record_audit(
        session, staff=current_user, action="staff.logout", target=f"staff:{current_user.id}"
    )
    session.commit()
    logout_user()
    flask_session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("staff.login"))


@blueprint.route("/password", methods=["GET", "POST"])
@role_required(Role.COUNTER)
@limiter.limit("10/minute", methods=["POST"])
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    form.personal = current_user.email
    if form.validate_on_submit():
        session = get_session()
        user = session.get_one(StaffUser, current_user.id)
        if not password_matches(user, form.current.data or ""):
            form.current.errors = ["現在のパスワードが正しくありません。"]
        else:
            user.password_hash = generate_password_hash(form.new.data or "")
            _end_sessions(user)  # a session opened with the old password ends too
            record_audit(session, staff=current_user, action="staff.password", target=user.email)
            session.commit()
            start_session(SignedInStaff.of(user))  # this one goes on, in the new epoch
            flash("パスワードを変更しました。", "info")
            return redirect(url_for("staff.home"))
    status = 400 if request.method == "POST" else 200
    user = get_session().get_one(StaffUser, current_user.id)
    return render_template(
        "staff/password.html", form=form, notify_by_email=user.notify_by_email
    ), status


@blueprint.post("/notifications")
@role_required(Role.VIEWER)
def notification_settings() -> ResponseReturnValue:
    """Whether the signed-in staff member gets emails about notices waiting for them."""
    session = get_session()
    user = session.get_one(StaffUser, current_user.id)
    wanted = request.form.get("notify_by_email") == "y"
    if wanted != user.notify_by_email:
        record_audit(
            session,
            staff=current_user,
            action="staff.notifications",
            target=f"staff:{user.id}",
            before={"notify_by_email": user.notify_by_email},
            after={"notify_by_email": wanted},
        )
        user.notify_by_email = wanted
        session.add(user)
        session.commit()
    flash("メールで受け取る設定を保存しました。", "info")
    return redirect(url_for("staff.change_password"), 303)
