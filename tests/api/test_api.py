"""The JSON API, answered for real and checked against its own OpenAPI document."""

from __future__ import annotations

import hashlib

import jsonschema
import pytest
from openapi_spec_validator import validate
from sqlmodel import select

from service.api.openapi import document
from service.models import ApiToken, Notice, Role
from service.types import utcnow
from tests.factories import create_organisation, create_source, create_staff, create_topic


def _token(session, staff, value):
    session.add(
        ApiToken(staff_user_id=staff.id, token_hash=hashlib.sha256(value.encode()).hexdigest())
    )
    session.commit()
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def api(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_source(session, organisation=city)
    editor = create_staff(session, organisation=city, email="e@aoba.example.jp", role=Role.EDITOR)
    admin = create_staff(session, organisation=city, email="a@aoba.example.jp", role=Role.ADMIN)
    viewer = create_staff(session, organisation=city, email="v@aoba.example.jp", role=Role.VIEWER)
    other = create_organisation(session, slug="kita", name="きた市")
    stranger = create_staff(session, organisation=other, email="s@kita.example.jp", role=Role.ADMIN)
    return {
        "topic": topic,
        "editor": _token(session, editor, "editor-token"),
        "admin": _token(session, admin, "admin-token"),
        "viewer": _token(session, viewer, "viewer-token"),
        "stranger": _token(session, stranger, "stranger-token"),
    }


def _conforms(response, path, method="get"):
    spec = document()
    schema = spec["paths"][path][method]["responses"][str(response.status_code)]
    body_schema = schema["content"]["application/json"]["schema"]
    jsonschema.validate(
        response.json,
        {**body_schema, "components": spec["components"]},
        cls=jsonschema.Draft202012Validator,
    )


def test_the_document_is_valid_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json)


def test_a_script_creates_submits_and_another_approves_a_notice(client, api):
    starts = utcnow().replace(microsecond=0).isoformat()
    created = client.post(
        "/api/v1/notices",
        headers=api["editor"],
        json={
            "title": "講座のご案内",
            "body": "**無料**です。",
            "topics": [api["topic"].id],
            "channels": ["email", "line"],
            "starts_at": starts,
        },
    )
    assert created.status_code == 201
    _conforms(created, "/notices", "post")
    assert created.json["channels"] == ["email", "line"]
    notice_id = created.json["id"]
    assert created.json["status"] == "draft"
    submitted = client.post(f"/api/v1/notices/{notice_id}/submit", headers=api["editor"])
    _conforms(submitted, "/notices/{notice_id}/{action}", "post")
    refused = client.post(f"/api/v1/notices/{notice_id}/approve", headers=api["editor"])
    assert refused.status_code == 409
    _conforms(refused, "/notices/{notice_id}/{action}", "post")
    approved = client.post(f"/api/v1/notices/{notice_id}/approve", headers=api["admin"])
    assert approved.json["status"] == "scheduled"
    # An admin who sent a notice for approval is no second pair of eyes on it.
    theirs = client.post(
        "/api/v1/notices",
        headers=api["editor"],
        json={"title": "t", "body": "b", "topics": [api["topic"].id], "starts_at": starts},
    ).json["id"]
    client.post(f"/api/v1/notices/{theirs}/submit", headers=api["admin"])
    alone = client.post(f"/api/v1/notices/{theirs}/approve", headers=api["admin"])
    assert alone.status_code == 409 and "承認できません" in alone.json["error"]["detail"]
    for path, url in (
        ("/notices", "/api/v1/notices"),
        ("/topics", "/api/v1/topics"),
        ("/sources", "/api/v1/sources"),
        ("/notices/{notice_id}", f"/api/v1/notices/{notice_id}"),
        ("/notices/{notice_id}/report", f"/api/v1/notices/{notice_id}/report"),
    ):
        response = client.get(url, headers=api["viewer"])
        assert response.status_code == 200, url
        _conforms(response, path)


def test_tokens_are_required_checked_and_scoped(client, api):
    assert client.get("/api/v1/topics").status_code == 401
    bad = client.get("/api/v1/topics", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    _conforms(bad, "/topics")
    viewer_post = client.post("/api/v1/notices", headers=api["viewer"], json={})
    assert viewer_post.status_code == 403
    created = client.post(
        "/api/v1/notices",
        headers=api["admin"],
        json={
            "title": "t",
            "body": "b",
            "topics": [api["topic"].id],
            "starts_at": utcnow().isoformat(),
        },
    )
    notice_id = created.json["id"]
    assert client.get(f"/api/v1/notices/{notice_id}", headers=api["stranger"]).status_code == 404
    assert client.get("/api/v1/topics", headers=api["stranger"]).json == {"items": []}


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"title": "", "body": "b", "topics": [1]},
        {"title": "t", "body": "b", "topics": [9999], "starts_at": "2027-01-01T09:00:00+09:00"},
        {"title": "t", "body": "b", "topics": [1], "starts_at": "tomorrow"},
        *(
            {
                "title": "t",
                "body": "b",
                "topics": [1],
                "rule_kind": "rrule",
                "starts_at": "2027-01-01T09:00:00+09:00",
                **({"rrule": rule} if rule is not None else {}),
            }
            for rule in (
                None,
                "EVERY SUNDAY",
                "FREQ=MINUTELY",
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            )
        ),
        {"title": "t", "body": "b", "topics": [1], "rule_kind": "relative"},
        {"title": "t", "body": "b", "topics": [1], "rule_kind": "relative", "offset_days": "3"},
        {
            "title": "t",
            "body": "b",
            "topics": [1],
            "rule_kind": "relative",
            "offset_days": 3,
            "send_time": "25:99",
        },
        {
            "title": "t",
            "body": "b",
            "topics": [1],
            "starts_at": "2027-01-01T09:00:00+09:00",
            "holiday_shift": "sometimes",
        },
        {"title": "t", "body": "b", "topics": [1], "channels": ["email", "fax"]},
    ],
)
def test_bad_bodies_get_a_400_that_says_why_and_save_nothing(client, session, api, body):
    response = client.post("/api/v1/notices", headers=api["editor"], json=body)
    assert response.status_code == 400
    _conforms(response, "/notices", "post")
    assert session.exec(select(Notice)).all() == []


def test_a_link_longer_than_line_accepts_is_refused_for_a_line_notice(client, session, api):
    body = {
        "title": "t",
        "body": f"[案内](https://city.example.jp/{'a' * 10_000})",
        "topics": [api["topic"].id],
        "starts_at": "2027-01-01T09:00:00+09:00",
    }
    refused = client.post(
        "/api/v1/notices", headers=api["editor"], json={**body, "channels": ["line"]}
    )
    assert (
        refused.status_code == 400 and "longer than LINE accepts" in refused.json["error"]["detail"]
    )
    assert session.exec(select(Notice)).all() == []
    email = client.post("/api/v1/notices", headers=api["editor"], json=body)
    assert email.status_code == 201  # email carries it
