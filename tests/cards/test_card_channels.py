"""The card beyond the web form: made as a LINE conversation (nothing kept until it is saved),
reached again from the chat, written to in the parent's own channel; its link renewed, its copy
sent; 相談員を呼ブ from the counter's QR page, and the staff's LINE group told of each call.
Against the fake LINE, which refuses what LINE refuses."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text as sql
from sqlmodel import select

from service.cards.models import Card, CardConsent, CardMessage, CounsellorAlert, CounsellorCall
from service.models import Role
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import create_catalogue, create_organisation, create_source, create_staff
from tests.line import test_line_webhook as webhook
from tests.line.test_line_webhook import HANAKO, event, post, text
from tests.outbox import read_outbox, text_body
from tests.staff.test_staff_notices import login

# The LINE webhook's app (with the fake LINE) and its client.
app, client = webhook.app, webhook.client
KODOMO, HOKEN = "こども家庭課", "保険年金課"
GROUP = "C" + "0123456789abcdef" * 2


@pytest.fixture
def city(session):
    city = create_organisation(session)
    city.card_lead_department = KODOMO
    session.add(city)
    create_catalogue(session, organisation=city)
    for email, department in (("kodomo@aoba.example.jp", KODOMO), ("hoken@aoba.example.jp", HOKEN)):
        create_staff(
            session, organisation=city, email=email, role=Role.EDITOR, department=department
        )
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    session.commit()
    return city


def _items(fake_line):
    """The quick replies of the account's last reply."""
    return fake_line.replies[-1][1].messages[0]["quickReply"]["items"]


def _tap(client, fake_line, index):
    """The parent taps a quick reply: LINE posts its postback data."""
    action = _items(fake_line)[index]["action"]
    assert action["type"] == "postback" and len(action["label"]) <= 20
    post(
        client,
        event(
            "postback",
            HANAKO,
            replyToken=f"reply-{uuid.uuid4().hex}",
            postback={"data": action["data"]},
        ),
    )
    return fake_line.replies[-1][1]


def _said(fake_line) -> str:
    return "\n".join(fake_line.replies[-1][1].texts)


def test_the_card_as_a_line_conversation_keeps_nothing_until_saved(
    session, client, fake_line, worker, settings, city
):
    post(client, text("カード"))
    assert "最後に保存するまで、何も残りません" in _said(fake_line)
    _tap(client, fake_line, 2)  # 離婚した
    assert "お子さんの年齢" in _said(fake_line)
    _tap(client, fake_line, 1)  # 小学生
    assert "選んだもの：小学生" in _said(fake_line)
    _tap(client, fake_line, -1)  # 次へ
    assert "相談したい" in _said(fake_line) and len(_items(fake_line)) == 9  # 8 needs and 次へ
    _tap(client, fake_line, 0)  # お金・生活費
    _tap(client, fake_line, -1)
    _tap(client, fake_line, 0)  # 年収200万円未満
    _tap(client, fake_line, 1)  # 養育費の取り決めはない
    assert "このトークでお知らせしてもよいですか" in _said(fake_line)
    _tap(client, fake_line, 0)  # 知らせてほしい
    asked = []
    while "カードを見てもよいですか" in _said(fake_line):
        asked.append(re.search(r"^(\S+?)がカードを見てもよいですか", _said(fake_line)).group(1))
        _tap(client, fake_line, 0 if len(asked) == 1 else 1)  # the first may, no other
    assert asked and "手伝えること：" in fake_line.replies[-3][1].texts[0]
    assert f"カードを見られるのは、{asked[0]}だけです" in _said(fake_line)
    assert session.exec(select(Card)).all() == []  # all of it is in the chat, nothing here

    saved = _tap(client, fake_line, 0)  # 保存する
    [card] = session.exec(select(Card)).all()
    assert (card.stage, card.children, card.needs) == ("divorced", ["elementary"], ["money"])
    assert (card.income_band, card.support_agreed, card.contact_way) == ("under-2m", "no", "line")
    assert card.tell_me
    consents = session.exec(select(CardConsent.department)).all()
    assert consents == [asked[0]]
    raw = session.execute(sql("SELECT contact FROM card")).scalar_one()
    assert HANAKO not in raw  # the LINE user id is encrypted
    link = saved.actions[0]["uri"].removeprefix("https://yorisou.example.jp")
    page = client.get(link).get_data(as_text=True)
    assert asked[0] in page and HANAKO not in page

    post(client, text("カード"))  # again: the card's page, not a second card
    again = fake_line.replies[-1][1].actions[0]["uri"].removeprefix("https://yorisou.example.jp")
    assert again.startswith("/card/c/") and asked[0] in client.get(again).get_data(as_text=True)
    assert len(session.exec(select(Card)).all()) == 1

    # The department writes to the parent: it comes in this chat, in its own words.
    login(client, "kodomo@aoba.example.jp")
    if asked[0] == KODOMO:
        path = f"/staff/cards/{card.id}"
        assert HANAKO not in client.get(path).get_data(as_text=True)
        written = client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "kind": "message",
                "body": "来週の月曜日にお電話します。{{ name }}",
            },
        )
        assert written.status_code == 303
        before = len(fake_line.sent)
        assert worker.request_messages() == 1
        [sent] = fake_line.sent[before:]
        assert sent.to == HANAKO
        assert "こども家庭課からのメッセージ" in sent.texts[0]
        assert "来週の月曜日にお電話します。{{ name }}" in sent.texts[0]  # as written
        raw = session.execute(sql("SELECT body FROM card_message")).scalar_one()
        assert "来週" not in raw


def test_a_conversation_cancelled_or_in_a_city_without_the_card_keeps_nothing(
    session, client, fake_line, city
):
    post(client, text("カード"))
    for _ in range(6):
        _tap(client, fake_line, -1)  # skip everything, and no news of support
    while "カードを見てもよいですか" in _said(fake_line):
        _tap(client, fake_line, 1)  # no department
    assert "誰もカードを見られません" in _said(fake_line)
    _tap(client, fake_line, 1)  # やめる
    assert "何も保存していません" in _said(fake_line)
    assert session.exec(select(Card)).all() == []
    city.card_lead_department = ""
    session.add(city)
    session.commit()
    post(client, text("相談カード"))
    assert "まだ相談カードを使っていません" in _said(fake_line)


def _saved_by_email(client):
    data = {
        "csrf_token": csrf_token(client, "/guide/aoba"),
        "needs": ["money"],
        "contact_way": "email",
        "email": "hanako@example.jp",
        "departments": [KODOMO],
    }
    return client.post("/card/aoba/new", data=data).headers["Location"]


def _opens_the_card(client, body) -> bool:
    link = re.search(r"https://yorisou\.example\.jp(/card/c/\S+)", body).group(1)
    return KODOMO in client.get(link).get_data(as_text=True)


def test_the_parent_gets_a_copy_and_can_renew_the_link(session, client, worker, settings, city):
    old = _saved_by_email(client)
    assert worker.request_messages() == 1
    [copy] = read_outbox(settings.outbox_dir)
    assert copy["To"] == "hanako@example.jp" and copy["Subject"] == "あおば市：相談カードについて"
    body = text_body(copy)
    assert "見られるのは、次の課だけです" in body and "・こども家庭課" in body
    assert _opens_the_card(client, body)  # a link signed when it was sent: same card, other time

    renewed = client.post(f"{old}/renew", data={"csrf_token": csrf_token(client, old)})
    new = renewed.headers["Location"]
    assert renewed.status_code == 303 and new != old
    assert "同じリンクをお送りしました" in client.get(new).get_data(as_text=True)
    assert client.get(old).status_code == 410
    assert worker.request_messages() == 1
    mailed = text_body(read_outbox(settings.outbox_dir)[-1])
    assert "新しいリンク" in mailed and _opens_the_card(client, mailed)


def test_a_parent_calls_a_counsellor_from_the_counters_qr_page(session, client, city):
    source = create_source(session, organisation=city, code="koseki")
    assert "相談員を呼ぶ" not in client.get("/s/koseki").get_data(as_text=True)
    token = csrf_token(client, "/s/koseki")
    assert client.post("/s/koseki/call", data={"csrf_token": token}).status_code == 404
    city.call_from_landing = True
    session.add(city)
    session.commit()
    assert "相談員を呼ぶ" in client.get("/s/koseki").get_data(as_text=True)
    assert client.post("/s/koseki/call", data={}).status_code == 400  # no CSRF token
    called = client.post("/s/koseki/call", data={"csrf_token": csrf_token(client, "/s/koseki")})
    assert called.status_code == 303 and called.headers["Location"].startswith("/call/")
    [call] = session.exec(select(CounsellorCall)).all()
    assert call.source_id == source.id and call.asked_by_id is None

    # Asked on a Wednesday morning, accepted by the lead department: the phone says so.
    call.asked_at = datetime(2027, 8, 18, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    call.ended_at, call.accepted_at, call.minutes = None, utcnow(), 3
    session.add(call)
    session.commit()
    status = client.get(called.headers["Location"]).get_data(as_text=True)
    assert "相談員が向かっています（3分）" in status and "http-equiv" not in status
    ended = client.post(
        called.headers["Location"],
        data={"csrf_token": csrf_token(client, called.headers["Location"])},
    )
    assert ended.status_code == 303
    session.refresh(call)
    assert call.ended_at is not None
    assert client.get("/call/forged").status_code == 400


def test_the_staffs_line_group_is_told_of_each_call(
    session, client, fake_line, worker, settings, city
):
    from service.cards.calls import call_counsellor

    joined = {
        "type": "join",
        "mode": "active",
        "timestamp": 1795737600000,
        "source": {"type": "group", "groupId": GROUP},
        "webhookEventId": uuid.uuid4().hex[:26].upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"reply-{uuid.uuid4().hex}",
    }
    post(client, joined)
    assert f"このグループのIDは {GROUP} です" in fake_line.replies[-1][1].texts[0]

    login(client, "admin@aoba.example.jp")
    path = "/staff/organisation"
    form = {
        "csrf_token": csrf_token(client, path),
        "name": city.name,
        "sender_name": city.sender_name,
        "sender_email": city.sender_email,
        "card_lead_department": KODOMO,
        "staff_line_group": "LINEのグループ",
    }
    refused = client.post(path, data=form)
    assert refused.status_code == 400 and "32文字" in refused.get_data(as_text=True)
    assert client.post(path, data={**form, "staff_line_group": GROUP}).status_code == 303
    session.refresh(city)
    assert city.staff_line_group == GROUP

    counter = create_source(session, organisation=city, code="koseki", name="本庁舎 戸籍窓口")
    wednesday = datetime(2027, 8, 18, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    call_counsellor(session, city, source_id=counter.id, asked_by_id=None, now=wednesday)
    session.commit()
    before = len(fake_line.sent)
    worker.staff_messages(now=wednesday)
    [alert] = fake_line.sent[before:]
    assert alert.to == GROUP
    assert "本庁舎 戸籍窓口が相談員を呼んでいます（10:00）" in alert.texts[0]
    assert "https://yorisou.example.jp/staff/calls" in alert.texts[0]
    worker.staff_messages(now=wednesday)
    assert len(fake_line.sent) == before + 1  # once
    assert session.exec(select(CounsellorAlert.status)).all() == ["sent"]
    assert [m.kind for m in session.exec(select(CardMessage))] == []
