"""A forgotten password: a link by email to the address of the account, an hour to use it,
once. Two-step sign-in still asks for its code afterwards."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func
from sqlmodel import col, select
from werkzeug.security import generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo

from service import get_session, get_settings
from service.audit import record_audit
from service.extensions import limiter
from service.models import StaffMessage, StaffUser
from service.staff.forms import strong_password, tidy_email
from service.staff_messages import RESET_VALID_SECONDS, reset_subject, tell_staff_member
from service.staff_users import accounts_of
from service.tokens import Purpose, TokenExpired, TokenInvalid, read_token
from service.types import utcnow
from service.web.access import SignedInStaff
from service.web.console import blueprint
from service.web.forms import Form

RESETS_PER_DAY = 3  # emails to one account a day, however often the form is sent


class ForgotForm(Form):
    email = EmailField("メールアドレス", filters=[tidy_email], validators=[DataRequired()])


class ResetForm(Form):
    personal = ""  # the staff member's email, set by the view

    new = PasswordField("新しいパスワード", validators=[DataRequired(), strong_password])
    repeat = PasswordField(
        "新しいパスワード（確認）",
        validators=[EqualTo("new", message="新しいパスワードが一致しません。")],
    )


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/minute;20/day", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotForm()
    if form.validate_on_submit():
        session = get_session()
        now = utcnow()
        for user in accounts_of(session, form.email.data or ""):
            if user.active and _resets_today(user) < RESETS_PER_DAY:
                tell_staff_member(session, user, "reset", now=now)
        session.commit()
        # The same answer whether or not the address is staff anywhere.
        return render_template("staff/password_forgot.html", form=form, sent=True)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/password_forgot.html", form=form, sent=False), status


def _resets_today(user: StaffUser) -> int:
    return (
        get_session()
        .exec(
            select(func.count()).where(
                StaffMessage.staff_user_id == user.id,
                StaffMessage.kind == "reset",
                col(StaffMessage.created_at) > utcnow() - timedelta(days=1),
            )
        )
        .one()
    )


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    session = get_session()
    user = _account_of(token)
    if user is None:
        flash(
            "このリンクは使えません（1時間を過ぎたか、使用済みです）。もう一度お試しください。",
            "error",
        )
        return redirect(url_for("staff.forgot_password"))
    form = ResetForm()
    form.personal = user.email
    if form.validate_on_submit():
        user.password_hash = generate_password_hash(form.new.data or "")
        user.session_epoch += 1  # every session, and this link, ends
        session.add(user)
        record_audit(
            session, staff=SignedInStaff.of(user), action="staff.password_reset", target=user.email
        )
        session.commit()
        flash("新しいパスワードを設定しました。ログインしてください。", "info")
        return redirect(url_for("staff.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/password_reset.html", form=form), status


def _account_of(token: str) -> StaffUser | None:
    try:
        subject = read_token(
            get_settings().secret_key, Purpose.STAFF_RESET, token, max_age=RESET_VALID_SECONDS
        )
    except (TokenExpired, TokenInvalid):
        return None
    user_id = subject.partition(":")[0]
    user = get_session().get(StaffUser, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or reset_subject(user) != subject:
        return None
    return user
