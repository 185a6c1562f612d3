"""The API's connecting half: the catalogue read and written, and consultation requests with
the console's scoping, masking and audit; every answer checked against the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service.models import AuditEvent, Role
from service.support.models import ConsultationRequest, ContactWay, Programme
from service.support.requests import Contact, open_request
from service.types import utcnow
from tests.api.test_api import _conforms, _token
from tests.factories import create_catalogue, create_organisation, create_staff, create_topic


@pytest.fixture
def api(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    desks = create_catalogue(session, organisation=city)
    people = {
        "kodomo": (Role.EDITOR, "こども家庭課"),
        "hoken": (Role.EDITOR, "保険年金課"),
        "viewer": (Role.VIEWER, "こども家庭課"),
        "admin": (Role.ADMIN, ""),
    }
    tokens = {}
    for name, (role, department) in people.items():
        staff = create_staff(
            session,
            organisation=city,
            email=f"{name}@aoba.example.jp",
            role=role,
            department=department,
        )
        tokens[name] = _token(session, staff, f"{name}-token")
    request = open_request(
        session,
        organisation=city,
        desk=desks["こども家庭課 ひとり親支援係"],
        contact=Contact(way=ContactWay.PHONE, phone="09012345678"),
        locale="ja",
        now=utcnow(),
        message="夜は出られません。",
    )
    session.commit()
    return {**tokens, "request": request.id, "desks": desks}


def test_the_catalogue_reads_and_an_admin_writes_it(client, session, api):
    read = client.get("/api/v1/catalogue", headers=api["viewer"])
    assert read.status_code == 200
    _conforms(read, "/catalogue")
    catalogue = read.json
    assert len(catalogue["programmes"]) == 16
    catalogue["programmes"][0]["summary"]["en"] = "Changed through the API."
    assert client.put("/api/v1/catalogue", headers=api["kodomo"], json=catalogue).status_code == 403
    written = client.put("/api/v1/catalogue", headers=api["admin"], json=catalogue)
    assert written.status_code == 200
    _conforms(written, "/catalogue", "put")
    assert written.json == {"desks": 7, "programmes": 16, "unknown_topics": []}
    programme = session.exec(select(Programme).where(Programme.slug == "jido-fuyo-teate")).one()
    assert programme.summary_en == "Changed through the API."
    catalogue["programmes"][1]["answers"] = ["nonsense"]
    refused = client.put("/api/v1/catalogue", headers=api["admin"], json=catalogue)
    assert refused.status_code == 400 and "answers" in refused.json["error"]["detail"]
    _conforms(refused, "/catalogue", "put")


def test_requests_are_scoped_masked_and_their_reading_audited(client, session, api):
    listed = client.get("/api/v1/requests", headers=api["kodomo"])
    assert listed.status_code == 200
    _conforms(listed, "/requests")
    [item] = listed.json["items"]
    assert "phone" not in item and "message" not in item
    assert client.get("/api/v1/requests", headers=api["hoken"]).json == {"items": []}
    assert client.get("/api/v1/requests", headers=api["viewer"]).status_code == 403
    other = client.get(f"/api/v1/requests/{api['request']}", headers=api["hoken"])
    assert other.status_code == 404
    whole = client.get(f"/api/v1/requests/{api['request']}", headers=api["kodomo"])
    assert whole.status_code == 200
    _conforms(whole, "/requests/{request_id}")
    assert (whole.json["phone"], whole.json["message"]) == ("09012345678", "夜は出られません。")
    opened = session.exec(select(AuditEvent).where(AuditEvent.action == "request.open")).all()
    assert len(opened) == 1


def test_a_script_works_a_request_through(client, session, api):
    path = f"/api/v1/requests/{api['request']}"
    for action, body in [
        ("assign", {}),
        ("note", {"body": "午後に電話する"}),
        ("contacted", {}),
        ("close", {"outcome": "connected"}),
    ]:
        response = client.post(f"{path}/{action}", headers=api["kodomo"], json=body)
        assert response.status_code == 200, (action, response.json)
        _conforms(response, "/requests/{request_id}/{action}", "post")
    assert response.json["status"] == "closed" and response.json["outcome"] == "connected"
    again = client.post(f"{path}/note", headers=api["kodomo"], json={"body": "x"})
    assert again.status_code == 409
    _conforms(again, "/requests/{request_id}/{action}", "post")
    assert (
        client.post(f"{path}/answer", headers=api["kodomo"], json={"body": "x"}).status_code == 404
    )
    session.expire_all()
    assert session.get(ConsultationRequest, api["request"]).closed_at is not None
    actions = {e.action for e in session.exec(select(AuditEvent)).all()}
    assert {"request.assign", "request.note", "request.contacted", "request.close"} <= actions


def test_a_request_passed_to_another_desk_leaves_the_departments_view(client, api):
    path = f"/api/v1/requests/{api['request']}"
    hoken = api["desks"]["保険年金課"].id
    moved = client.post(
        f"{path}/transfer", headers=api["kodomo"], json={"desk": hoken, "body": "医療費"}
    )
    assert moved.status_code == 200 and moved.json["desk_id"] == hoken
    assert client.get(path, headers=api["kodomo"]).status_code == 404
    assert client.get(path, headers=api["hoken"]).status_code == 200
