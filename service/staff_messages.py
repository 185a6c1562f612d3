"""The short emails to a staff member: a notice waits for them (never the notice's words: an
inbox is not the console), a link to set a new password, an account locked after wrong codes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app, render_template
from sqlmodel import Session

from service.channels import RenderedMessage
from service.models import Organisation, StaffMessage, StaffUser
from service.settings import Settings
from service.staff_users import LOCKED_FOR
from service.tokens import Purpose, make_token

SUBJECTS = {
    "submit": "【寄り添う】承認の依頼があります",
    "approve": "【寄り添う】お知らせが承認されました",
    "return": "【寄り添う】お知らせが差し戻されました",
    "reset": "【寄り添う】パスワードの再設定",
    "locked": "【寄り添う】職員のアカウントを一時的にロックしました",
    "counsellor": "【寄り添う】戸籍窓口が相談員を呼んでいます",
}
ABOUT_NOTICES = ("submit", "approve", "return")  # the ones a member may turn off
RESET_VALID_SECONDS = 3600


def tell_staff_member(
    session: Session, staff: StaffUser, kind: str, *, now: datetime, about: StaffUser | None = None
) -> None:
    """A security email to a staff member (reset, locked): sent whatever their settings."""
    session.add(
        StaffMessage(
            staff_user_id=staff.id or 0,
            about_staff_id=about.id if about else None,
            kind=kind,
            created_at=now,
        )
    )


def reset_subject(user: StaffUser) -> str:
    """What a password-reset link carries: the account, and a fingerprint of its password and
    sessions, so that the link stops working once used (or once the password changes)."""
    state = f"{user.password_hash}:{user.session_epoch}".encode()
    return f"{user.id}:{hashlib.sha256(state).hexdigest()[:16]}"


def render_staff_message(
    message: StaffMessage,
    staff: StaffUser,
    organisation: Organisation,
    *,
    about: StaffUser | None = None,
    reason: str = "",
) -> RenderedMessage:
    """`reason`: why a notice was sent back, as the admin wrote it."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    base = settings.public_base_url
    if message.kind == "reset":
        token = make_token(settings.secret_key, Purpose.STAFF_RESET, reset_subject(staff))
        url = f"{base}/staff/password/reset/{token}"
    elif message.kind == "locked":
        url = f"{base}/staff/staff-users"
    elif message.kind == "counsellor":
        url = f"{base}/staff/calls"
    else:
        url = f"{base}/staff/notices/{message.notice_id}"
    context = {
        "kind": message.kind,
        "organisation": organisation,
        "url": url,
        "about": about.email if about else "",
        "reason": reason,
        "minutes": RESET_VALID_SECONDS // 60,
        "locked_minutes": int(LOCKED_FOR.total_seconds()) // 60,
        "settings_url": f"{base}/staff/password" if message.kind in ABOUT_NOTICES else "",
    }
    return RenderedMessage(
        subject=SUBJECTS[message.kind],
        text=render_template("email/staff_message.txt", **context),
        html=render_template("email/staff_message.html", **context),
        sender_email=settings.mail_from or organisation.sender_email,
        sender_name=f"寄り添う（{organisation.name}）",
        categories=("staff",),
    )
