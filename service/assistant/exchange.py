"""A city's answers in and out of files. Two forms: the four columns Japanese cities share for
chatbot Q&A (ID, 問い合わせ文, 応答文, カテゴリ — a spreadsheet saved as CSV in UTF-8 or
Shift_JIS, a row per way of asking: rows with the same ID are one answer, its first question and
the other phrasings), and Yorisou's JSON with everything (languages, desk, programme, validity,
synonyms). Importing is all or nothing: every problem is listed by line, and nothing is written
unless there is none; a dry run says what would change."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from service.assistant.models import Answer, Synonym, with_desk
from service.csv_files import csv_text, read_rows
from service.support.models import Desk, Programme

FORMAT = "yorisou-answers"
FOUR_COLUMNS = ("ID", "問い合わせ文", "応答文", "カテゴリ")
# The header names each column goes by in the files cities publish.
_HEADERS = {
    "code": ("id", "番号", "no", "no."),
    "question": ("問い合わせ文", "問い合わせ", "質問", "質問文", "question"),
    "answer": ("応答文", "回答", "回答文", "応答", "answer"),
    "category": ("カテゴリ", "カテゴリー", "分類", "category"),
}
_CODE = re.compile(r"[\w.-]{1,64}")
_LANGS = ("ja", "en", "easy")
_LIMITS = {"question": 300, "answer": 4000}
MAX_PROBLEMS = 50


class ExchangeError(ValueError):
    """The file cannot be imported; nothing of it was. `problems` says every reason found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Incoming:
    """One answer as a file gives it; None where the file says nothing (the four columns say
    nothing of languages, desk, programme or validity, which stay as they are)."""

    code: str
    where: str  # "3行目", "回答5": where to point a problem
    category: str
    question_ja: str
    answer_ja: str
    phrasings: list[str] = field(default_factory=list)
    other_languages: dict[str, str] | None = None  # question_en … answer_easy
    programme: str | None = None  # slug, "" for none
    desk: str | None = None  # Japanese name, "" for none
    valid_from: date | None = None
    valid_until: date | None = None
    active: bool | None = None


@dataclass
class Result:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    synonyms: int = 0


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read_four_columns(data: bytes) -> list[Incoming]:
    try:
        rows = read_rows(data)
    except ValueError as error:
        raise ExchangeError([str(error)]) from error
    if not rows:
        raise ExchangeError(["ファイルが空です。"])
    columns: dict[str, int] = {}
    for index, title in enumerate(rows[0]):
        plain = _plain(title).lower()
        for name, aliases in _HEADERS.items():
            if plain in aliases and name not in columns:
                columns[name] = index
    missing = [
        shown for name, shown in zip(_HEADERS, FOUR_COLUMNS, strict=True) if name not in columns
    ]
    if missing:
        raise ExchangeError(
            [
                f"1行目の見出しに「{'」「'.join(missing)}」がありません"
                f"（見出しは {', '.join(FOUR_COLUMNS)} の4つです）。"
            ]
        )
    problems: list[str] = []
    answers: dict[str, Incoming] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: row[index] if index < len(row) else "" for name, index in columns.items()}
        if not any(cell.strip() for cell in cells.values()):
            continue
        code = _plain(cells["code"])
        question = _one_line(cells["question"])
        text = cells["answer"].strip()
        category = _one_line(_plain(cells["category"]))
        where = f"{number}行目"
        if not _CODE.fullmatch(code):
            problems.append(
                f"{where}：IDは英数字・ハイフン・ピリオドの64文字までで書いてください。"
            )
            continue
        if not question:
            problems.append(f"{where}：問い合わせ文がありません。")
            continue
        found = answers.get(code)
        if found is None:
            answers[code] = Incoming(code, where, category, question, text)
            continue
        # Another way to ask the same ID's question.
        if text and found.answer_ja and text != found.answer_ja:
            problems.append(f"{where}：ID {code} の応答文が{found.where}と違います。")
        found.answer_ja = found.answer_ja or text
        found.category = found.category or category
        if question != found.question_ja and question not in found.phrasings:
            found.phrasings.append(question)
    for incoming in answers.values():
        problems.extend(_checked(incoming))
    if problems:
        raise ExchangeError(problems)
    return list(answers.values())


def _checked(incoming: Incoming) -> list[str]:
    where, problems = f"{incoming.where}（ID {incoming.code}）", []
    if not incoming.answer_ja:
        problems.append(f"{where}：応答文がありません。")
    if len(incoming.question_ja) > _LIMITS["question"]:
        problems.append(f"{where}：問い合わせ文は300文字までです。")
    if len(incoming.answer_ja) > _LIMITS["answer"]:
        problems.append(f"{where}：応答文は4,000文字までです。")
    if len(incoming.category) > 100:
        problems.append(f"{where}：カテゴリは100文字までです。")
    if len(incoming.phrasings) > 30 or any(len(p) > 300 for p in incoming.phrasings):
        problems.append(f"{where}：ほかの聞き方は30個、それぞれ300文字までです。")
    if incoming.valid_from and incoming.valid_until and incoming.valid_until < incoming.valid_from:
        problems.append(f"{where}：表示を終える日が始める日より前です。")
    return problems


def read_json(data: bytes) -> tuple[list[Incoming], dict[str, str] | None]:
    """The answers of Yorisou's JSON, and its synonyms (None if it has none)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExchangeError(["JSONとして読めません。"]) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExchangeError([f"Yorisou の回答ファイル（format: {FORMAT}）ではありません。"])
    if document.get("version") != 1:
        raise ExchangeError(["この版（version）の回答ファイルは読めません。"])
    entries = document.get("answers")
    if not isinstance(entries, list):
        raise ExchangeError(["answers がありません。"])
    problems: list[str] = []
    answers: dict[str, Incoming] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"回答{number}"
        try:
            incoming = _from_json(entry, where)
        except ValueError as error:
            problems.append(f"{where}：{error}")
            continue
        if incoming.code in answers:
            problems.append(f"{where}：ID {incoming.code} が二度あります。")
            continue
        answers[incoming.code] = incoming
        problems.extend(_checked(incoming))
    synonyms = document.get("synonyms")
    if synonyms is not None and not (
        isinstance(synonyms, dict)
        and all(
            isinstance(w, str) and isinstance(m, str) and 0 < len(w) <= 50 and 0 < len(m) <= 50
            for w, m in synonyms.items()
        )
    ):
        problems.append("synonyms は「言い方: 言い方」（50文字まで）の組です。")
    if problems:
        raise ExchangeError(problems)
    return list(answers.values()), synonyms


def _from_json(entry: Any, where: str) -> Incoming:
    if not isinstance(entry, dict):
        raise ValueError("形が違います。")

    def text(value: Any, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise ValueError("文字の欄が空か、文字ではありません。")
        return value.strip()

    def texts(name: str) -> dict[str, str]:
        value = entry.get(name) or {}
        if not isinstance(value, dict):
            raise ValueError(f"{name} は言語ごとの文字です。")
        return {lang: text(value.get(lang), required=lang == "ja") for lang in _LANGS}

    def day(name: str) -> date | None:
        value = entry.get(name)
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} は 2027-08-01 の形の日付です。") from None

    code = _plain(text(entry.get("id"), required=True))
    if not _CODE.fullmatch(code):
        raise ValueError("IDは英数字・ハイフン・ピリオドの64文字までです。")
    question, answer = texts("question"), texts("answer")
    phrasings = entry.get("phrasings") or []
    if not isinstance(phrasings, list) or not all(isinstance(p, str) for p in phrasings):
        raise ValueError("phrasings は文字の一覧です。")
    active = entry.get("active", True)
    if not isinstance(active, bool):
        raise ValueError("active は true か false です。")
    return Incoming(
        code=code,
        where=where,
        category=_one_line(text(entry.get("category"))),
        question_ja=_one_line(question["ja"]),
        answer_ja=answer["ja"],
        phrasings=[_one_line(p) for p in phrasings if p.strip()],
        other_languages={
            "question_en": _one_line(question["en"]),
            "question_easy": _one_line(question["easy"]),
            "answer_en": answer["en"],
            "answer_easy": answer["easy"],
        },
        programme=text(entry.get("programme")),
        desk=text(entry.get("desk")),
        valid_from=day("valid_from"),
        valid_until=day("valid_until"),
        active=active,
    )


def import_answers(
    session: Session,
    organisation_id: int,
    incoming: Iterable[Incoming],
    *,
    synonyms: dict[str, str] | None = None,
    may_edit: Callable[[Desk | None], bool],
    new_desk: Desk | None,
    now: datetime,
    dry_run: bool,
) -> Result:
    """Adds the file's new answers (to `new_desk`, unless the file names one) and updates those
    whose ID is already the city's; answers the file does not hold stay as they are. Raises
    ExchangeError, having changed nothing, if any answer is wrong or not the importer's to change.
    A dry run changes nothing and says what would change."""
    existing = {
        answer.code: answer
        for answer in session.exec(select(Answer).where(Answer.organisation_id == organisation_id))
    }
    desks = {
        desk.name_ja: desk
        for desk in session.exec(select(Desk).where(Desk.organisation_id == organisation_id))
    }
    desks_by_id = {desk.id: desk for desk in desks.values()}
    programmes = dict(
        session.exec(
            select(Programme.slug, Programme.id).where(Programme.organisation_id == organisation_id)
        ).all()
    )
    problems: list[str] = []
    planned: list[tuple[Answer | None, dict[str, Any]]] = []
    for item in incoming:
        where = f"{item.where}（ID {item.code}）"
        answer = existing.get(item.code)
        if answer is not None and not may_edit(desks_by_id.get(answer.desk_id)):
            problems.append(f"{where}：ほかの課の回答です。その課の職員か管理者が変更します。")
            continue
        values: dict[str, Any] = {
            "code": item.code,
            "category": item.category,
            "question_ja": item.question_ja,
            "phrasings": item.phrasings,
            "answer_ja": item.answer_ja,
        }
        if item.other_languages is not None:
            values |= item.other_languages
            values |= {
                "valid_from": item.valid_from,
                "valid_until": item.valid_until,
                "active": item.active,
            }
        desk = new_desk if answer is None else desks_by_id.get(answer.desk_id)
        if item.desk is not None:
            desk = desks.get(item.desk) if item.desk else None
            if item.desk and desk is None:
                problems.append(f"{where}：窓口「{item.desk}」がありません。")
                continue
            if not may_edit(desk):
                problems.append(f"{where}：窓口「{item.desk}」の回答は作れません（ほかの課です）。")
                continue
        values |= {
            "desk_id": desk.id if desk else None,
            "department": desk.department if desk else "",
        }
        if item.programme is not None:
            if item.programme and item.programme not in programmes:
                problems.append(f"{where}：制度「{item.programme}」がありません。")
                continue
            values["programme_id"] = programmes.get(item.programme)
        planned.append((answer, values))
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"ほかに{len(problems) - MAX_PROBLEMS}件あります。"]
    if problems:
        raise ExchangeError(problems)
    result = Result()
    for answer, values in planned:
        if answer is None:
            result.added.append(values["question_ja"])
        elif any(getattr(answer, name) != value for name, value in values.items()):
            result.changed.append(values["question_ja"])
        else:
            result.unchanged.append(values["question_ja"])
            continue
        if dry_run:
            continue
        answer = answer or Answer(
            organisation_id=organisation_id, code="", question_ja="", answer_ja=""
        )
        for name, value in values.items():
            setattr(answer, name, value)
        answer.facts = with_desk(answer.facts, answer.desk_id)
        answer.updated_at = now
        session.add(answer)
    if synonyms:
        current = dict(
            session.exec(
                select(Synonym.word, Synonym.means).where(
                    Synonym.organisation_id == organisation_id
                )
            ).all()
        )
        new = {word: means for word, means in synonyms.items() if current.get(word) != means}
        result.synonyms = len(new)
        if not dry_run and new:
            for row in session.exec(
                select(Synonym).where(
                    Synonym.organisation_id == organisation_id, col(Synonym.word).in_(list(new))
                )
            ):
                session.delete(row)
            session.flush()
            session.add_all(
                Synonym(organisation_id=organisation_id, word=w, means=m, updated_at=now)
                for w, m in new.items()
            )
    return result


def export_four_columns(session: Session, organisation_id: int) -> str:
    """A row per way of asking: the question, then each phrasing, with the same ID and answer."""
    rows = []
    for answer in _answers(session, organisation_id):
        for question in (answer.question_ja, *answer.phrasings):
            rows.append((answer.code, question, answer.answer_ja, answer.category))
    return csv_text(FOUR_COLUMNS, rows)


def export_json(session: Session, organisation_id: int) -> dict[str, Any]:
    desks = dict(
        session.exec(
            select(Desk.id, Desk.name_ja).where(Desk.organisation_id == organisation_id)
        ).all()
    )
    programmes = dict(
        session.exec(
            select(Programme.id, Programme.slug).where(Programme.organisation_id == organisation_id)
        ).all()
    )
    return {
        "format": FORMAT,
        "version": 1,
        "answers": [
            {
                "id": a.code,
                "category": a.category,
                "question": {lang: getattr(a, f"question_{lang}") for lang in _LANGS},
                "phrasings": a.phrasings,
                "answer": {lang: getattr(a, f"answer_{lang}") for lang in _LANGS},
                "desk": desks.get(a.desk_id, ""),
                "programme": programmes.get(a.programme_id, ""),
                "valid_from": a.valid_from.isoformat() if a.valid_from else None,
                "valid_until": a.valid_until.isoformat() if a.valid_until else None,
                "active": a.active,
            }
            for a in _answers(session, organisation_id)
        ],
        "synonyms": dict(
            session.exec(
                select(Synonym.word, Synonym.means)
                .where(Synonym.organisation_id == organisation_id)
                .order_by(col(Synonym.word))
            ).all()
        ),
    }


def _answers(session: Session, organisation_id: int) -> list[Answer]:
    return list(
        session.exec(
            select(Answer)
            .where(Answer.organisation_id == organisation_id)
            .order_by(col(Answer.category), col(Answer.code))
        ).all()
    )
