"""A city's own LINE official account, set up by its admin: the account ID, the channel secret
and access token from LINE Developers (stored encrypted, never shown again), its send rate, the
webhook URL to give LINE, and the rich menu."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from service import get_session, get_settings
from service.audit import record_audit
from service.encryption import EncryptionUnavailable
from service.line.accounts import account_row, install_menu, masked, opened, save_line_account
from service.models import Organisation, Role
from service.staff.forms import LineAccountForm
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint


@blueprint.route("/line", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def line_account() -> ResponseReturnValue:
    session = get_session()
    settings = get_settings()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    row = account_row(session, organisation.id or 0)
    form = LineAccountForm(
        data={"account_id": row.account_id, "send_rate": row.send_rate} if row else None
    )
    action = request.form.get("action", "save")
    if request.method == "POST" and row is not None and action == "remove":
        session.delete(row)
        record_audit(
            session,
            staff=current_user,
            action="line_account.remove",
            target=f"organisation:{organisation.id}",
            before={"account_id": row.account_id},
        )
        session.commit()
        flash("LINE公式アカウントの設定を外しました。保存していた秘密の値も消しました。", "info")
        return redirect(url_for("staff.line_account"), 303)
    if request.method == "POST" and row is not None and action == "menu":
        try:
            menu_id = install_menu(session, settings, organisation)
        except Exception as error:  # LINE refused the token, or could not be reached
            flash(
                f"リッチメニューを設定できませんでした（{type(error).__name__}）。"
                "チャネルアクセストークンを確かめてください。",
                "error",
            )
        else:
            record_audit(
                session,
                staff=current_user,
                action="line_account.menu",
                target=f"organisation:{organisation.id}",
                after={"rich_menu_id": menu_id},
            )
            session.commit()
            flash("リッチメニューを設定しました。トーク画面の下に出ます。", "info")
        return redirect(url_for("staff.line_account"), 303)
    if form.validate_on_submit():
        secret, token = form.channel_secret.data or "", form.access_token.data or ""
        before = {"account_id": row.account_id, "send_rate": row.send_rate} if row else {}
        try:
            saved = save_line_account(
                session,
                settings,
                organisation.id or 0,
                account_id=form.account_id.data or "",
                channel_secret=secret,
                access_token=token,
                send_rate=form.send_rate.data or "",
                now=utcnow(),
            )
        except ValueError as error:
            form.channel_secret.errors = [str(error)]
        except EncryptionUnavailable:
            form.channel_secret.errors = [
                "秘密の値を暗号化する鍵（ENCRYPTION_KEY）が設定されていないため、保存できません。"
                "システムの担当者に伝えてください。"
            ]
        else:
            record_audit(
                session,
                staff=current_user,
                action="line_account.save",
                target=f"organisation:{organisation.id}",
                before=before,
                after={
                    "account_id": saved.account_id,
                    "send_rate": saved.send_rate,
                    # That they changed, never what they are.
                    **({"channel_secret": "（変更）"} if secret else {}),
                    **({"access_token": "（変更）"} if token else {}),
                },
            )
            session.commit()
            flash("LINE公式アカウントを保存しました。", "info")
            return redirect(url_for("staff.line_account"), 303)
    config = opened(settings, row) if row else None
    status = 400 if request.method == "POST" else 200
    return render_template(
        "staff/line_account.html",
        form=form,
        row=row,
        organisation=organisation,
        config=config,
        masked=masked,
        shared=settings.line_enabled,
        webhook_url=f"{settings.public_base_url}/webhooks/line/{organisation.slug}",
    ), status
