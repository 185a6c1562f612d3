"""The assistant in the LINE chat: anything that is not a keyword or a code is a question; the
answer, or "もしかして" as quick replies, or the way to a desk; a crisis answered first and kept
nowhere. Against the fake LINE, which refuses what LINE refuses."""

from __future__ import annotations

from sqlmodel import select

from service.assistant.demo_answers import ANSWERS
from service.assistant.models import Answer, Unanswered
from service.assistant.seeding import DEMO_SYNONYMS, add_answers, add_synonyms
from service.types import utcnow
from tests.factories import create_catalogue
from tests.line import test_line_webhook as webhook
from tests.line.test_line_webhook import follow, post, text

# The LINE webhook's app (with the fake LINE), its client and city.
app, client, city = webhook.app, webhook.client, webhook.city


def _with_answers(session, city):
    organisation = city[0]
    create_catalogue(session, organisation=organisation)
    add_answers(session, organisation.id, ANSWERS, now=utcnow())
    add_synonyms(session, organisation.id, DEMO_SYNONYMS, now=utcnow())
    session.commit()


def test_a_question_in_the_chat_gets_the_staffs_answer(session, client, fake_line, city):
    _with_answers(session, city)
    post(client, follow())
    assert post(client, text("年末調整でひとり親控除を受けるには")).status_code == 200
    reply = fake_line.replies[-1][1]
    assert "ひとり親控除" in reply.texts[0] and "年末調整" in reply.texts[0]
    answer_id = session.exec(select(Answer.id).where(Answer.code == "zei-001")).one()
    assert reply.actions[0]["uri"] == f"https://yorisou.example.jp/ask/aoba/a/{answer_id}"
    assert "税務課 市民税係" in reply.texts[0]  # the desk, a fact attached to the answer


def test_did_you_mean_comes_as_quick_replies_that_answer_when_tapped(
    session,
    client,
    fake_line,
    city,
):
    _with_answers(session, city)
    post(client, text("児童手当を私の口座にしたい"))
    reply = fake_line.replies[-1][1]
    items = reply.messages[0]["quickReply"]["items"]
    assert 1 <= len(items) <= 3 and all(len(i["action"]["label"]) <= 20 for i in items)
    tapped = items[0]["action"]["text"]
    post(client, text(tapped))
    answered = fake_line.replies[-1][1]
    assert answered.actions and "/ask/aoba/a/" in answered.actions[0]["uri"]


def test_a_crisis_in_the_chat_is_answered_first_and_kept_nowhere(
    session,
    client,
    fake_line,
    city,
):
    _with_answers(session, city)
    post(client, follow())
    post(client, text("もう死にたい"))
    reply = fake_line.replies[-1][1]
    assert "#8008" in reply.texts[0] and "189" in reply.texts[0] and "110" in reply.texts[0]
    assert "unsafe=1" in reply.actions[0]["uri"] and "/guide/aoba/ask" in reply.actions[0]["uri"]
    assert session.exec(select(Unanswered)).all() == []
    post(client, text("ありがとう"))
    assert "どういたしまして" in fake_line.replies[-1][1].texts[0]


def test_the_menus_question_button_invites_a_question(session, client, fake_line, city):
    _with_answers(session, city)
    post(client, follow())
    post(client, text("質問"))  # what the rich menu's first button sends
    reply = fake_line.replies[-1][1]
    assert "質問" in reply.texts[0] and "書いて" in reply.texts[0]
    assert reply.actions[0]["uri"] == "https://yorisou.example.jp/ask/aoba"
    assert session.exec(select(Unanswered)).all() == []  # a keyword, not a question
