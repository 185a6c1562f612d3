"""Staff sign-in, QR downloads, and the wall between organisations."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image
from sqlmodel import select

from service.models import StaffUser
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)


@pytest.fixture
def two_cities(session):
    aoba = create_organisation(session, slug="aoba", name="あおば市")
    kita = create_organisation(session, slug="kita", name="きた市")
    create_staff(session, organisation=aoba, email="staff@aoba.example.jp")
    create_staff(session, organisation=kita, email="staff@kita.example.jp")
    aoba_source = create_source(session, organisation=aoba, code="koseki", name="市民課 戸籍窓口")
    kita_source = create_source(session, organisation=kita, code="kita1", name="きた市 相談窓口")
    topic = create_topic(session, organisation=aoba)
    create_subscriber(session, organisation=aoba, topics=[topic])
    return aoba_source, kita_source


def _login(client, email, password=PASSWORD):
    return client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": email,
            "password": password,
        },
    )


def test_staff_pages_require_a_login(client, two_cities):
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.location
    assert client.get(f"/staff/sources/{two_cities[0].id}/qr.png").status_code == 302


def test_wrong_password_or_unknown_email_is_refused_alike(client, two_cities):
    for email, password in (
        ("staff@aoba.example.jp", "wrong password!"),
        ("nobody@x.jp", PASSWORD),
    ):
        response = _login(client, email, password)
        assert response.status_code == 401
        assert "メールアドレスまたはパスワードが正しくありません" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_login_without_csrf_token_is_refused(client, two_cities):
    response = client.post(
        "/staff/login", data={"email": "staff@aoba.example.jp", "password": PASSWORD}
    )
    assert response.status_code == 400


def test_login_shows_only_the_own_organisations_data(client, session, two_cities):
    response = _login(client, "Staff@Aoba.example.jp")
    assert response.status_code == 302
    html = client.get("/staff/").get_data(as_text=True)
    assert "市民課 戸籍窓口" in html and "https://yorisou.example.jp/s/koseki" in html
    assert "きた市 相談窓口" not in html
    assert (
        session.exec(select(StaffUser).where(StaffUser.email == "staff@aoba.example.jp"))
        .one()
        .last_login_at
        is not None
    )


def test_qr_codes_encode_the_landing_url(client, two_cities):
    source = two_cities[0]
    _login(client, "staff@aoba.example.jp")
    png = client.get(f"/staff/sources/{source.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert 'filename="yorisou-qr-koseki.png"' in png.headers["Content-Disposition"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [code.text for code in decoded] == ["https://yorisou.example.jp/s/koseki"]
    svg = client.get(f"/staff/sources/{source.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    assert root.tag.endswith("svg") and any(el.tag.endswith("path") for el in root.iter())


def test_another_organisations_qr_code_is_not_found(client, two_cities):
    _, kita_source = two_cities
    _login(client, "staff@aoba.example.jp")
    assert client.get(f"/staff/sources/{kita_source.id}/qr.png").status_code == 404
    assert client.get(f"/staff/sources/{kita_source.id}/qr.svg").status_code == 404


def test_logout_ends_the_session(client, two_cities):
    _login(client, "staff@aoba.example.jp")
    token = csrf_token(client, "/staff/login")
    response = client.post("/staff/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302
