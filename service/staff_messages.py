"""The short email that tells a staff member a notice waits for them: what to do and the link,
never the notice's words (an inbox is not the console)."""

from __future__ import annotations

from flask import current_app, render_template

from service.channels import RenderedMessage
from service.models import Notice, Organisation, StaffMessage
from service.settings import Settings

SUBJECTS = {
    "submit": "【寄り添う】承認の依頼があります",
    "approve": "【寄り添う】お知らせが承認されました",
    "return": "【寄り添う】お知らせが差し戻されました",
}


def render_staff_message(
    message: StaffMessage, notice: Notice, organisation: Organisation
) -> RenderedMessage:
    settings: Settings = current_app.extensions["yorisou.settings"]
    context = {
        "kind": message.kind,
        "organisation": organisation,
        "url": f"{settings.public_base_url}/staff/notices/{notice.id}",
        "settings_url": f"{settings.public_base_url}/staff/password",
    }
    return RenderedMessage(
        subject=SUBJECTS[message.kind],
        text=render_template("email/staff_message.txt", **context),
        html=render_template("email/staff_message.html", **context),
        sender_email=settings.mail_from or organisation.sender_email,
        sender_name=f"寄り添う（{organisation.name}）",
        categories=("staff",),
    )
