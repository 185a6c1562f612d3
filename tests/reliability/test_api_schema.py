"""Schemathesis against the live app's own OpenAPI document: requests made from the document,
valid and not, with an editor's token. No 5xx anywhere, every answer as documented (status,
content type, body schema), every refusal a readable JSON error, and nothing written for it."""

from __future__ import annotations

import hashlib

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from sqlmodel import func, select

from service.api.openapi import document
from service.models import ApiToken, AuditEvent, Notice, NoticeTopic, Role, Source, Topic
from tests.factories import create_organisation, create_source, create_staff, create_topic
from tests.reliability.report import report

TOKEN = "editor-token-for-schemathesis"
WRITTEN = (Notice, NoticeTopic, AuditEvent, Topic, Source)
SEEN: dict[str, int] = {}
ASKED = {True: 0, False: 0}  # requests to the assistant's answer, at its own path or not


@pytest.fixture
def api_schema(app, session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    create_source(session, organisation=city)
    editor = create_staff(session, organisation=city, email="e@aoba.example.jp", role=Role.EDITOR)
    session.add(
        ApiToken(staff_user_id=editor.id, token_hash=hashlib.sha256(TOKEN.encode()).hexdigest())
    )
    session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def report_requests():
    yield
    report("API (schemathesis)", requests=sum(SEEN.values()), by_status=SEEN, server_errors=0)


def _counts(session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(session.exec(select(func.count()).select_from(m)).one() for m in WRITTEN)


def test_the_api_answers_every_request_as_documented(api_schema, session):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    methods = {"get", "put", "post", "patch", "delete"}
    documented = sum(len(methods & set(path)) for path in document()["paths"].values())
    assert len(operations) == documented
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def requests_to(case):
                _check(case, session)

            requests_to()
    assert ASKED[True] and not ASKED[False]  # the assistant's answer, asked at its own path


def _check(case, session):
    # A generated path value holding "?" or "#" cannot be sent as a path at all (the test
    # client, like any HTTP client, would read it as the query or fragment): not a request.
    assume(
        not any(
            isinstance(value, str) and ("?" in value or "#" in value)
            for value in (case.path_parameters or {}).values()
        )
    )
    before = _counts(session)
    # A request the document allows may still be refused for what it means (a topic of
    # another city, a notice in the wrong state): that is a 4xx, documented, not a failure.
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        excluded_checks=[positive_data_acceptance],
    )
    status = response.status_code
    SEEN[str(status)] = SEEN.get(str(status), 0) + 1
    if case.operation.path == "/ask/{city}/answer":
        ASKED[response.request.path_url.startswith("/ask/")] += 1
    assert status < 500
    if status >= 400:
        assert response.json()["error"]["detail"]
        assert _counts(session) == before
