"""Titles and names become subjects and senders of emails: one line each. A line break is
refused where it is typed, and one stored before never stops an email."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from service.models import ApiToken, Notice, Organisation, Role, Topic
from tests.conftest import csrf_token, press_confirm, sign_up
from tests.factories import create_organisation, create_source, create_staff, create_topic
from tests.outbox import link, read_outbox
from tests.staff.test_staff_notices import login

INJECTED = "あおば市\r\nBcc: everyone@elsewhere.example"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    return city


def _post(client, page, path=None, **data):
    return client.post(path or page, data={"csrf_token": csrf_token(client, page), **data})


def test_a_line_break_in_a_title_or_a_name_is_refused_where_it_is_typed(client, session, city):
    topic = create_topic(session, organisation=city)
    login(client, "admin@aoba.example.jp")
    notice = _post(
        client,
        "/staff/notices/new",
        title="件名\r\nBcc: x@elsewhere.example",
        body="本文",
        topics=[str(topic.id)],
        channels=["email"],
        rule_kind="once",
        starts_at="2027-08-01T09:00",
        holiday_shift="none",
    )
    assert notice.status_code == 400
    assert "件名に改行は使えません" in notice.get_data(as_text=True)
    renamed = _post(
        client,
        f"/staff/topics/{topic.id}",
        name_ja="養育費\n",
        name_en="Child support",
        description_ja="",
        description_en="",
        department="",
    )
    assert renamed.status_code == 200 and "改行は使えません" in renamed.get_data(as_text=True)
    organisation = _post(
        client,
        "/staff/organisation",
        name="あおば市",
        sender_name=INJECTED,
        sender_email="oshirase@aoba.example.jp",
        contact_line="",
        privacy_contact="",
    )
    assert organisation.status_code == 400
    assert "改行は使えません" in organisation.get_data(as_text=True)
    session.expire_all()
    assert session.get(Topic, topic.id).name_ja == "養育費"
    assert session.exec(select(Organisation)).one().sender_name == "あおば市 こども家庭課"
    assert session.exec(select(Notice)).all() == []


def test_the_api_refuses_a_title_of_two_lines(client, session, city):
    topic = create_topic(session, organisation=city)
    staff = session.exec(select(Organisation)).one()
    user = create_staff(session, organisation=staff, email="e@aoba.example.jp", role=Role.EDITOR)
    session.add(
        ApiToken(staff_user_id=user.id, token_hash=hashlib.sha256(b"editor-token").hexdigest())
    )
    session.commit()
    response = client.post(
        "/api/v1/notices",
        headers={"Authorization": "Bearer editor-token"},
        json={
            "title": "件名\nBcc: x@elsewhere.example",
            "body": "本文",
            "topics": [topic.id],
            "starts_at": "2027-08-01T09:00:00+09:00",
        },
    )
    assert response.status_code == 400 and "one line" in response.json["error"]["detail"]


def test_a_name_stored_with_a_line_break_never_stops_the_confirmation_email(
    client, session, settings, worker, city
):
    city.name = INJECTED
    city.sender_name = INJECTED
    session.add(city)
    session.commit()
    create_source(session, organisation=city, code="koseki")
    topic = create_topic(session, organisation=city)
    sign_up(client, topic_ids=[topic.id], email="hanako@example.jp")
    worker.run_once()
    [email] = read_outbox(settings.outbox_dir)
    assert str(email["Subject"]).startswith("あおば市 Bcc: everyone@elsewhere.example")
    assert email["Bcc"] is None and "everyone@" not in str(email["To"])
    assert press_confirm(client, link(email, "/confirm/")).status_code == 200
