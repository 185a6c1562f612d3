"""A city's answers as files: the shared four columns (UTF-8 or Shift_JIS, a row per way of
asking) and Yorisou's JSON; a dry run first, then all or nothing, audited, each department's
answers changed only by its own editors."""

from __future__ import annotations

import io
import json
import re

from sqlmodel import select

from service.assistant.answering import ask
from service.assistant.models import Answer, Synonym
from service.models import AuditEvent
from service.types import utcnow
from tests.assistant.test_staff_answers import KODOMO, _city
from tests.conftest import csrf_token
from tests.staff.test_staff_notices import login

SPREADSHEET = """ID,問い合わせ文,応答文,カテゴリ
１,児童扶養手当の証書をなくしました,"再交付できます。
本人確認書類をお持ちください。",手当
1,証書を失くした,,手当
2,ひとり親の医療費はどうなりますか,ひとり親家庭等医療費助成があります。,医療
"""


def _upload(client, data: bytes, name: str = "faq.csv", **fields):
    path = "/staff/answers/import"
    if "desk" not in fields:  # the first desk offered, as a browser sends it
        page = client.get(path).get_data(as_text=True)
        fields["desk"] = re.search(r'<option[^>]* value="(\d+)"', page).group(1)
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(data), name),
            **fields,
        },
        content_type="multipart/form-data",
    )


def _confirm(client, page: str, **fields):
    hidden = dict(re.findall(r'name="(content|name)" type="hidden" value="([^"]*)"', page))
    assert hidden["content"], page
    fields.setdefault("desk", re.search(r'<option selected value="(\d+)"', page).group(1))
    return client.post(
        "/staff/answers/import",
        data={"csrf_token": csrf_token(client, "/staff/answers/import"), **hidden, **fields},
    )


def test_a_shift_jis_spreadsheet_is_checked_then_imported(client, session):
    city, desks = _city(session)
    login(client, "kodomo@aoba.example.jp")
    desk = str(desks[KODOMO].id)
    dry = _upload(client, SPREADSHEET.encode("cp932"), desk=desk)
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200
    assert "追加する回答：2件" in page and "児童扶養手当の証書をなくしました" in page
    assert session.exec(select(Answer)).all() == []  # a dry run writes nothing

    done = _confirm(client, page, desk=desk)
    assert done.status_code == 303
    answers = {a.code: a for a in session.exec(select(Answer)).all()}
    assert set(answers) == {"1", "2"}  # the full-width １ read as 1, and its rows as one answer
    first = answers["1"]
    assert first.question_ja == "児童扶養手当の証書をなくしました"
    assert first.phrasings == ["証書を失くした"]
    assert first.answer_ja == "再交付できます。\n本人確認書類をお持ちください。"
    assert (first.category, first.department, first.desk_id) == (
        "手当",
        "こども家庭課",
        desks[KODOMO].id,
    )
    [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == "answers.import")).all()
    assert audit.detail["after"]["added"] == 2
    reply = ask(session, city, "証書を失くした", now=utcnow())
    assert reply.answer is not None and reply.answer.code == "1"


def test_one_wrong_row_imports_nothing_and_says_every_problem(client, session):
    _city(session)
    login(client, "kodomo@aoba.example.jp")
    broken = (
        "ID,問い合わせ文,応答文,カテゴリ\n"
        "1,児童手当はいつ振り込まれますか,偶数月です。,手当\n"
        "1,児童手当の振込日,奇数月です。,手当\n"  # the same ID, another answer
        "2,,答えだけ,手当\n"
        "す き ま,質問,答え,\n"
    ).encode()
    response = _upload(client, broken)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "3行目：ID 1 の応答文が2行目と違います。" in page
    assert "4行目：問い合わせ文がありません。" in page
    assert "5行目：IDは英数字" in page
    assert "何も変更していません" in page and 'name="content"' not in page
    assert session.exec(select(Answer)).all() == []


def test_a_file_without_the_four_headers_is_refused(client, session):
    _city(session)
    login(client, "kodomo@aoba.example.jp")
    page = _upload(client, "番号,質問\n1,何か\n".encode()).get_data(as_text=True)
    assert "「応答文」「カテゴリ」がありません" in page
    page = _upload(client, b"\xff\xfe\x00garbage\x81").get_data(as_text=True)
    assert "UTF-8 か Shift_JIS" in page


def test_an_editor_cannot_change_another_departments_answers(client, session):
    _city(session)
    login(client, "kodomo@aoba.example.jp")
    _confirm(client, _upload(client, SPREADSHEET.encode()).get_data(as_text=True))
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    login(client, "hoken@aoba.example.jp")
    changed = SPREADSHEET.replace("ひとり親家庭等医療費助成があります。", "変えました。")
    response = _upload(client, changed.encode())
    assert response.status_code == 400
    assert "ほかの課の回答です" in response.get_data(as_text=True)
    [answer] = session.exec(select(Answer).where(Answer.code == "2")).all()
    assert answer.answer_ja == "ひとり親家庭等医療費助成があります。"


def test_the_files_round_trip(client, session):
    city, desks = _city(session)
    login(client, "kodomo@aoba.example.jp")
    _confirm(client, _upload(client, SPREADSHEET.encode()).get_data(as_text=True))
    exported = client.get("/staff/answers.csv")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="aoba-answers.csv"'
    csv_bytes = exported.get_data()
    assert csv_bytes.decode("utf-8-sig").splitlines()[0] == "ID,問い合わせ文,応答文,カテゴリ"
    again = _upload(client, csv_bytes).get_data(as_text=True)
    assert "追加する回答：0件" in again and "変更する回答：0件" in again
    assert "変わらない回答：2件" in again

    # The JSON holds the rest: languages, desk, validity, synonyms — and is read back whole.
    answer = session.exec(select(Answer).where(Answer.code == "2")).one()
    document = json.loads(client.get("/staff/answers.json").get_data())
    assert document["format"] == "yorisou-answers" and document["synonyms"] == {}
    entry = next(e for e in document["answers"] if e["id"] == "2")
    assert entry["desk"] == KODOMO
    entry["answer"]["en"] = "There is a medical subsidy for single-parent families."
    entry["valid_until"] = "2027-03-31"
    document["synonyms"] = {"医療証": "医療費助成"}
    page = _upload(
        client, json.dumps(document, ensure_ascii=False).encode(), "answers.json"
    ).get_data(as_text=True)
    assert "変更する回答：1件" in page and "言い換え：1件" in page
    assert _confirm(client, page).status_code == 303
    session.refresh(answer)
    assert answer.answer_en.startswith("There is a medical subsidy")
    assert str(answer.valid_until) == "2027-03-31"
    [synonym] = session.exec(select(Synonym)).all()
    assert (synonym.word, synonym.means) == ("医療証", "医療費助成")
    assert desks  # the desk named in the file is the city's own
    bad = json.dumps({"format": "yorisou-answers", "version": 1, "answers": [{"id": "3"}]})
    page = _upload(client, bad.encode(), "answers.json").get_data(as_text=True)
    assert "回答1：" in page and "何も変更していません" in page
