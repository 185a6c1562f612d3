"""The programme catalogue: edited in the console by the right people, audited, and handed from
one city to another as a file."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlmodel import func, select

from service.models import AuditEvent, Role
from service.support.catalogue import CatalogueError, export_catalogue, import_catalogue
from service.support.models import AnswerTemplate, Desk, Programme, ProgrammeTopic
from tests.conftest import csrf_token
from tests.factories import create_catalogue, create_organisation, create_staff, create_topic
from tests.staff.test_staff_notices import login


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    desks = create_catalogue(session, organisation=city)
    for email, role, department in [
        ("kodomo@aoba.example.jp", Role.EDITOR, "こども家庭課"),
        ("viewer@aoba.example.jp", Role.VIEWER, "こども家庭課"),
        ("admin@aoba.example.jp", Role.ADMIN, ""),
    ]:
        create_staff(session, organisation=city, email=email, role=role, department=department)
    return city, desks


def _programme(session, slug):
    session.expire_all()
    return session.exec(select(Programme).where(Programme.slug == slug)).one()


def _form(client, path):
    """The programme's form as the page fills it in."""
    page = client.get(path).get_data(as_text=True)
    programme = _programme_from_page(page)
    return {"csrf_token": csrf_token(client, path), **programme}


def _programme_from_page(page):
    values = dict(re.findall(r'<input[^>]*id="(\w+)"[^>]*value="([^"]*)"', page))
    texts = dict(re.findall(r'<textarea[^>]*id="(\w+)"[^>]*>\s*([^<]*)</textarea>', page))
    return {**values, **texts}


def test_an_editor_edits_their_departments_programme_and_it_is_audited(client, session, city):
    login(client, "kodomo@aoba.example.jp")
    programme = _programme(session, "jido-fuyo-teate")
    path = f"/staff/programmes/{programme.id}"
    data = _form(client, path)
    data.update(summary_en="A new English summary.", desk=str(programme.desk_id), answers=["money"])
    response = client.post(path, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    changed = _programme(session, "jido-fuyo-teate")
    assert changed.summary_en == "A new English summary." and changed.answers == ["money"]
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "programme.save")).all()
    assert event.detail["before"]["summary_en"].startswith("An allowance")
    assert event.detail["after"]["summary_en"] == "A new English summary."


def test_an_editor_cannot_edit_another_departments_programme(client, session, city):
    login(client, "kodomo@aoba.example.jp")
    programme = _programme(session, "iryohi-josei")  # 保険年金課's
    path = f"/staff/programmes/{programme.id}"
    page = client.get(path)
    assert page.status_code == 200 and "保存する" not in page.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "slug": "x"})
    assert response.status_code == 403
    assert _programme(session, "iryohi-josei").name_ja == "ひとり親家庭等医療費助成"


def test_a_programme_needs_its_japanese(client, session, city):
    login(client, "admin@aoba.example.jp")
    path = "/staff/programmes/new"
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "slug": "new-one", "name_en": "New"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "名前を入力してください" in page and "概要を入力してください" in page
    assert session.exec(select(Programme).where(Programme.slug == "new-one")).first() is None


def test_an_admin_adds_a_desk_and_an_editor_its_templates(client, session, city):
    login(client, "admin@aoba.example.jp")
    path = "/staff/desks/new"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name_ja": "ひとり親就業支援センター",
            "department": "こども家庭課",
            "response_days": "2",
            "takes_requests": "y",
            "active": "y",
        },
    )
    assert response.status_code == 303
    desk = session.exec(select(Desk).where(Desk.name_ja == "ひとり親就業支援センター")).one()
    assert (desk.response_days, desk.takes_requests) == (2, True)
    login(client, "kodomo@aoba.example.jp")
    path = f"/staff/desks/{desk.id}"
    refused = client.post(path, data={"csrf_token": csrf_token(client, path), "name_ja": "x"})
    assert refused.status_code == 403  # desks are the admins'
    added = client.post(
        f"{path}/templates",
        data={
            "csrf_token": csrf_token(client, path),
            "title": "不在",
            "body": "つながりませんでした。",
        },
    )
    assert added.status_code == 303
    assert session.exec(select(AnswerTemplate)).one().body == "つながりませんでした。"


def test_a_viewer_changes_nothing(client, session, city):
    login(client, "viewer@aoba.example.jp")
    programme = _programme(session, "jido-teate")
    path = f"/staff/programmes/{programme.id}"
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 403
    assert client.get("/staff/programmes").status_code == 200


def test_a_catalogue_moves_from_one_city_to_another(session, city):
    exported = export_catalogue(session, city[0].id)
    other = create_organisation(session, slug="midori", name="みどり町")
    create_topic(session, organisation=other)
    result = import_catalogue(session, other.id, json.loads(json.dumps(exported)))
    session.commit()
    assert (result.desks, result.programmes) == (7, 16)
    assert export_catalogue(session, other.id) == exported
    # importing again changes nothing and adds nothing
    import_catalogue(session, other.id, exported)
    session.commit()
    count = session.exec(
        select(func.count()).select_from(Programme).where(Programme.organisation_id == other.id)
    ).one()
    assert count == 16
    links = session.exec(select(func.count()).select_from(ProgrammeTopic)).one()
    assert links == 2 * 3  # the three child-support programmes, in both cities


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data.update(format="other"), "yorisou-catalogue"),
        (lambda data: data["programmes"][0].update(desk="ない窓口"), "ない窓口"),
        (lambda data: data["programmes"][0].update(answers=["lottery"]), "answers"),
        (lambda data: data["programmes"][1].update(slug="Bad Slug"), "識別名"),
        (lambda data: data["desks"][0]["name"].update(ja=""), "必須"),
        (lambda data: data["desks"][0].update(response_days="3"), "日数"),
        (lambda data: data["programmes"][2]["name"].update(ja="x" * 101), "100文字"),
        (lambda data: data["programmes"][2].update(url="javascript:alert(1)"), "https://"),
        (lambda data: data["programmes"][2].update(apply_url="ftp://x"), "オンライン申請"),
        (lambda data: data["programmes"][0].update(conditions={"income": ["rich"]}), "条件"),
        (lambda data: data["programmes"][0].update(conditions={"age": ["3"]}), "条件"),
    ],
)
def test_a_wrong_file_is_refused_whole(session, city, change, message):
    data = export_catalogue(session, city[0].id)
    data["programmes"][0]["summary"]["ja"] = "変えた概要"  # would change, if it were taken
    change(data)
    with pytest.raises(CatalogueError, match=message):
        import_catalogue(session, city[0].id, data)
    session.rollback()
    assert _programme(session, "jido-fuyo-teate").summary_ja != "変えた概要"


def test_the_console_imports_a_file_or_says_why_not(client, session, city):
    login(client, "admin@aoba.example.jp")
    exported = client.get("/staff/catalogue.json")
    assert exported.status_code == 200
    data = json.loads(exported.get_data(as_text=True))
    data["programmes"][0]["name"]["en"] = "Allowance for single parents"
    response = client.post(
        "/staff/catalogue",
        data={
            "csrf_token": csrf_token(client, "/staff/programmes"),
            "file": (io.BytesIO(json.dumps(data).encode()), "catalogue.json"),
        },
    )
    assert response.status_code == 303
    assert "制度16件" in client.get("/staff/programmes").get_data(as_text=True)
    assert _programme(session, "jido-fuyo-teate").name_en == "Allowance for single parents"
    bad = client.post(
        "/staff/catalogue",
        data={
            "csrf_token": csrf_token(client, "/staff/programmes"),
            "file": (io.BytesIO(b"not json"), "catalogue.json"),
        },
    )
    assert bad.status_code == 303
    assert "読み込めませんでした" in client.get("/staff/programmes").get_data(as_text=True)
    login(client, "kodomo@aoba.example.jp")
    refused = client.post(
        "/staff/catalogue",
        data={
            "csrf_token": csrf_token(client, "/staff/programmes"),
            "file": (io.BytesIO(json.dumps(data).encode()), "catalogue.json"),
        },
    )
    assert refused.status_code == 403
