"""Two-step sign-in for staff: set up with an authenticator app, then a code after the
password; each code good once; required for admins when the city's policy says so."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pyotp
import pytest
from sqlmodel import select

from service import create_app
from service.models import AuditEvent, Role, StaffUser
from tests.conftest import csrf_token
from tests.factories import PASSWORD, create_organisation, create_staff


@pytest.fixture
def staff(session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    create_staff(session, organisation=city, email="editor@aoba.example.jp", role=Role.EDITOR)
    return city


def _password(client, email="admin@aoba.example.jp"):
    return client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": email,
            "password": PASSWORD,
        },
    )


def _code(client, code, path="/staff/login/code", **extra):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "code": code, **extra})


RECOVERY_CODE = re.compile(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>")


def _turn_on(client) -> str:
    page = client.get("/staff/two-factor").get_data(as_text=True)
    assert 'alt="認証アプリに読み取らせるQRコード"' in page
    secret = re.search(r"手入力用：<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert _code(client, "000000", "/staff/two-factor").status_code == 400  # a wrong code
    response = _code(client, pyotp.TOTP(secret).now(), "/staff/two-factor")
    # The recovery codes are shown this once, and no cache keeps them.
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert len(RECOVERY_CODE.findall(response.get_data(as_text=True))) == 10
    assert "二段階認証を設定しました" in response.get_data(as_text=True)
    return secret


def _turn_on_with_codes(client) -> tuple[str, list[str]]:
    page = client.get("/staff/two-factor").get_data(as_text=True)
    secret = re.search(r"手入力用：<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    response = _code(client, pyotp.TOTP(secret).now(), "/staff/two-factor")
    return secret, RECOVERY_CODE.findall(response.get_data(as_text=True))


def _actions(session):
    session.expire_all()
    return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_with_two_step_sign_in_the_password_alone_opens_nothing(client, session, staff):
    assert _password(client).status_code == 302
    secret = _turn_on(client)
    assert "staff.2fa_on" in _actions(session)
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/password")})

    response = _password(client)
    assert response.status_code == 302 and response.location == "/staff/login/code"
    assert client.get("/staff/").status_code == 302  # not signed in yet
    assert _code(client, "123456").status_code == 401
    user = session.exec(select(StaffUser).where(StaffUser.email == "admin@aoba.example.jp")).one()
    used = pyotp.TOTP(secret).generate_otp(user.totp_last_step)
    assert _code(client, used).status_code == 401  # the code that set it up is spent
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next one (a clock a little ahead)
    assert _code(client, code).status_code == 302
    assert client.get("/staff/").status_code == 200
    assert _actions(session)[-3:] == ["staff.code_failed", "staff.code_failed", "staff.login"]

    # The same code, seen over a shoulder, does not open a second session.
    other = client.application.test_client()
    assert _password(other).status_code == 302
    assert _code(other, code).status_code == 401
    assert other.get("/staff/").status_code == 302


def test_the_code_page_without_a_password_first_goes_back_to_the_start(client, staff):
    response = client.get("/staff/login/code")
    assert response.status_code == 302 and response.location == "/staff/login"


def test_a_stale_code_step_is_refused(client, session, staff):
    _password(client)
    secret = _turn_on(client)
    user = session.exec(select(StaffUser).where(StaffUser.email == "admin@aoba.example.jp")).one()
    session.refresh(user)
    old = pyotp.TOTP(secret).at(time.time() - 120)  # four steps ago
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/password")})
    _password(client)
    assert _code(client, old).status_code == 401


def test_admins_must_set_it_up_when_the_city_requires_it(settings, database, session, staff):
    client = create_app(replace(settings, require_admin_2fa=True), database).test_client()
    _password(client)
    blocked = client.get("/staff/notices")
    assert blocked.status_code == 302 and blocked.location == "/staff/two-factor"
    page = client.get("/staff/two-factor").get_data(as_text=True)
    assert "管理者は二段階認証が必須です" in page
    _turn_on(client)
    assert client.get("/staff/notices").status_code == 200
    assert "二段階認証をやめる" not in client.get("/staff/two-factor").get_data(as_text=True)
    editor = create_app(replace(settings, require_admin_2fa=True), database).test_client()
    _password(editor, "editor@aoba.example.jp")
    assert editor.get("/staff/notices").status_code == 200  # optional for the others


def test_it_can_be_turned_off_with_a_current_code_where_not_required(client, session, staff):
    _password(client)
    secret = _turn_on(client)
    step = pyotp.TOTP(secret)
    next_code = step.at(time.time() + 30)  # the one already used cannot turn it off
    response = _code(client, next_code, "/staff/two-factor", action="off")
    assert response.status_code == 302
    session.expire_all()
    user = session.exec(select(StaffUser).where(StaffUser.email == "admin@aoba.example.jp")).one()
    assert user.totp_secret is None and "staff.2fa_off" in _actions(session)
