"""The assistant as parents use it: their own words find the staff's answer, a crisis is
answered before anything else and kept nowhere, what found nothing is kept masked, and one
city never answers with another's words."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from service.assistant.answering import ask, mask
from service.assistant.demo_answers import ANSWERS, IN_OTHER_LANGUAGES
from service.assistant.models import Answer, Asked, Unanswered
from service.assistant.seeding import DEMO_SYNONYMS, add_answers, add_synonyms
from service.types import utcnow
from tests.api.test_api import _conforms
from tests.conftest import csrf_token
from tests.factories import create_catalogue, create_organisation

# Questions of our own, worded as parents write them (not the answers' phrasings), and the
# answer each must find (or either of two that answer it equally): as the one answer, or among
# the "もしかして" choices.
PARAPHRASES = [
    ("母子家庭の手当って誰がもらえるの", "fuyo-001"),
    ("児童扶養手当の月額を教えて", "fuyo-002"),
    ("手当の所得の上限", "fuyo-003"),
    ("児扶の入金日", "fuyo-004"),
    ("じどうふようてあてはいつふりこまれる", "fuyo-004"),
    ("離婚したばかりです。児童扶養手当の手続きは", "fuyo-005"),
    ("8月の現況届を忘れていました", "fuyo-006"),
    ("5年たったら児童扶養手当が減るって本当ですか", "fuyo-007"),
    ("高校を卒業したら手当は終わりますか", "fuyo-008"),
    ("養育費も収入に入るの？", "fuyo-009"),
    ("児童手当を私の口座にしたい", ("jido-001", "jido-007")),
    ("児童手当は高校生までもらえる？", "jido-002"),
    ("児童手当の振込は何月", "jido-003"),
    ("子どもの医療費が無料になる制度", "iryo-001"),
    ("養育費の約束を書面にしたい", "yoiku-001"),
    ("公正証書を作るお金の補助", "yoiku-002"),
    ("元夫から養育費が振り込まれない", "yoiku-003"),
    ("法テラスに相談したい", ("horitsu-001", "horitsu-004")),
    ("年金分割はいつまでできますか", "horitsu-002"),
    ("無利子でお金を借りたい", "shikin-001"),
    ("保育士の資格をとる間の生活が心配", "shigoto-001"),
    ("市営住宅に申し込みたい", "sumai-001"),
    ("給食費の援助を受けたい", "kyoiku-001"),
    ("保育園に入りやすくなりますか", "hoiku-001"),
    ("年末調整でひとり親控除を受けるには", "zei-001"),
    ("夫の扶養から外れたら保険はどうする", "hoken-001"),
    ("定期券の割引について", "teiki-001"),
    ("離婚しても苗字を変えたくない", "koseki-001"),
    ("ｼﾞﾄﾞｳﾃｱﾃ の しはらいび", "jido-003"),  # half-width kana, as some phones type
    ("窓口は何時まで開いてますか", "madoguchi-001"),
    ("共同親権について知りたい", "yoiku-006"),
    ("学童に入りたい", "kaigo-001"),
    ("再婚する予定ですが手当は続きますか", "fuyo-012"),
    ("彼氏と同居したら児童扶養手当はどうなる", "fuyo-012"),
    ("離婚調停中でも児童扶養手当はもらえますか", "fuyo-014"),
    ("シングルファザーでも児童扶養手当はもらえる？", "fuyo-015"),
    ("大学生の兄がいる場合の第3子", "jido-004"),
    ("養育費の相場はどれくらい", "yoiku-007"),
    ("面会交流のルールを決めたい", "yoiku-008"),
    ("元夫が行方不明で養育費をもらえない", "yoiku-011"),
    ("別居中の生活費を請求したい", "horitsu-003"),
    ("マザーズハローワークはどこ", "shigoto-003"),
    ("家賃を払えない", "sumai-002"),
    ("保育料を安くしたい", "hoiku-002"),
    ("子どもが熱を出したとき預けられる所", "hoiku-003"),
    ("住民税が非課税になる条件", "zei-002"),
    ("離婚届の証人は誰でもいいですか", "koseki-003"),
    ("離婚後にやることリスト", "tetsuzuki-001"),
    ("英語で相談できますか", "madoguchi-003"),
    ("住民票を元夫に見られたくない", "dv-002"),
    ("眠れない日が続いています", "kokoro-001"),
]


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_catalogue(session, organisation=city)
    add_answers(session, city.id, ANSWERS, now=utcnow(), languages=IN_OTHER_LANGUAGES)
    add_synonyms(session, city.id, DEMO_SYNONYMS, now=utcnow())
    session.commit()
    return city


def _code(session, answer_id):
    return session.get(Answer, answer_id).code


def test_parents_own_words_find_the_staffs_answer(session, city):
    found = one = 0
    missed = []
    for question, wanted in PARAPHRASES:
        reply = ask(session, city, question, now=utcnow())
        codes = [a.code for a in ([reply.answer] if reply.answer else list(reply.choices))]
        if set(codes) & ({wanted} if isinstance(wanted, str) else set(wanted)):
            found += 1
            one += reply.kind == "answer"
        else:
            missed.append((question, reply.kind, codes))
    assert found >= 0.9 * len(PARAPHRASES), missed
    assert one >= 0.5 * len(PARAPHRASES)  # one clear answer for most, choices for the rest
    asked = session.exec(select(func.sum(Asked.times))).one()
    assert asked == len(PARAPHRASES)


# Parents who read English ask in English: the answers' English questions are searched too.
IN_ENGLISH = [
    ("when is the child allowance paid", "jido-003"),
    ("How much is the child-rearing allowance?", "fuyo-002"),
    ("I lost my allowance certificate", "fuyo-010"),
    ("keep my surname after divorce", "koseki-001"),
    ("free lawyer", "horitsu-001"),
]


def test_a_question_in_english_finds_the_english_answer(session, city):
    for question, code in IN_ENGLISH:
        reply = ask(session, city, question, now=utcnow())
        codes = [a.code for a in ([reply.answer] if reply.answer else list(reply.choices))]
        assert code in codes, (question, reply.kind, codes)
    found = ask(session, city, "When is the child allowance paid?", now=utcnow()).answer
    assert found is not None and found.text("answer", "en").startswith("In even months")
    assert found.text("answer", "easy").startswith("2月・4月")


def test_every_demo_answer_is_in_english_and_easy_japanese():
    codes = {row[0] for row in ANSWERS}
    assert len(codes) == len(ANSWERS) >= 80
    for texts in IN_OTHER_LANGUAGES.values():
        assert set(texts) == codes and all(q and a for q, a in texts.values())


@pytest.mark.parametrize(
    "message", ["死にたい", "夫に殴られています", "ＤＶから にげたい", "子どもを叩いてしまう"]
)
def test_a_crisis_is_answered_first_and_kept_nowhere(session, city, message):
    reply = ask(session, city, message, now=utcnow())
    assert reply.kind == "crisis" and reply.answer is None
    session.commit()
    assert session.exec(select(Unanswered)).all() == []
    [counted] = session.exec(select(Asked)).all()
    assert (counted.kind, counted.times) == ("crisis", 1)


def test_what_found_nothing_is_kept_masked_and_counted(session, city):
    question = "田中です。090-1234-5678 に電話ください。hanako@example.jp 宇宙旅行の補助"
    for _ in range(2):
        assert ask(session, city, question, now=utcnow()).kind == "none"
    session.commit()
    [kept] = session.exec(select(Unanswered)).all()
    assert kept.times == 2
    assert "090" not in kept.text and "1234" not in kept.text and "@" not in kept.text
    assert "田中" not in kept.text and "（名前）" in kept.text and "宇宙旅行" in kept.text
    assert mask("青葉町の鈴木花子") == "（地名）の（名前）（名前）" or "鈴木" not in mask(
        "青葉町の鈴木花子"
    )


def test_one_city_never_answers_with_anothers_words(session, city):
    other = create_organisation(session, slug="kita", name="きた市")
    session.add(
        Answer(
            organisation_id=other.id,
            code="x",
            question_ja="きた市の花火大会はいつ",
            answer_ja="8月です。",
            updated_at=utcnow(),
        )
    )
    session.commit()
    assert ask(session, city, "花火大会はいつ", now=utcnow()).kind == "none"
    assert ask(session, other, "花火大会はいつ", now=utcnow()).answer.code == "x"
    assert ask(session, other, "児童扶養手当の現況届", now=utcnow()).kind == "none"


def test_an_answer_out_of_season_or_retired_is_not_given(session, city):
    answer = session.exec(select(Answer).where(Answer.code == "fuyo-006")).one()
    answer.active = False
    answer.updated_at = utcnow()
    session.add(answer)
    session.commit()
    reply = ask(session, city, "8月の現況届を忘れていました", now=utcnow())
    assert reply.answer is None or reply.answer.code != "fuyo-006"
    assert all(choice.code != "fuyo-006" for choice in reply.choices)


def test_the_page_answers_without_a_script_and_takes_feedback(client, session, city):
    page = client.get("/ask/aoba")
    assert page.status_code == 200 and 'name="q"' in page.get_data(as_text=True)
    token = csrf_token(client, "/ask/aoba")
    answered = client.post(
        "/ask/aoba", data={"csrf_token": token, "q": "8月の現況届を忘れていました"}
    )
    html = answered.get_data(as_text=True)
    assert answered.status_code == 200 and "8月1日から31日までに現況届を出します" in html
    assert "こども家庭課 ひとり親支援係" in html  # the desk, a fact attached to the answer
    answer_id = session.exec(select(Answer.id).where(Answer.code == "fuyo-006")).one()
    said = client.post(
        f"/ask/aoba/a/{answer_id}/feedback", data={"csrf_token": token, "helpful": "no"}
    )
    assert said.status_code == 303
    [kept] = session.exec(select(Unanswered)).all()
    assert kept.not_helpful == 1 and "現況届" in kept.text
    crisis = client.post("/ask/aoba", data={"csrf_token": token, "q": "もう死にたい"})
    text = crisis.get_data(as_text=True)
    assert "#8008" in text and "189" in text and "こども家庭課 女性相談・DV相談" in text
    assert "もう死にたい" not in text  # not even echoed back
    nothing = client.post("/ask/aoba", data={"csrf_token": token, "q": "宇宙旅行の補助"})
    assert 'name="message" value="宇宙旅行の補助"' in nothing.get_data(as_text=True)


def test_the_json_answer_for_a_citys_website(client, session, city):
    response = client.get("/ask/aoba/answer?q=年末調整でひとり親控除を受けるには&lang=ja")
    body = response.get_json()
    assert response.status_code == 200 and body["kind"] == "answer"
    assert body["answer"]["question"] == "ひとり親控除とは何ですか"
    assert body["answer"]["links"][0].startswith("https://yorisou.example.jp/ask/aoba/a/")
    assert body["ask_desk_url"] == "https://yorisou.example.jp/guide/aoba/ask?lang=ja"
    crisis = client.get("/ask/aoba/answer?q=しにたい").get_json()
    assert (
        crisis["kind"] == "crisis"
        and {"name": "DV相談ナビ", "number": "#8008", "hours": ""} in crisis["hotlines"]
    )
    refused = client.get("/ask/aoba/answer")
    assert refused.status_code == 400 and "300" in refused.get_json()["error"]["detail"]
    assert client.get("/ask/aoba/answer?q=" + "あ" * 301).status_code == 400
    assert client.get("/ask/nowhere/answer?q=x").get_json()["error"]["status"] == 404
    choices = client.get("/ask/aoba/answer?q=児童扶養手当の月額を教えて")
    assert choices.get_json()["kind"] in ("answer", "choices")
    for reply in (response, crisis_reply := client.get("/ask/aoba/answer?q=しにたい"), choices):
        _conforms(reply, "/ask/{city}/answer")
    assert crisis_reply.status_code == 200


def test_only_the_citys_own_websites_may_read_the_json(client, session, city):
    city.website_origins = ["https://www.city.aoba.example.jp"]
    session.add(city)
    session.commit()
    path = "/ask/aoba/answer?q=現況届の期限"
    own = client.get(path, headers={"Origin": "https://www.city.aoba.example.jp"})
    assert own.headers["Access-Control-Allow-Origin"] == "https://www.city.aoba.example.jp"
    assert "Origin" in own.headers["Vary"]
    other = client.get(path, headers={"Origin": "https://evil.example.com"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers


def test_an_admin_names_the_citys_websites_and_a_wrong_one_is_refused(client, session, city):
    from tests.factories import create_staff
    from tests.staff.test_staff_notices import login

    create_staff(session, organisation=city, email="admin@aoba.example.jp")
    login(client, "admin@aoba.example.jp")
    page = "/staff/organisation"
    fields = {
        "csrf_token": csrf_token(client, page),
        "name": "あおば市",
        "sender_name": "あおば市 こども家庭課",
        "sender_email": "oshirase@aoba.example.jp",
    }
    wrong = client.post(page, data={**fields, "website_origins": "www.city.aoba.example.jp/faq"})
    assert wrong.status_code == 400 and "サイトのアドレスではありません" in wrong.get_data(
        as_text=True
    )
    client.post(
        page, data={**fields, "website_origins": "ＨＴＴＰＳ://www.city.aoba.example.jp/\n"}
    )
    session.refresh(city)
    assert city.website_origins == ["https://www.city.aoba.example.jp"]
