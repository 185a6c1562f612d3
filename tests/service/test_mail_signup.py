"""空メール登録 end to end: an empty email to the poster's address, through Inbound Parse (the
fake sender in tests/fakes/), an answer with a link, topics chosen there, the address confirmed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import func, select

from jobs.worker import Worker
from service import create_app
from service.models import Delivery, Endpoint, Subscriber, Subscription
from tests.conftest import csrf_token
from tests.factories import create_organisation, create_source, create_subscriber, create_topic
from tests.fakes.inbound_parse import SECRET, post_inbound
from tests.outbox import link, read_outbox, text_body
from tests.test_cli import env, yorisou  # noqa: F401 (env: a fixture)

ADDRESS = "touroku@mail.aoba.example.jp"


@pytest.fixture
def app(settings, database):
    return create_app(replace(settings, inbound_parse_secret=SECRET), database)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def topic(session):
    city = create_organisation(session)
    city.registration_address = ADDRESS
    session.add(city)
    session.commit()
    create_source(session, organisation=city, code="koseki", name="市民課 戸籍窓口")
    return create_topic(session, organisation=city)


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_an_empty_email_brings_a_link_to_choose_topics_and_using_it_confirms(
    app, client, session, settings, topic
):
    response = post_inbound(
        client, sender="hanako@docomo.ne.jp", to="touroku+koseki@mail.aoba.example.jp"
    )
    assert response.status_code == 200
    assert response.json["result"] == "answered with a link to choose topics"
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.confirmed_at is None  # a From can be forged: the link decides
    Worker(app).run_once()
    [answer] = read_outbox(settings.outbox_dir)
    assert str(answer["To"]) == "hanako@docomo.ne.jp"
    assert "お知らせを選んでください" in text_body(answer)
    page_path = link(answer, "/choose/")
    page = client.get(page_path)
    assert page.status_code == 200 and "hanako@docomo.ne.jp" in page.get_data(as_text=True)
    done = client.post(
        page_path,
        data={
            "csrf_token": csrf_token(client, page_path),
            "topics": [str(topic.id)],
            "consent": "y",
        },
    )
    assert done.status_code == 200 and "登録が完了しました" in done.get_data(as_text=True)
    session.expire_all()
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.confirmed_at is not None and subscriber.source_id is not None
    assert session.exec(select(Endpoint)).one().verified_at is not None
    assert [s.topic_id for s in session.exec(select(Subscription))] == [topic.id]


@pytest.mark.parametrize(
    "email",
    [
        {"headers": {"Auto-Submitted": "auto-replied"}},
        {"headers": {"Precedence": "bulk"}},
        {"headers": {"List-Id": "<news.example.jp>"}},
        {"envelope_sender": ""},  # a bounce
        {"sender": "MAILER-DAEMON@mx.example.jp"},
        {"to": "someone-else@mail.aoba.example.jp"},
    ],
)
def test_automatic_mail_and_mail_to_other_addresses_are_ignored(client, session, topic, email):
    fields = {"sender": "hanako@docomo.ne.jp", "to": ADDRESS, **email}
    response = post_inbound(client, **fields)
    assert response.status_code == 200 and response.json["result"].startswith("ignored")
    assert _count(session, Subscriber) == 0 and _count(session, Delivery) == 0


def test_a_post_without_the_secret_is_refused_and_stores_nothing(
    settings, database, client, session, topic
):
    assert (
        post_inbound(client, "wrong-secret", sender="h@example.jp", to=ADDRESS).status_code == 404
    )
    unset = create_app(settings, database).test_client()  # no INBOUND_PARSE_SECRET at all
    assert post_inbound(unset, "", sender="h@example.jp", to=ADDRESS).status_code == 404
    assert _count(session, Subscriber) == 0


def test_one_sender_gets_three_answers_a_day_and_a_registered_one_their_link(
    app, client, session, settings, topic
):
    for _ in range(5):
        post_inbound(client, sender="hanako@docomo.ne.jp", to=ADDRESS)
    assert _count(session, Subscriber) == 1 and _count(session, Delivery) == 3
    city = session.get(type(topic), topic.id).organisation_id
    from service.models import Organisation

    create_subscriber(
        session,
        organisation=session.get(Organisation, city),
        topics=[topic],
        email="taro@example.jp",
    )
    answer = post_inbound(client, sender="taro@example.jp", to=ADDRESS)
    assert answer.json["result"] == "answered with the registration's link"
    Worker(app).run_once()
    [mail] = [m for m in read_outbox(settings.outbox_dir) if str(m["To"]) == "taro@example.jp"]
    assert "/preferences/" in text_body(mail)


def test_an_eml_file_takes_the_same_way_from_the_command_line(
    database,
    session,
    topic,
    env,  # noqa: F811
    tmp_path,
):
    eml = tmp_path / "empty.eml"
    eml.write_bytes(
        b"Return-Path: <hanako@docomo.ne.jp>\r\nFrom: hanako@docomo.ne.jp\r\n"
        b"To: touroku+koseki@mail.aoba.example.jp\r\nSubject: \r\n\r\n"
    )
    result = yorisou(env, "inbound", str(eml))
    assert result.returncode == 0, result.stderr
    assert "answered with a link to choose topics" in result.stdout
    session.expire_all()
    assert session.exec(select(Endpoint.address)).one() == "hanako@docomo.ne.jp"
