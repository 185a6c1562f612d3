"""Staff sign-in as an auditor sees it: every sign-in, failure, sign-out, password change and
API token in the audit log; nothing from before sign-in good after it; no guessable password."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from service.models import AuditEvent, Role, StaffUser
from tests.conftest import csrf_token
from tests.factories import PASSWORD, create_organisation, create_staff
from tests.test_cli import env, yorisou  # noqa: F401 (env: a fixture)


@pytest.fixture
def admin(session):
    city = create_organisation(session)
    return create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)


def _sign_in(client, password, email="admin@aoba.example.jp"):
    return client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": email,
            "password": password,
        },
    )


def _actions(session):
    session.expire_all()
    return [
        (event.action, event.staff_user_id, event.target)
        for event in session.exec(select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_sign_ins_failures_and_sign_outs_are_in_the_audit_log(client, session, admin, caplog):
    assert _sign_in(client, "wrong password here").status_code == 401
    with caplog.at_level(logging.INFO):
        assert _sign_in(client, PASSWORD, email="nobody@aoba.example.jp").status_code == 401
    assert "nobody@aoba.example.jp" not in caplog.text and "n***@aoba.example.jp" in caplog.text
    assert _sign_in(client, PASSWORD).status_code == 302
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/password")})
    me = f"staff:{admin.id}"
    assert _actions(session) == [
        ("staff.login_failed", admin.id, me),
        ("staff.login", admin.id, me),
        ("staff.logout", admin.id, me),
    ]
    _sign_in(client, PASSWORD)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "ログインに失敗" in page and "ログアウト" in page


def test_a_form_token_from_before_sign_in_is_worth_nothing_after_it(client, session, admin):
    planted = csrf_token(client, "/staff/login")  # e.g. a page an attacker had the victim open
    assert _sign_in(client, PASSWORD).status_code == 302
    response = client.post(
        "/staff/password",
        data={
            "csrf_token": planted,
            "current": PASSWORD,
            "new": "an entirely new passphrase",
            "repeat": "an entirely new passphrase",
        },
    )
    assert response.status_code == 400
    assert "ページの有効期限が切れました" in response.get_data(as_text=True)
    fresh = csrf_token(client, "/staff/password")
    assert fresh != planted
    session.expire_all()
    assert client.get("/staff/").status_code == 200  # still signed in, password unchanged


@pytest.mark.parametrize(
    "password",
    ["password1234", "new@aoba.example.jp1", "qwertyuiopasdf", "12345678901234"],
)
def test_a_guessable_password_is_refused_however_long(client, session, admin, password):
    """Common ones, keyboard runs, digits, and the person's own email."""
    _sign_in(client, PASSWORD)
    response = client.post(
        "/staff/password",
        data={
            "csrf_token": csrf_token(client, "/staff/password"),
            "current": PASSWORD,
            "new": password.replace("new@", "admin@"),
            "repeat": password.replace("new@", "admin@"),
        },
    )
    assert response.status_code == 400
    assert "推測されやすいパスワードです" in response.get_data(as_text=True)
    added = client.post(
        "/staff/staff-users",
        data={
            "csrf_token": csrf_token(client, "/staff/staff-users"),
            "email": "new@aoba.example.jp",
            "role": "editor",
            "department": "",
            "password": password,
        },
    )
    assert added.status_code == 400
    session.expire_all()
    assert (
        session.exec(select(StaffUser).where(StaffUser.email == "new@aoba.example.jp")).first()
        is None
    )


def test_api_tokens_made_and_revoked_on_the_command_line_are_audited(
    database,
    session,
    admin,
    env,  # noqa: F811
):
    value = yorisou(
        env, "token", "create", "--staff", admin.email, "--name", "財政課"
    ).stdout.strip()
    assert yorisou(env, "token", "revoke", value).returncode == 0
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.staff_user_id, e.target) for e in events] == [
        ("api_token.create", None, f"staff:{admin.id}"),
        ("api_token.revoke", None, f"staff:{admin.id}"),
    ]
    assert events[0].detail["after"]["name"] == "財政課"
    assert value not in str(events[0].detail)
