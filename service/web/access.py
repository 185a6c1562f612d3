"""Who is signed in to the console and what they may do: the signed-in staff member (loaded
from the session cookie), role checks and a city's own rows. The sign-in views themselves are
the console's (service.staff.auth)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import abort, flash, redirect, url_for
from flask_login import UserMixin, current_user, login_required
from sqlmodel import Session, col, select

from service import get_session, get_settings
from service.extensions import login_manager
from service.models import Role, StaffUser
from service.support.models import Desk

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
    return get_settings().two_factor_missing(staff.role, staff.two_factor)


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


class _OfACity(Protocol):
    organisation_id: int


Owned = TypeVar("Owned", bound=_OfACity)


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


def may_edit_desk(desk: Desk | None) -> bool:
    """What belongs to a desk (its programmes, answers, templates): admins edit all, an editor
    those of their own department's desks."""
    if current_user.at_least(Role.ADMIN):
        return True
    return (
        desk is not None
        and current_user.at_least(Role.EDITOR)
        and bool(current_user.department)
        and desk.department == current_user.department
    )


def city_desks(session: Session, *, active_only: bool = False) -> list[Desk]:
    """The signed-in staff member's city's desks, in their order."""
    query = select(Desk).where(Desk.organisation_id == current_user.organisation_id)
    if active_only:
        query = query.where(col(Desk.active))
    return list(session.exec(query.order_by(col(Desk.position), col(Desk.id))).all())
