"""Staff keep the answers: an editor for their own department's desks, every change audited and
answering parents at once; the questions that found nothing; the synonyms."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from service.assistant.answering import ask
from service.assistant.models import Answer
from service.models import AuditEvent, Role
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_catalogue,
    create_event,
    create_notice,
    create_organisation,
    create_staff,
    create_topic,
)
from tests.staff.test_staff_notices import login

KODOMO = "こども家庭課 ひとり親支援係"


def _city(session):
    city = create_organisation(session)
    desks = create_catalogue(session, organisation=city)
    create_staff(
        session,
        organisation=city,
        email="kodomo@aoba.example.jp",
        role=Role.EDITOR,
        department="こども家庭課",
    )
    create_staff(
        session,
        organisation=city,
        email="hoken@aoba.example.jp",
        role=Role.EDITOR,
        department="保険年金課",
    )
    return city, desks


def _save(client, path, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields})


def test_an_editor_writes_an_answer_that_parents_get_at_once(client, session):
    city, desks = _city(session)
    login(client, "kodomo@aoba.example.jp")
    response = _save(
        client,
        "/staff/answers/new",
        code="kodomo-001",
        category="手当",
        question_ja="児童扶養手当の証書をなくしました",
        phrasings="証書を失くした\n証書の再発行",
        answer_ja="**再交付**できます。こども家庭課へ本人確認書類をお持ちください。%%unsubscribe_url%%",
        desk=str(desks[KODOMO].id),
        programme="0",
        active="y",
    )
    assert response.status_code == 303
    saved = session.exec(select(Answer).where(Answer.code == "kodomo-001")).one()
    assert (saved.department, saved.phrasings) == (
        "こども家庭課",
        ["証書を失くした", "証書の再発行"],
    )
    [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == "answer.save")).all()
    assert audit.detail["after"]["question_ja"] == "児童扶養手当の証書をなくしました"
    reply = ask(session, city, "証書の再発行をしたい", now=utcnow())
    session.commit()
    assert reply.answer is not None and reply.answer.code == "kodomo-001"
    page = client.post(
        "/ask/aoba",
        data={
            "csrf_token": csrf_token(client, "/ask/aoba"),
            "q": "児童扶養手当の証書をなくしました",
        },
    ).get_data(as_text=True)
    assert "<strong>再交付</strong>" in page and "%%unsubscribe_url%%" in page  # as written
    listing = client.get("/staff/answers").get_data(as_text=True)
    assert "児童扶養手当の証書をなくしました" in listing and "使用中" in listing
    duplicate = _save(
        client,
        "/staff/answers/new",
        code="kodomo-001",
        question_ja="別",
        answer_ja="別",
        desk=str(desks[KODOMO].id),
        programme="0",
    )
    assert duplicate.status_code == 400 and "このIDはすでに使われています" in duplicate.get_data(
        as_text=True
    )


def test_an_editor_cannot_change_another_departments_answer(client, session):
    city, desks = _city(session)
    answer = Answer(
        organisation_id=city.id,
        code="k",
        question_ja="質問",
        answer_ja="回答",
        desk_id=desks[KODOMO].id,
        department="こども家庭課",
        updated_at=utcnow(),
    )
    session.add(answer)
    session.commit()
    login(client, "hoken@aoba.example.jp")
    path = f"/staff/answers/{answer.id}"
    assert "disabled" in client.get(path).get_data(as_text=True)
    refused = _save(client, path, code="k", question_ja="変更", answer_ja="変更", desk="0")
    assert refused.status_code == 403
    session.refresh(answer)
    assert answer.question_ja == "質問"
    # nor write one for a desk of another department
    wrong = _save(
        client,
        "/staff/answers/new",
        code="h",
        question_ja="質問",
        answer_ja="回答",
        desk=str(desks[KODOMO].id),
        programme="0",
    )
    assert wrong.status_code == 400
    assert session.exec(select(Answer).where(Answer.code == "h")).first() is None


def test_the_unanswered_list_and_making_an_answer_from_it(client, session):
    city, _ = _city(session)
    ask(session, city, "鈴木です。宇宙旅行の補助はありますか 090-1111-2222", now=utcnow())
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    listing = client.get("/staff/answers/unanswered").get_data(as_text=True)
    assert "宇宙旅行の補助" in listing and "鈴木" not in listing and "1111" not in listing
    form = client.get("/staff/answers/new?question=宇宙旅行の補助はありますか").get_data(
        as_text=True
    )
    assert 'value="宇宙旅行の補助はありますか"' in form


def test_synonyms_are_kept_and_used(client, session):
    city, desks = _city(session)
    session.add(
        Answer(
            organisation_id=city.id,
            code="f",
            question_ja="児童扶養手当の支払日",
            answer_ja="奇数月です。",
            updated_at=utcnow(),
        )
    )
    session.commit()
    assert ask(session, city, "ジフ", now=utcnow()).kind == "none"
    session.commit()
    login(client, "kodomo@aoba.example.jp")
    wrong = _save(client, "/staff/answers/synonyms", synonyms="ジフ 児童扶養手当")
    assert wrong.status_code == 400 and "1行目" in wrong.get_data(as_text=True)
    assert (
        _save(
            client, "/staff/answers/synonyms", synonyms="ジフ = 児童扶養手当\n支払 = 振込\n"
        ).status_code
        == 303
    )
    reply = ask(session, city, "ジフ", now=utcnow())
    session.commit()
    assert reply.answer is not None and reply.answer.code == "f"
    assert "ジフ = 児童扶養手当" in client.get("/staff/answers/synonyms").get_data(as_text=True)


def test_the_report_counts_questions_by_month_and_how_they_ended(client, session):
    from service.assistant.answering import feedback
    from service.assistant.demo_answers import ANSWERS
    from service.assistant.seeding import add_answers

    city, _ = _city(session)
    add_answers(session, city.id, ANSWERS, now=utcnow())
    session.commit()
    now = utcnow()
    written = {row[0]: row[2] for row in ANSWERS}  # as a tapped もしかして asks
    for question in (written["fuyo-002"], written["fuyo-006"], "宇宙旅行の補助"):
        reply = ask(session, city, question, now=now)
    ask(session, city, "もう死にたい", now=now)
    fuyo = session.exec(select(Answer).where(Answer.code == "fuyo-006")).one()
    feedback(session, city, fuyo, True, now=now)
    feedback(session, city, fuyo, False, now=now)
    session.commit()
    assert reply.kind == "none"
    month = now.strftime("%Y-%m")

    login(client, "kodomo@aoba.example.jp")
    page = client.get("/staff/answers/report").get_data(as_text=True)
    assert "質問の数（月ごと、どう答えたか）" in page  # the chart
    row = re.search(rf"<td>{month}</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["4", "2", "0", "1", "1", "50%", "1", "1", "50%"]
    assert "現況届" in page and "宇宙旅行の補助" in page  # most given; unanswered (editors)
    assert "もう死にたい" not in page

    csv_file = client.get("/staff/answers/report.csv").get_data().decode("utf-8-sig")
    lines = csv_file.splitlines()
    assert lines[0].startswith("月,質問,回答した,候補を出した,見つからない,相談先を案内")
    assert lines[-1] == f"{month},4,2,0,1,1,50,1,1,50"
    assert "質問の数（月ごと" in client.get("/staff/dashboard").get_data(as_text=True)

    create_staff(session, organisation=city, email="view@aoba.example.jp", role=Role.VIEWER)
    login(client, "view@aoba.example.jp")
    page = client.get("/staff/answers/report").get_data(as_text=True)
    assert "現況届" in page and "宇宙旅行の補助" not in page  # a viewer reads counts only


def test_a_city_adds_its_own_words_of_danger(client, session):
    city, _ = _city(session)
    login(client, "kodomo@aoba.example.jp")
    page = client.get("/staff/answers/crisis-words").get_data(as_text=True)
    assert "死にたい" in page  # the built-in list is shown
    assert ask(session, city, "元夫が家の前で待ち伏せしています", now=utcnow()).kind == "none"
    session.commit()
    refused = _save(client, "/staff/answers/crisis-words", words="待ち伏せ\nx")
    assert refused.status_code == 400 and "2行目" in refused.get_data(as_text=True)
    saved = _save(client, "/staff/answers/crisis-words", words="待ち伏せ\nＧＰＳを付けられ\n")
    assert saved.status_code == 303
    reply = ask(session, city, "元夫が家の前で待ち伏せしています", now=utcnow())
    assert reply.kind == "crisis"
    assert ask(session, city, "車にgpsを付けられた", now=utcnow()).kind == "crisis"  # folded
    [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == "crisis_words.save")).all()
    assert audit.detail["after"] == {"words": ["待ち伏せ", "GPSを付けられ"]}
    other = create_organisation(session, slug="midori", name="みどり市")
    assert ask(session, other, "家の前で待ち伏せされています", now=utcnow()).kind != "crisis"


def test_an_answer_shows_the_next_date_of_a_notice_and_an_events_free_day(client, session):
    city, desks = _city(session)
    topic = create_topic(session, organisation=city)
    now = utcnow()
    notice = create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="現況届の受付",
        starts_at=now + timedelta(days=20),
    )
    event = create_event(
        session, organisation=city, starts_at=now + timedelta(days=10), title_ja="養育費の講座"
    )
    login(client, "kodomo@aoba.example.jp")
    form = client.get("/staff/answers/new").get_data(as_text=True)
    assert "お知らせ：現況届の受付" in form and "講座・相談会：養育費の講座" in form
    saved = _save(
        client,
        "/staff/answers/new",
        code="genkyo-01",
        question_ja="現況届はいつ出しますか",
        answer_ja="毎年8月です。",
        desk=str(desks[KODOMO].id),
        programme="0",
        facts=[f"notice:{notice.id}", f"event:{event.id}"],
        active="y",
    )
    assert saved.status_code == 303
    answer = session.exec(select(Answer).where(Answer.code == "genkyo-01")).one()
    assert answer.facts == [
        {"kind": "notice", "id": notice.id},
        {"kind": "event", "id": event.id},
        {"kind": "desk", "id": desks[KODOMO].id},
    ]
    page = client.post(
        "/ask/aoba",
        data={"csrf_token": csrf_token(client, "/ask/aoba"), "q": "現況届はいつ出しますか"},
    ).get_data(as_text=True)
    assert "現況届の受付" in page and "養育費の講座" in page and f"/e/{event.public_id}" in page
    assert KODOMO in page

    # Another desk: the desk's phone and hours follow it; the chosen facts stay.
    again = _save(
        client,
        f"/staff/answers/{answer.id}",
        code="genkyo-01",
        question_ja="現況届はいつ出しますか",
        answer_ja="毎年8月です。",
        desk=str(desks["こども家庭課 女性相談・DV相談"].id),
        programme="0",
        facts=[f"notice:{notice.id}"],
        active="y",
    )
    assert again.status_code == 303
    session.refresh(answer)
    assert answer.facts == [
        {"kind": "notice", "id": notice.id},
        {"kind": "desk", "id": desks["こども家庭課 女性相談・DV相談"].id},
    ]
    refused = _save(
        client,
        f"/staff/answers/{answer.id}",
        code="genkyo-01",
        question_ja="現況届はいつ出しますか",
        answer_ja="毎年8月です。",
        desk=str(desks[KODOMO].id),
        programme="0",
        facts=["notice:999999"],
    )
    assert refused.status_code == 400  # not one of the city's
