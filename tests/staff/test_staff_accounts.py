"""Staff accounts that hold against guessing and loss: one account per city, wrong two-step
codes counted on the account wherever they come from, recovery codes, an admin's reset, a
forgotten password by email, and API tokens under the two-step rule."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import replace

import pyotp
import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import ApiToken, AuditEvent, Role, StaffUser
from service.staff_users import CODE_FAILURES_LOCK
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import PASSWORD, create_organisation, create_staff
from tests.outbox import link, read_outbox, text_body
from tests.staff.test_staff_notices import login
from tests.staff.test_two_factor import _code, _password, _turn_on_with_codes

NEW_PASSWORD = "tangerine lighthouse umbrella"


@pytest.fixture
def cities(session):
    aoba = create_organisation(session)
    kita = create_organisation(session, slug="kita", name="きた市")
    create_staff(session, organisation=aoba, email="admin@aoba.example.jp", role=Role.ADMIN)
    create_staff(session, organisation=aoba, email="editor@aoba.example.jp", role=Role.EDITOR)
    create_staff(session, organisation=kita, email="admin@kita.example.jp", role=Role.ADMIN)
    return aoba, kita


def _user(session, email, organisation=None) -> StaffUser:
    session.expire_all()
    query = select(StaffUser).where(StaffUser.email == email)
    if organisation is not None:
        query = query.where(StaffUser.organisation_id == organisation.id)
    return session.exec(query).one()


def _client(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _add_staff(client, email, password=PASSWORD):
    return client.post(
        "/staff/staff-users",
        data={
            "csrf_token": csrf_token(client, "/staff/staff-users"),
            "email": email,
            "role": "editor",
            "department": "",
            "password": password,
        },
    )


def test_one_city_can_neither_see_nor_take_another_citys_staff_address(client, session, cities):
    aoba, kita = cities
    login(client, "admin@kita.example.jp")
    added = _add_staff(client, "Editor@Aoba.example.jp", password="kita city's own password 7")
    # Nothing says the address is staff elsewhere: it is simply kita's staff now too.
    assert added.status_code == 303
    assert _user(session, "editor@aoba.example.jp", kita).organisation_id == kita.id
    # Aoba's account is untouched and opens aoba's console only.
    login(client, "editor@aoba.example.jp")
    assert "あおば市" in client.get("/staff/").get_data(as_text=True)
    # Kita's admin could not have taken it first either: aoba adds its own as before.
    login(client, "admin@aoba.example.jp")
    assert _add_staff(client, "admin@kita.example.jp").status_code == 303
    assert _add_staff(client, "admin@kita.example.jp").status_code == 400  # twice in one city


def test_staff_of_two_cities_with_one_password_chooses_the_city(client, session, cities):
    aoba, kita = cities
    create_staff(session, organisation=kita, email="admin@aoba.example.jp", role=Role.VIEWER)
    response = _password(client)
    assert response.status_code == 302 and response.location == "/staff/login/city"
    page = client.get("/staff/login/city").get_data(as_text=True)
    assert "あおば市" in page and "きた市" in page
    kita_account = _user(session, "admin@aoba.example.jp", kita)
    chosen = client.post(
        "/staff/login/city",
        data={"csrf_token": csrf_token(client, "/staff/login/city"), "account": kita_account.id},
    )
    assert chosen.status_code == 302
    assert "きた市" in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/staff-users").status_code == 403  # a viewer in kita


def _signed_in_with_two_step(app, session) -> tuple[str, list[str]]:
    client = _client(app, "192.0.2.1")
    _password(client)
    secret, codes = _turn_on_with_codes(client)
    assert len(codes) == 10
    return secret, codes


def test_wrong_codes_from_many_addresses_lock_the_account_and_its_admins_are_told(
    app, session, settings, cities
):
    secret, _ = _signed_in_with_two_step(app, session)
    for n in range(CODE_FAILURES_LOCK):  # a guess from each of five addresses
        guesser = _client(app, f"198.51.100.{n}")
        assert _password(guesser).status_code == 302
        response = _code(guesser, "000000")
    assert response.status_code == 302 and response.location == "/staff/login"
    admin = _user(session, "admin@aoba.example.jp")
    assert admin.locked_until is not None and admin.locked_until > utcnow()
    # Locked: not even the right password and code open it now.
    owner = _client(app, "192.0.2.1")
    locked = _password(owner)
    assert locked.status_code == 423 and "一時的にロック" in locked.get_data(as_text=True)
    actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions.count("staff.code_failed") == CODE_FAILURES_LOCK
    assert actions.count("staff.locked") == 1

    Worker(app).run_once()
    [told] = [m for m in read_outbox(settings.outbox_dir) if "ロック" in str(m["Subject"])]
    assert str(told["To"]) == "admin@aoba.example.jp"  # the city's one admin (here, the owner)
    assert "admin@aoba.example.jp" in text_body(told) and "/staff/staff-users" in text_body(told)

    # Another admin unlocks it; the next right code opens the console.
    create_staff(session, organisation=cities[0], email="admin2@aoba.example.jp", role=Role.ADMIN)
    helper = _client(app, "192.0.2.2")
    login(helper, "admin2@aoba.example.jp")
    helper.post(
        f"/staff/staff-users/{admin.id}/unlock",
        data={"csrf_token": csrf_token(helper, "/staff/staff-users")},
    )
    assert _user(session, "admin@aoba.example.jp").locked_until is None
    assert _password(owner).status_code == 302
    assert _code(owner, pyotp.TOTP(secret).at(time.time() + 30)).status_code == 302


def test_a_lost_phone_signs_in_once_with_each_recovery_code(app, session, cities):
    _, codes = _signed_in_with_two_step(app, session)
    client = _client(app, "192.0.2.3")
    _password(client)
    typed = codes[0].lower().replace("-", " ")  # as read aloud and typed
    assert _code(client, typed).status_code == 302
    home = client.get("/staff/").get_data(as_text=True)
    assert "復旧用コードでログインしました（残り9個）" in home
    again = _client(app, "192.0.2.4")
    _password(again)
    assert _code(again, codes[0]).status_code == 401  # used up
    assert len(_user(session, "admin@aoba.example.jp").recovery_codes) == 9


def test_an_admin_resets_a_members_two_step_sign_in_and_it_is_audited(app, session, cities):
    member = _client(app, "192.0.2.5")
    _password(member, "editor@aoba.example.jp")
    _turn_on_with_codes(member)
    editor = _user(session, "editor@aoba.example.jp")
    admin = _client(app, "192.0.2.6")
    login(admin, "admin@aoba.example.jp")
    assert "二段階認証をリセットする" in admin.get("/staff/staff-users").get_data(as_text=True)
    response = admin.post(
        f"/staff/staff-users/{editor.id}/reset_2fa",
        data={"csrf_token": csrf_token(admin, "/staff/staff-users")},
    )
    assert response.status_code == 303
    editor = _user(session, "editor@aoba.example.jp")
    assert editor.totp_secret is None and editor.recovery_codes == []
    assert member.get("/staff/").status_code == 302  # their sessions ended
    reset = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.reset_2fa")).one()
    assert reset.target == f"staff:{editor.id}"
    login(member, "editor@aoba.example.jp")  # the password alone again, until set up anew
    assert member.get("/staff/").status_code == 200


def _forgot(client, email):
    return client.post(
        "/staff/password/forgot",
        data={"csrf_token": csrf_token(client, "/staff/password/forgot"), "email": email},
    )


def test_a_forgotten_password_is_set_anew_by_a_link_that_works_once(app, session, settings, cities):
    client = _client(app, "192.0.2.7")
    signed_in = _client(app, "192.0.2.8")
    login(signed_in, "editor@aoba.example.jp")
    unknown = _forgot(client, "nobody@aoba.example.jp")
    known = _forgot(client, "Editor@Aoba.example.jp")
    # The same answer whether or not the address is staff.
    assert unknown.status_code == known.status_code == 200
    assert unknown.get_data(as_text=True) == known.get_data(as_text=True)
    Worker(app).run_once()
    [mail] = read_outbox(settings.outbox_dir)
    assert str(mail["To"]) == "editor@aoba.example.jp"
    assert str(mail["Subject"]) == "【寄り添う】パスワードの再設定"
    path = link(mail, "/staff/password/reset/")
    weak = client.post(path, data={"csrf_token": csrf_token(client, path), "new": "password1234"})
    assert weak.status_code == 400
    done = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done.location == "/staff/login"
    assert signed_in.get("/staff/").status_code == 302  # sessions with the old password end
    used = client.get(path)
    assert used.status_code == 302 and used.location == "/staff/password/forgot"
    old = _password(client, "editor@aoba.example.jp")
    assert old.status_code == 401
    new = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": "editor@aoba.example.jp",
            "password": NEW_PASSWORD,
        },
    )
    assert new.status_code == 302
    assert "staff.password_reset" in [e.action for e in session.exec(select(AuditEvent))]


def test_resets_to_one_account_are_capped(app, session, settings, cities):
    client = _client(app, "192.0.2.9")
    for _ in range(5):
        _forgot(client, "editor@aoba.example.jp")
    Worker(app).run_once()
    assert len(read_outbox(settings.outbox_dir)) == 3


def _token(session, staff, value):
    session.add(
        ApiToken(staff_user_id=staff.id, token_hash=hashlib.sha256(value.encode()).hexdigest())
    )
    session.commit()
    return {"Authorization": f"Bearer {value}"}


def test_an_admins_api_token_follows_the_two_step_rule(settings, database, session, cities):
    app = create_app(replace(settings, require_admin_2fa=True), database)
    client = app.test_client()
    admin = _user(session, "admin@aoba.example.jp")
    editor = _user(session, "editor@aoba.example.jp")
    refused = client.get("/api/v1/topics", headers=_token(session, admin, "admin-token"))
    assert refused.status_code == 403 and "two-step" in refused.json["error"]["detail"]
    assert (
        client.get("/api/v1/topics", headers=_token(session, editor, "e-token")).status_code == 200
    )
    admin.totp_secret = pyotp.random_base32()
    session.add(admin)
    session.commit()
    assert (
        client.get("/api/v1/topics", headers={"Authorization": "Bearer admin-token"}).status_code
        == 200
    )


def test_console_pages_with_a_reset_token_are_not_cached(client, session, cities):
    page = client.get("/staff/password/forgot")
    assert page.status_code == 200 and re.search("no-store", page.headers.get("Cache-Control", ""))
