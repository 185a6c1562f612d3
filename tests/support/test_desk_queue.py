"""The desk's queue: only the desk's department (and admins) see its requests, masked in the
list, every opening audited; staff assign, note, answer by email and LINE, pass to another
desk and close."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import AuditEvent, Role
from service.support.models import (
    AnswerTemplate,
    ConsultationRequest,
    ContactWay,
    Programme,
    RequestEvent,
    RequestMessage,
    RequestStatus,
)
from service.support.requests import Contact, open_request
from service.types import utcnow
from tests.conftest import csrf_token, with_line, with_sendgrid
from tests.factories import create_catalogue, create_organisation, create_staff, create_topic
from tests.outbox import read_outbox, text_body
from tests.staff.test_staff_notices import login

KODOMO = "こども家庭課 ひとり親支援係"
HOKEN = "保険年金課"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    desks = create_catalogue(session, organisation=city)
    for email, role, department in [
        ("kodomo@aoba.example.jp", Role.EDITOR, "こども家庭課"),
        ("hoken@aoba.example.jp", Role.EDITOR, "保険年金課"),
        ("viewer@aoba.example.jp", Role.VIEWER, "こども家庭課"),
        ("admin@aoba.example.jp", Role.ADMIN, ""),
    ]:
        create_staff(session, organisation=city, email=email, role=role, department=department)
    return city, desks


def _request(session, city, desk, **contact):
    organisation, _ = city
    contact = Contact(**{"way": ContactWay.PHONE, "phone": "09012345678", **contact})
    request = open_request(
        session,
        organisation=organisation,
        desk=desk,
        contact=contact,
        locale="ja",
        now=utcnow(),
        message="夜は電話に出られません。",
    )
    session.commit()
    return request


def _act(client, request_id, action, **data):
    return client.post(
        f"/staff/requests/{request_id}/{action}",
        data={"csrf_token": csrf_token(client, "/staff/"), **data},
    )


def test_the_queue_shows_the_departments_requests_masked(client, session, city):
    _, desks = city
    mine = _request(session, city, desks[KODOMO])
    theirs = _request(session, city, desks[HOKEN], phone="09099998888")
    login(client, "kodomo@aoba.example.jp")
    page = client.get("/staff/requests").get_data(as_text=True)
    assert f"/staff/requests/{mine.id}" in page
    assert f"/staff/requests/{theirs.id}" not in page
    assert "末尾5678" in page
    assert "09012345678" not in page and "夜は電話に出られません" not in page
    assert client.get(f"/staff/requests/{theirs.id}").status_code == 404
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "request.open")).all() == []


def test_opening_a_request_shows_it_whole_and_is_audited(client, session, city):
    _, desks = city
    request = _request(session, city, desks[KODOMO])
    login(client, "kodomo@aoba.example.jp")
    page = client.get(f"/staff/requests/{request.id}").get_data(as_text=True)
    assert "09012345678" in page and "夜は電話に出られません。" in page
    [opened] = session.exec(select(AuditEvent).where(AuditEvent.action == "request.open")).all()
    assert opened.target == f"request:{request.id}"
    assert "09012345678" not in json.dumps(opened.detail, ensure_ascii=False)


@pytest.mark.parametrize("email", ["viewer@aoba.example.jp", "hoken@aoba.example.jp"])
def test_others_see_nothing_of_the_desks_requests(client, session, city, email):
    _, desks = city
    request = _request(session, city, desks[KODOMO])
    login(client, email)
    assert client.get(f"/staff/requests/{request.id}").status_code in (403, 404)
    assert _act(client, request.id, "assign").status_code in (403, 404)
    session.expire_all()
    assert session.get(ConsultationRequest, request.id).status == RequestStatus.NEW


def test_an_admin_sees_every_desk(client, session, city):
    _, desks = city
    request = _request(session, city, desks[HOKEN])
    login(client, "admin@aoba.example.jp")
    assert f"/staff/requests/{request.id}" in client.get("/staff/requests").get_data(as_text=True)


def test_assign_contact_note_and_close(client, session, city):
    _, desks = city
    request = _request(session, city, desks[KODOMO])
    login(client, "kodomo@aoba.example.jp")
    assert _act(client, request.id, "assign").status_code == 303
    assert _act(client, request.id, "note", body="午後に電話する").status_code == 303
    assert _act(client, request.id, "contacted").status_code == 303
    assert _act(client, request.id, "close", outcome="nonsense").status_code == 303  # refused
    session.expire_all()
    assert session.get(ConsultationRequest, request.id).status == RequestStatus.IN_CONTACT
    assert _act(client, request.id, "close", outcome="connected").status_code == 303
    session.expire_all()
    done = session.get(ConsultationRequest, request.id)
    assert (done.status, done.outcome) == (RequestStatus.CLOSED, "connected")
    assert done.first_contact_at is not None and done.closed_at is not None
    kinds = [e.kind for e in session.exec(select(RequestEvent).order_by(RequestEvent.id)).all()]
    assert kinds == ["status", "status", "note", "status", "status"]
    actions = {e.action for e in session.exec(select(AuditEvent)).all()}
    assert {"request.assign", "request.note", "request.contacted", "request.close"} <= actions
    # an ended request takes no more changes
    _act(client, request.id, "note", body="もう一度")
    assert len(session.exec(select(RequestEvent)).all()) == 5


def test_an_answer_by_email_goes_out_word_for_word(
    client, session, city, settings, database, fake_sendgrid
):
    _, desks = city
    request = _request(
        session, city, desks[KODOMO], way=ContactWay.EMAIL, phone=None, email="hanako@example.jp"
    )
    login(client, "kodomo@aoba.example.jp")
    words = "お電話は平日の午後にします。%%unsubscribe_url%% {{ name }} -name-"
    assert _act(client, request.id, "answer", body=words).status_code == 303
    worker = Worker(create_app(with_sendgrid(settings, fake_sendgrid), database))
    worker.request_messages()
    sent = [r for r in fake_sendgrid.received if r.to == "hanako@example.jp"]
    assert len(sent) == 2  # the acknowledgement, then the answer
    assert words in sent[-1].text  # nothing in it was taken for a placeholder
    assert "お電話は平日の午後にします。" in sent[-1].html
    session.expire_all()
    request = session.get(ConsultationRequest, request.id)
    assert request.status == RequestStatus.IN_CONTACT and request.first_contact_at
    statuses = {m.kind: m.status for m in session.exec(select(RequestMessage)).all()}
    assert statuses == {"received": "sent", "answer": "sent"}


def test_an_answer_from_a_template(client, session, city, settings):
    _, desks = city
    desk = desks[KODOMO]
    session.add(
        AnswerTemplate(desk_id=desk.id, title="不在", body="お電話がつながりませんでした。")
    )
    session.commit()
    template = session.exec(select(AnswerTemplate)).one()
    request = _request(
        session, city, desk, way=ContactWay.EMAIL, phone=None, email="hanako@example.jp"
    )
    login(client, "kodomo@aoba.example.jp")
    _act(client, request.id, "answer", body="", template=str(template.id))
    Worker(client.application).request_messages()
    bodies = [text_body(m) for m in read_outbox(settings.outbox_dir)]
    assert any("お電話がつながりませんでした。" in body for body in bodies)


def test_a_phone_request_cannot_be_answered_by_message(client, session, city):
    _, desks = city
    request = _request(session, city, desks[KODOMO])
    login(client, "kodomo@aoba.example.jp")
    response = _act(client, request.id, "answer", body="こんにちは")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "メールかLINE" in page
    assert session.exec(select(RequestMessage)).all() == []


def test_an_answer_by_line(client, session, city, settings, database, fake_line):
    _, desks = city
    request = _request(
        session, city, desks[KODOMO], way=ContactWay.LINE, phone=None, line_user_id="U" + "a" * 32
    )
    login(client, "kodomo@aoba.example.jp")
    _act(client, request.id, "answer", body="明日の午後にお電話します。")
    Worker(create_app(with_line(settings, fake_line), database)).request_messages()
    texts = [text for sent in fake_line.sent if sent.to == "U" + "a" * 32 for text in sent.texts]
    assert any("明日の午後にお電話します。" in text for text in texts)
    assert not any("返信" in text and "読みません" in text for text in texts)


def test_passing_to_another_desk(client, session, city, settings):
    _, desks = city
    request = _request(
        session, city, desks[KODOMO], way=ContactWay.EMAIL, phone=None, email="hanako@example.jp"
    )
    login(client, "kodomo@aoba.example.jp")
    response = _act(client, request.id, "transfer", desk=str(desks[HOKEN].id), body="医療費の件")
    assert response.headers["Location"].endswith("/staff/requests")  # gone from this queue
    assert client.get(f"/staff/requests/{request.id}").status_code == 404
    login(client, "hoken@aoba.example.jp")
    page = client.get(f"/staff/requests/{request.id}").get_data(as_text=True)
    assert "医療費の件" in page
    Worker(client.application).request_messages()
    last = read_outbox(settings.outbox_dir)[-1]
    # The parent hears it moved on; which desk it is now is on the request's own page.
    assert "引き継ぎました" in text_body(last) and "保険年金課" not in text_body(last)
    session.expire_all()
    moved = session.get(ConsultationRequest, request.id)
    assert (moved.desk_id, moved.status) == (desks[HOKEN].id, RequestStatus.NEW)


def test_the_queue_marks_overdue_requests(client, session, city):
    _, desks = city
    request = _request(session, city, desks[KODOMO])
    request.due_on = request.due_on.replace(year=2025)
    session.add(request)
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    page = client.get("/staff/requests").get_data(as_text=True)
    assert re.search(r'<tr class="overdue">', page) and "期限切れ" in page


def test_what_parents_and_staff_write_is_shown_as_text(client, session, city):
    _, desks = city
    xss = '<script>alert("x")</script>'
    programme = session.exec(select(Programme).where(Programme.slug == "jido-teate")).one()
    programme.name_ja = xss
    session.add(programme)
    request = _request(session, city, desks[KODOMO])
    request.message, request.programme_id = xss, programme.id
    session.add(request)
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    _act(client, request.id, "note", body=xss)
    pages = [
        client.get(f"/staff/requests/{request.id}"),
        client.get("/staff/requests"),
        client.get("/staff/programmes"),
        client.post(
            "/guide/aoba",
            data={"csrf_token": csrf_token(client, "/guide/aoba"), "worries": ["money"]},
        ),
    ]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and xss not in html and "&lt;script&gt;" in html


def test_staff_see_when_home_is_not_safe(client, session, city):
    organisation, desks = city
    request = open_request(
        session,
        organisation=organisation,
        desk=desks["こども家庭課 女性相談・DV相談"],
        contact=Contact(way=ContactWay.PHONE, phone="09012345678"),
        locale="ja",
        now=utcnow(),
        unsafe_at_home=True,
    )
    session.commit()
    assert session.exec(select(RequestMessage)).all() == []  # nothing to the parent's phone
    login(client, "kodomo@aoba.example.jp")
    assert "安全に配慮" in client.get("/staff/requests").get_data(as_text=True)
    page = client.get(f"/staff/requests/{request.id}").get_data(as_text=True)
    assert "許可がなければ市の名前を名乗らず" in page and "受付の連絡は本人に送っていません" in page
