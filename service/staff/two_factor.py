"""Two-step sign-in for staff: a six-digit code from an authenticator app after the password.
Optional for everyone; required for admins where REQUIRE_ADMIN_2FA says so."""

from __future__ import annotations

import base64
from datetime import datetime
from time import time

from flask import flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlmodel import col, select

from service import get_session, get_settings
from service.audit import record_audit
from service.extensions import limiter
from service.models import Organisation, Role, StaffUser
from service.qr import qr_svg
from service.staff.auth import CODE_WAIT, LOCKED, PENDING, sign_in, start_session
from service.staff_messages import tell_staff_member
from service.staff_users import (
    code_step,
    count_wrong_code,
    locked,
    new_recovery_codes,
    new_totp_secret,
    totp_uri,
    use_recovery_code,
)
from service.types import utcnow
from service.web.access import SignedInStaff
from service.web.console import blueprint
from service.web.forms import Form

SETUP = "totp_setup_secret"  # in the session while the app is being set up


@blueprint.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login_code() -> ResponseReturnValue:
    pending = flask_session.get(PENDING) or {}
    session = get_session()
    user = session.get(StaffUser, pending.get("id", 0))
    if (
        user is None
        or not user.active
        or not user.totp_secret
        or pending.get("epoch") != user.session_epoch
        or time() - pending.get("at", 0) > CODE_WAIT
    ):
        flash("もう一度、メールアドレスとパスワードから入力してください。", "error")
        return redirect(url_for("staff.login"))
    form = Form()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/login_code.html", form=form), status
    session.refresh(user, with_for_update=True)  # one use of a code, however many arrive at once
    now = utcnow()
    if locked(user, now):
        return _locked_out()
    typed = request.form.get("code", "")
    step = code_step(user.totp_secret or "", typed, after=user.totp_last_step, now=time())
    if step is not None:
        user.totp_last_step = step
        return sign_in(user)
    if use_recovery_code(user, typed):
        record_audit(
            session, staff=SignedInStaff.of(user), action="staff.recovery_code", target=_of(user)
        )
        signed_in = sign_in(user)  # a new session: the word below goes into it
        flash(
            f"復旧用コードでログインしました（残り{len(user.recovery_codes)}個）。"
            "二段階認証の画面で、新しいスマートフォンの認証アプリを設定してください。",
            "info",
        )
        return signed_in
    _wrong_code(user, now)
    if locked(user, now):
        return _locked_out()
    flash(
        "確認コードが正しくありません。アプリに表示されている最新のコードを入力してください。",
        "error",
    )
    return render_template("staff/login_code.html", form=form), 401


def _wrong_code(user: StaffUser, now: datetime) -> None:
    """Counted on the account; the one that locks it tells the city's admins."""
    session = get_session()
    staff = SignedInStaff.of(user)
    record_audit(session, staff=staff, action="staff.code_failed", target=_of(user))
    if count_wrong_code(session, user, now):
        record_audit(session, staff=staff, action="staff.locked", target=_of(user))
        admins = select(StaffUser).where(
            StaffUser.organisation_id == user.organisation_id,
            StaffUser.role == Role.ADMIN,
            col(StaffUser.active),
        )
        for admin in session.exec(admins):
            tell_staff_member(session, admin, "locked", now=now, about=user)
    session.commit()


def _locked_out() -> ResponseReturnValue:
    get_session().rollback()
    flask_session.clear()
    flash(LOCKED, "error")
    return redirect(url_for("staff.login"))


def _of(user: StaffUser) -> str:
    return f"staff:{user.id}"


@blueprint.route("/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit("10/minute", methods=["POST"])
def two_factor() -> ResponseReturnValue:
    session = get_session()
    user = session.get_one(StaffUser, current_user.id)
    form = Form()
    if form.validate_on_submit():
        code = request.form.get("code", "")
        if user.totp_secret is None:  # turning it on: the code proves the app has the secret
            secret = flask_session.get(SETUP, "")
            step = code_step(secret, code, after=0, now=time()) if secret else None
            if step is not None:
                return _turn_on(user, secret, step)
        else:
            step = code_step(user.totp_secret, code, after=user.totp_last_step, now=time())
            action = request.form.get("action")
            if step is not None and action == "recovery":
                user.totp_last_step = step
                return _recovery_codes(user, "staff.recovery_codes")
            if step is not None and action == "off" and not _required(user):
                return _turn_off(user)
        flash(
            "確認コードが正しくありません。アプリに表示されている最新のコードを入力してください。",
            "error",
        )
    status = 400 if request.method == "POST" else 200
    if user.totp_secret is not None:
        return render_template(
            "staff/two_factor.html", form=form, enabled=True, required=_required(user)
        ), status
    secret = flask_session.setdefault(SETUP, new_totp_secret())
    organisation = session.get_one(Organisation, user.organisation_id)
    uri = totp_uri(secret, email=user.email, issuer=f"寄り添う（{organisation.name}）")
    return render_template(
        "staff/two_factor.html",
        form=form,
        enabled=False,
        required=_required(user),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr="data:image/svg+xml;base64," + base64.b64encode(qr_svg(uri)).decode(),
    ), status


def _required(user: StaffUser) -> bool:
    return get_settings().two_factor_missing(user.role, False)


def _turn_on(user: StaffUser, secret: str, step: int) -> ResponseReturnValue:
    user.totp_secret, user.totp_last_step = secret, step
    user.session_epoch += 1  # sessions opened without it end; this one goes on
    return _recovery_codes(
        user,
        "staff.2fa_on",
        "二段階認証を設定しました。次回から、パスワードのあとに確認コードを入力します。",
    )


def _recovery_codes(user: StaffUser, action: str, done: str = "") -> ResponseReturnValue:
    """New one-time codes for the day the phone is lost, shown this once."""
    session = get_session()
    codes = new_recovery_codes(user)
    session.add(user)
    record_audit(session, staff=current_user, action=action, target=_of(user))
    session.commit()
    start_session(SignedInStaff.of(user))  # the setup's secret goes with the old session
    if done:
        flash(done, "info")
    return render_template("staff/recovery_codes.html", codes=codes)


def _turn_off(user: StaffUser) -> ResponseReturnValue:
    session = get_session()
    user.totp_secret, user.totp_last_step, user.recovery_codes = None, 0, []
    session.add(user)
    record_audit(session, staff=current_user, action="staff.2fa_off", target=f"staff:{user.id}")
    session.commit()
    start_session(SignedInStaff.of(user))
    flash("二段階認証をやめました。", "info")
    return redirect(url_for("staff.two_factor"))
