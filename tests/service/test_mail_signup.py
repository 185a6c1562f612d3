"""空メール登録 end to end: an empty email to the poster's address, through Inbound Parse (the
fake sender in tests/fakes/), an answer with a link, topics chosen there, the address confirmed."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from jobs.worker import Worker
from service import create_app
from service.mail_signup import PER_DOMAIN_PER_HOUR, PER_SOURCE_PER_HOUR
from service.models import (
    Delivery,
    Endpoint,
    InboundSender,
    MailboxEmail,
    Organisation,
    Role,
    Subscriber,
    Subscription,
)
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.fakes.inbound_parse import SECRET, inbound_form, post_inbound
from tests.outbox import link, read_outbox, text_body
from tests.staff.test_staff_notices import login
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
):
    """As README shows it: the email on standard input, no file left behind."""
    eml = (
        b"Return-Path: <hanako@docomo.ne.jp>\r\nFrom: hanako@docomo.ne.jp\r\n"
        b"To: touroku+koseki@mail.aoba.example.jp\r\nSubject: \r\n\r\n"
    )
    result = yorisou(env, "inbound", "-", input=eml.decode())
    assert result.returncode == 0, result.stderr
    assert "answered with a link to choose topics" in result.stdout
    assert "the worker sends it" in result.stdout  # not there yet: said so
    session.expire_all()
    assert session.exec(select(Endpoint.address)).one() == "hanako@docomo.ne.jp"


def _answered(session) -> int:
    return _count(session, Delivery)


def test_a_registration_address_belongs_to_one_city_whatever_its_spelling(client, session, topic):
    other = create_organisation(session, slug="kita", name="きた市")
    create_staff(session, organisation=other, email="admin@kita.example.jp", role=Role.ADMIN)
    login(client, "admin@kita.example.jp")
    page = "/staff/organisation"
    fields = {
        "csrf_token": csrf_token(client, page),
        "name": "きた市",
        "sender_name": "きた市 子ども課",
        "sender_email": "info@kita.example.jp",
    }
    taken = client.post(
        page, data={**fields, "registration_address": "ＴＯＵＲＯＫＵ@Mail.Aoba.example.jp"}
    )
    assert taken.status_code == 400
    assert "ほかの自治体の空メール登録に使われています" in taken.get_data(as_text=True)
    plus = client.post(
        page, data={**fields, "registration_address": "touroku+x@mail.kita.example.jp"}
    )
    assert plus.status_code == 400 and "「+」は使えません" in plus.get_data(as_text=True)
    own = client.post(page, data={**fields, "registration_address": "Touroku@Mail.Kita.example.jp"})
    assert own.status_code == 303
    session.expire_all()
    assert (
        session.get(Organisation, other.id).registration_address == "touroku@mail.kita.example.jp"
    )
    # The database refuses it too, whoever writes: two admins at once, a script.
    other = session.get(Organisation, other.id)
    other.registration_address = ADDRESS
    session.add(other)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_mail_that_could_be_for_two_cities_registers_with_neither(client, session, topic, caplog):
    other = create_organisation(session, slug="kita", name="きた市")
    other.registration_address = "touroku@mail.kita.example.jp"
    session.add(other)
    session.commit()
    caplog.set_level(logging.WARNING, logger="service.mail_signup")
    response = post_inbound(
        client,
        sender="hanako@docomo.ne.jp",
        to=f"{ADDRESS}, touroku@mail.kita.example.jp",
    )
    assert response.json["result"] == "ignored: addressed to more than one city"
    assert _count(session, Subscriber) == 0 and _answered(session) == 0
    assert "more than one city (aoba, kita)" in caplog.text
    assert "hanako" not in caplog.text


@pytest.mark.parametrize(
    ("spf", "dkim", "answered"),
    [
        ("pass", "", True),
        ("softfail", "{@docomo.ne.jp : pass}", True),
        ("none", "{@mail.docomo.ne.jp : pass}", False),  # a domain below is not the sender's
        ("fail", "{@evil.example : pass}", False),  # signed, but by someone else
        ("softfail", "{@docomo.ne.jp : fail}", False),
        ("neutral", "", False),
    ],
)
def test_only_senders_their_domain_vouches_for_are_answered(
    client, session, topic, spf, dkim, answered
):
    response = post_inbound(client, sender="hanako@docomo.ne.jp", to=ADDRESS, spf=spf, dkim=dkim)
    assert response.status_code == 200
    assert response.json["result"].startswith("answered") is answered
    assert _answered(session) == int(answered)


def test_a_flood_from_one_domain_or_one_server_leaves_room_for_real_parents(client, session, topic):
    for n in range(PER_SOURCE_PER_HOUR + 2):  # one server, many forged-looking names
        post_inbound(client, sender=f"x{n}@spam{n}.example", to=ADDRESS, sender_ip="198.51.100.7")
    assert _answered(session) == PER_SOURCE_PER_HOUR
    for n in range(PER_DOMAIN_PER_HOUR + 2):  # one domain, many servers
        post_inbound(client, sender=f"y{n}@bulk.example", to=ADDRESS, sender_ip=f"192.0.2.{n}")
    assert _answered(session) == PER_SOURCE_PER_HOUR + PER_DOMAIN_PER_HOUR
    parent = post_inbound(client, sender="hanako@docomo.ne.jp", to=ADDRESS)
    assert parent.json["result"] == "answered with a link to choose topics"


def test_an_email_with_a_photo_is_read_not_refused(client, session, topic):
    form = inbound_form(
        sender="hanako@docomo.ne.jp", to=ADDRESS, html="<p>よろしくお願いします</p>" * 100_000
    )
    photo = (io.BytesIO(b"\xff\xd8" + b"\x00" * 8_000_000), "IMG_0001.jpg", "image/jpeg")
    response = client.post(
        f"/webhooks/inbound/{SECRET}",
        data={**form, "attachments": "1", "attachment1": photo},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.json["result"] == "answered with a link to choose topics"


def test_the_days_counts_are_forgotten_by_the_daily_upkeep(app, client, session, topic):
    post_inbound(client, sender="hanako@docomo.ne.jp", to=ADDRESS)
    assert _count(session, InboundSender) == 1 and _count(session, MailboxEmail) == 1
    Worker(app).upkeep(utcnow() + timedelta(hours=23))
    assert _count(session, InboundSender) == 1  # still counting
    Worker(app).upkeep(utcnow() + timedelta(days=1, minutes=1))
    assert _count(session, InboundSender) == 0 and _count(session, MailboxEmail) == 0
