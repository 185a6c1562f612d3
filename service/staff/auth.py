"""Signing in and out, changing one's password, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.security import generate_password_hash

from service import get_session, limiter, login_manager
from service.audit import record_audit
from service.models import Notice, Role, Source, StaffUser, Topic
from service.staff import blueprint
from service.staff.forms import LoginForm, PasswordForm
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
    department: str
    session_epoch: int = 0

    @classmethod
    def of(cls, user: StaffUser) -> SignedInStaff:
        return cls(
            user.id or 0,
            user.organisation_id,
            user.email,
            user.role,
            user.department,
            user.session_epoch,
        )

    def get_id(self) -> str:
        """What the session cookie holds: the user, and the epoch the session belongs to."""
        return f"{self.id}:{self.session_epoch}"

    def at_least(self, role: Role) -> bool:
        return Role(self.role).allows(role)


def role_required(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in, with at least this role; otherwise a 403 page (or the login page)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.at_least(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


Owned = TypeVar("Owned", Notice, Source, StaffUser, Topic)


def own_or_404(model: type[Owned], item_id: int) -> Owned:
    """The row, if it belongs to the signed-in staff user's organisation; else a 404."""
    item = get_session().get(model, item_id)
    if item is None or item.organisation_id != current_user.organisation_id:
        abort(404)
    return item


@login_manager.user_loader
def load_staff(session_id: str) -> SignedInStaff | None:
    """The signed-in staff user, unless they have been stopped or their sessions ended."""
    user_id, _, epoch = session_id.partition(":")
    user = get_session().get(StaffUser, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or user.id is None or epoch != str(user.session_epoch):
        return None
    return SignedInStaff.of(user)


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
        user = authenticate(session, email=form.email.data or "", password=form.password.data or "")
        if user is not None and user.id is not None:
            user.last_login_at = utcnow()
            session.add(user)
            session.commit()
            login_user(SignedInStaff.of(user))
            return redirect(url_for("staff.home"))
        flash("メールアドレスまたはパスワードが正しくありません。", "error")
        return render_template("staff/login.html", form=form), 401
    return render_template("staff/login.html", form=form), 400 if request.method == "POST" else 200


@blueprint.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    session = get_session()
    _end_sessions(session.get_one(StaffUser, current_user.id))
    session.commit()
    logout_user()
    flash("ログアウトしました。", "info")
    return redirect(url_for("staff.login"))


@blueprint.route("/password", methods=["GET", "POST"])
@role_required(Role.VIEWER)
@limiter.limit("10/minute", methods=["POST"])
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate_on_submit():
        session = get_session()
        user = authenticate(session, email=current_user.email, password=form.current.data or "")
        if user is None:
            form.current.errors = ["現在のパスワードが正しくありません。"]
        else:
            user.password_hash = generate_password_hash(form.new.data or "")
            _end_sessions(user)  # a session opened with the old password ends too
            record_audit(session, staff=current_user, action="staff.password", target=user.email)
            session.commit()
            login_user(SignedInStaff.of(user))  # this one goes on, in the new epoch
            flash("パスワードを変更しました。", "info")
            return redirect(url_for("staff.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/password.html", form=form), status
