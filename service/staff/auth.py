"""Signing in and out, changing one's password, and who may do what."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from time import time
from typing import Any, TypeVar

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from sqlmodel import select
from werkzeug.security import generate_password_hash

from service import get_session, get_settings
from service.addresses import mask_address
from service.audit import record_audit
from service.extensions import limiter, login_manager
from service.models import Notice, Role, Source, StaffUser, Topic
from service.staff import blueprint
from service.staff.forms import LoginForm, PasswordForm
from service.staff_users import authenticate
from service.types import utcnow

log = logging.getLogger(__name__)
PENDING = "staff_awaiting_code"  # in the session between the password and the code

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
    two_factor: bool = False

    @classmethod
    def of(cls, user: StaffUser) -> SignedInStaff:
        return cls(
            user.id or 0,
            user.organisation_id,
            user.email,
            user.role,
            user.department,
            user.session_epoch,
            user.totp_secret is not None,
        )

    def get_id(self) -> str:
        """What the session cookie holds: the user, and the epoch the session belongs to."""
        return f"{self.id}:{self.session_epoch}"

    def at_least(self, role: Role) -> bool:
        return Role(self.role).allows(role)


def needs_two_factor(staff: SignedInStaff) -> bool:
    """An admin without two-step sign-in, where the city's policy requires it."""
    return get_settings().require_admin_2fa and staff.role == Role.ADMIN and not staff.two_factor


def role_required(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in, with at least this role; otherwise a 403 page (or the login page)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if needs_two_factor(current_user):
                flash(
                    "管理者は二段階認証を設定してください。設定するまで、ほかの画面は使えません。",
                    "error",
                )
                return redirect(url_for("staff.two_factor"))
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
        email = form.email.data or ""
        user = authenticate(session, email=email, password=form.password.data or "")
        if user is not None and user.id is not None and user.totp_secret:
            # The password was right; the code from the app comes next (staff.login_code).
            flask_session.clear()
            flask_session[PENDING] = {"id": user.id, "epoch": user.session_epoch, "at": time()}
            return redirect(url_for("staff.login_code"))
        if user is not None and user.id is not None:
            return sign_in(user)
        record_failure(email)
        flash("メールアドレスまたはパスワードが正しくありません。", "error")
        return render_template("staff/login.html", form=form), 401
    return render_template("staff/login.html", form=form), 400 if request.method == "POST" else 200


def sign_in(user: StaffUser) -> ResponseReturnValue:
    """The password (and the code, for two-step sign-in) were right: a session begins."""
    session = get_session()
    user.last_login_at = utcnow()
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
    """A wrong password for a staff member goes into their city's audit log (and a line in the
    server's log, with the address masked, for an address nobody has)."""
    session = get_session()
    query = select(StaffUser).where(StaffUser.email == email.strip().lower())
    user = session.exec(query).first()
    if user is None:
        log.info("staff sign-in failed for an unknown address %s", mask_address(email))
        return
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
@role_required(Role.VIEWER)
@limiter.limit("10/minute", methods=["POST"])
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    form.personal = current_user.email
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
