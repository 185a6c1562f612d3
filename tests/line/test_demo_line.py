"""The demo's LINE simulator: with no LINE account, `yorisou demo` runs the fake LINE API and a
chat page; what a parent does there reaches Yorisou as signed webhook events, and what Yorisou
answers or sends by the worker shows in the chat."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.line.simulator import start_simulator
from service.models import Endpoint, Subscriber
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_catalogue,
    create_notice,
    create_organisation,
    create_source,
    create_topic,
)
from tests.fakes.line import user_id


@pytest.fixture
def demo(settings, database):
    app = create_app(settings, database)
    app.config["TESTING"] = True
    env = start_simulator(app)
    yield app, env
    app.extensions["yorisou.demo_line"].line.stop()


def test_without_the_simulator_there_is_no_demo_page(client):
    assert client.get("/demo/line").status_code == 404


def test_a_parent_registers_in_the_simulated_chat_and_a_notice_arrives(session, demo):
    app, env = demo
    assert set(env) == {
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
        "LINE_ACCOUNT_ID",
        "LINE_API_HOST",
    }
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_source(session, organisation=city)
    client = app.test_client()
    page = client.get("/demo/line").get_data(as_text=True)
    assert "友だち追加" in page and "まだメッセージはありません" in page
    assert ">制度を調べる</button>" in page  # the rich menu, installed at start

    response = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf_token(client, "/s/koseki"),
            "source": "koseki",
            "topics": [str(topic.id)],
            "consent": "y",
            "channel": "line",
        },
    )
    line_page = client.get(response.headers["Location"]).get_data(as_text=True)
    [chat_link] = re.findall(r'class="button line" href="([^"]+)"', line_page)
    assert chat_link.startswith("https://yorisou.example.jp/demo/line?text=")  # not line.me
    typed = client.get(unescape(chat_link).removeprefix("https://yorisou.example.jp"))
    [code] = re.findall(r'<input name="text" value="([^"]+)"', typed.get_data(as_text=True))
    assert code.startswith("登録コード ")

    client.post("/demo/line", data={"follow": "1"})
    chat = client.get("/demo/line").get_data(as_text=True)
    assert "友だち追加ありがとうございます" in chat and "友だち追加</button>" not in chat
    client.post("/demo/line", data={"text": code})
    chat = client.get("/demo/line/said").get_data(as_text=True)
    assert f'class="said parent">\n  <p>{code}</p>' in chat
    assert "登録が完了しました" in chat
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.confirmed_at is not None
    endpoint = session.exec(select(Endpoint)).one()
    assert (endpoint.channel, endpoint.address) == ("line", user_id("demo-parent"))

    create_notice(
        session,
        organisation=city,
        topics=[topic],
        channels=["line"],
        title="現況届の受付が始まります",
        starts_at=utcnow(),
    )
    noon = (utcnow() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    Worker(app).run_once(noon)
    chat = client.get("/demo/line/said").get_data(as_text=True)
    assert "現況届の受付が始まります" in chat


def test_the_cards_conversation_is_tapped_through_in_the_simulated_chat(session, demo):
    app, _ = demo
    city = create_organisation(session)
    city.card_lead_department = "こども家庭課"
    session.add(city)
    create_catalogue(session, organisation=city)
    session.commit()
    client = app.test_client()
    client.post("/demo/line", data={"follow": "1"})
    client.post("/demo/line", data={"text": "カード"})
    chat = client.get("/demo/line/said").get_data(as_text=True)
    [data, shown] = re.findall(
        r'name="postback" value="([^"]+)"><button class="line-button" name="shown" '
        r'value="([^"]+)">',
        chat,
    )[2]  # 離婚した
    client.post("/demo/line", data={"postback": unescape(data), "shown": shown})
    chat = client.get("/demo/line/said").get_data(as_text=True)
    assert f'class="said parent">\n  <p>{shown}</p>' in chat and "お子さんの年齢" in chat
