"""Addresses as Japanese phones type them: full-width, with a 。, in capitals, or an old carrier
address that breaks today's rules; a message that says what to change when one cannot work."""

from __future__ import annotations

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.models import Delivery, Endpoint, Subscriber
from tests.conftest import sign_up, with_sendgrid
from tests.factories import create_organisation, create_source, create_topic
from tests.outbox import read_outbox


@pytest.fixture
def topic(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    return create_topic(session, organisation=city)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
        ("jiro＠example.jp", "jiro@example.jp"),
        ("hanako@example。jp", "hanako@example.jp"),
        ("　ｈａｎａｋｏ＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ　", "hanako@docomo.ne.jp"),
    ],
)
def test_an_address_typed_in_full_width_is_taken_as_it_was_meant(
    client, session, topic, typed, kept
):
    assert sign_up(client, topic_ids=[topic.id], email=typed).status_code == 303
    assert session.exec(select(Endpoint.address)).one() == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("hanako.example.jp", "「@」が入っていません"),
        ("はなこ@example.jp", "半角で入力してください"),
        ("hanako @example.jp", "空白を取ってください"),
        ("hanako@example", "hanako@example.jp のような形か確かめてください"),
    ],
)
def test_an_address_that_cannot_work_gets_a_message_that_says_what_to_change(
    client, session, topic, typed, message
):
    response = sign_up(client, topic_ids=[topic.id], email=typed)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.exec(select(Subscriber)).all() == []


def test_one_address_in_any_case_is_one_parent_waiting_for_one_confirmation(
    client, session, settings, worker, topic
):
    for typed in ("hanako@example.jp", "HANAKO@Example.JP"):
        assert sign_up(client, topic_ids=[topic.id], email=typed).status_code == 303
    assert len(session.exec(select(Subscriber)).all()) == 1
    assert len(session.exec(select(Endpoint)).all()) == 1
    worker.run_once()
    assert len(read_outbox(settings.outbox_dir)) == 2  # the second asked for a fresh email
    assert len(session.exec(select(Delivery)).all()) == 2


@pytest.mark.parametrize("address", ["taro..hanako.@docomo.ne.jp", "a.@ezweb.ne.jp"])
def test_an_old_carrier_address_is_taken_and_sent_to_in_quotes_as_sendgrid_asks(
    client, session, settings, database, fake_sendgrid, topic, address
):
    assert sign_up(client, topic_ids=[topic.id], email=address).status_code == 303
    assert session.exec(select(Endpoint.address)).one() == address  # kept as the parent has it
    Worker(create_app(with_sendgrid(settings, fake_sendgrid), database)).run_once()
    local, _, domain = address.rpartition("@")
    assert fake_sendgrid.addresses() == [f'"{local}"@{domain}']
    assert session.exec(select(Delivery.status)).one() == "sent"


def test_the_fake_refuses_such_an_address_unquoted_as_sendgrid_does(fake_sendgrid):
    from service.channels import RenderedMessage
    from service.channels.email_sendgrid import SendGridEmail, request_body
    from tests.fakes.sendgrid import API_KEY

    channel = SendGridEmail(API_KEY, fake_sendgrid.url)
    body = request_body(RenderedMessage("s", "t", "<p>t</p>", "a@city.example.jp", "市"), [])
    body["personalizations"] = [{"to": [{"email": "taro..hanako.@docomo.ne.jp"}]}]
    assert channel.post(body).status == 400
