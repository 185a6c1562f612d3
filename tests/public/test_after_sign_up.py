"""The page after sign-up: where the email went, sending it again, correcting a mistyped address
without starting over, and how to let the city's mail through a phone's filter."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service import create_app
from service.models import Delivery, Endpoint, Subscription
from tests.conftest import csrf_token, sign_up, with_line
from tests.factories import create_organisation, create_source, create_topic
from tests.outbox import read_outbox, text_body


@pytest.fixture
def topic(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    return create_topic(session, organisation=city)


def test_the_page_shows_the_address_and_how_to_let_the_mail_through(client, topic):
    response = sign_up(client, topic_ids=[topic.id], email="hanako@docomo.ne.jp")
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "hanako@docomo.ne.jp" in html  # in full: a typo shows
    assert "aoba.example.jp" in html  # the domain to allow (the city's sender)
    assert "https://www.docomo.ne.jp/" in html and "ドメイン指定受信" in html
    assert "古い形のアドレス" not in html


def test_an_old_carrier_address_is_told_it_may_not_receive_and_offered_the_rest(client, topic):
    response = sign_up(client, topic_ids=[topic.id], email="taro..hanako.@docomo.ne.jp")
    html = client.get(response.location).get_data(as_text=True)
    assert "古い形のアドレス" in html
    # This deployment has neither LINE nor web push: nothing suggests them.
    assert "LINE" not in html and "この端末" not in html


def test_an_old_carrier_address_is_offered_line_where_the_city_has_it(
    settings, database, fake_line, topic
):
    client = create_app(with_line(settings, fake_line), database).test_client()
    response = sign_up(client, topic_ids=[topic.id], email="taro..hanako.@docomo.ne.jp")
    html = client.get(response.location).get_data(as_text=True)
    assert "LINEへの通知なら確実に届きます" in html and "この端末" not in html


def test_sending_again_is_one_button_and_stops_at_three_a_day(
    client, session, settings, worker, topic
):
    page = sign_up(client, topic_ids=[topic.id], email="hanako@example.jp").location
    again = f"{page}/again"
    for _ in range(2):
        response = client.post(again, data={"csrf_token": csrf_token(client, page)})
        assert response.status_code == 303
    assert "メールをもう一度送りました" in client.get(page).get_data(as_text=True)
    client.post(again, data={"csrf_token": csrf_token(client, page)})
    assert "今日すでに3通" in client.get(page).get_data(as_text=True)
    worker.run_once()
    assert len(read_outbox(settings.outbox_dir)) == 3


def test_a_mistyped_address_is_corrected_without_starting_over(
    client, session, settings, worker, topic
):
    page = sign_up(client, topic_ids=[topic.id], email="hanako@exmaple.jp").location
    refused = client.post(
        f"{page}/address", data={"csrf_token": csrf_token(client, page), "email": "hanako"}
    )
    assert refused.status_code == 400 and "「@」が入っていません" in refused.get_data(as_text=True)
    response = client.post(
        f"{page}/address",
        data={"csrf_token": csrf_token(client, page), "email": "hanako@example.jp"},
    )
    assert response.status_code == 303
    assert "hanako@example.jp" in client.get(page).get_data(as_text=True)
    worker.run_once()
    [email] = read_outbox(settings.outbox_dir)  # nothing to the mistyped address
    assert str(email["To"]) == "hanako@example.jp"
    assert "送信専用のアドレス" in text_body(email) and "お問い合わせ：あおば市" in text_body(email)
    assert session.exec(select(Endpoint.address)).all() == ["hanako@example.jp"]
    assert [s.topic_id for s in session.exec(select(Subscription))] == [topic.id]
    kinds = sorted((d.status, d.last_error) for d in session.exec(select(Delivery)))
    assert kinds == [("sent", None), ("suppressed", "address corrected")]
