"""A parent's question in, the assistant's reply out: a crisis first, else the staff's answer,
up to three "もしかして", or an honest "not found" with the way to a desk. What was asked is
counted by month; a question that found nothing good is kept masked for staff to answer next
time. A crisis message is kept nowhere."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from service.assistant.crisis import is_crisis
from service.assistant.matching import Document, Index, decide
from service.assistant.models import Answer, Asked, CrisisWord, Synonym, Unanswered
from service.bookings.models import Event, EventStatus
from service.bookings.schedule import open_slots
from service.calendar import closed_days, occurrences_between
from service.calendar.plain_rules import moment_words
from service.db import insert_ignoring_conflicts
from service.japanese import tokenizer
from service.models import Notice, NoticeStatus, Organisation, in_language_of
from service.support.models import Desk

UNANSWERED_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class Fact:
    """Something Yorisou knows today, shown after an answer's text."""

    label: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class Reply:
    kind: str  # answer | choices | none | crisis
    answer: Answer | None = None
    choices: tuple[Answer, ...] = ()
    facts: tuple[Fact, ...] = field(default=())


# One index per city per process, built again when the city's answers or synonyms change: every
# question checks the version (two small queries), so each process sees a change at once.
_indexes: dict[int, tuple[tuple[object, ...], Index]] = {}
_lock = threading.Lock()


def _version(session: Session, organisation_id: int) -> tuple[object, ...]:
    answers = session.exec(
        select(func.count(), func.max(Answer.updated_at)).where(
            Answer.organisation_id == organisation_id
        )
    ).one()
    synonyms = session.exec(
        select(func.count(), func.max(Synonym.updated_at)).where(
            Synonym.organisation_id == organisation_id
        )
    ).one()
    return (*answers, *synonyms)


def index_for(session: Session, organisation_id: int) -> Index:
    version = _version(session, organisation_id)
    cached = _indexes.get(organisation_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    answers = session.exec(
        select(Answer).where(Answer.organisation_id == organisation_id, col(Answer.active))
    ).all()
    synonyms = dict(
        session.exec(
            select(Synonym.word, Synonym.means).where(Synonym.organisation_id == organisation_id)
        ).all()
    )
    index = Index(
        (
            Document(
                a.id or 0,
                (a.question_ja, *a.phrasings, a.question_easy, a.question_en),
                a.answer_ja,
            )
            for a in answers
        ),
        synonyms,
    )
    with _lock:
        _indexes[organisation_id] = (version, index)
    return index


def current(answer: Answer, today: date) -> bool:
    """Active, and within its validity period (a seasonal answer goes by itself)."""
    if not answer.active:
        return False
    return (answer.valid_from or today) <= today <= (answer.valid_until or today)


def ask(
    session: Session,
    organisation: Organisation,
    question: str,
    *,
    now: datetime,
    locale: str = "ja",
) -> Reply:
    """The reply to a parent's question (at most 300 characters are read), its facts in the
    parent's language."""
    question = question.strip()[:300]
    own_words = session.exec(
        select(CrisisWord.word).where(CrisisWord.organisation_id == organisation.id)
    ).all()
    if is_crisis(question, own_words):
        _count(session, organisation.id or 0, now, "crisis")
        return Reply("crisis")
    today = now.astimezone(ZoneInfo(organisation.timezone)).date()
    index = index_for(session, organisation.id or 0)
    exact = session.get(Answer, index.written(question) or 0)
    if exact is not None and current(exact, today):
        # a "もしかして" tapped, or a question typed as the answer says it
        _count(session, organisation.id or 0, now, "answer", exact.id or 0)
        return Reply("answer", exact, facts=tuple(facts_for(session, exact, now, locale)))
    scored = index.search(question) if question else []
    answers = {
        a.id: a
        for a in session.exec(
            select(Answer).where(col(Answer.id).in_([found[0] for found in scored]))
        ).all()
        if current(a, today) and a.organisation_id == organisation.id
    }
    match = decide([found for found in scored if found[0] in answers])
    if match.kind == "answer":
        answer = answers[match.ids[0]]
        _count(session, organisation.id or 0, now, "answer", answer.id or 0)
        return Reply("answer", answer, facts=tuple(facts_for(session, answer, now, locale)))
    if match.kind == "choices":
        _count(session, organisation.id or 0, now, "choices")
        return Reply("choices", choices=tuple(answers[i] for i in match.ids))
    _count(session, organisation.id or 0, now, "none")
    if question:
        remember_unanswered(session, organisation.id or 0, question, now=now)
    return Reply("none")


def _count(
    session: Session, organisation_id: int, now: datetime, kind: str, answer_id: int = 0
) -> None:
    month = now.strftime("%Y-%m")
    key = {"organisation_id": organisation_id, "month": month, "answer_id": answer_id, "kind": kind}
    dialect = session.get_bind().dialect.name
    session.execute(insert_ignoring_conflicts(Asked, dialect).values(**key, times=0))
    session.execute(
        update(Asked)
        .where(*(getattr(Asked, name) == value for name, value in key.items()))
        .values(times=Asked.times + 1)
    )


def feedback(
    session: Session, organisation: Organisation, answer: Answer, helpful: bool, *, now: datetime
) -> None:
    """はい / いいえ on an answer. いいえ puts its question on the staff's list of questions
    without a good answer."""
    _count(
        session, organisation.id or 0, now, "helpful" if helpful else "unhelpful", answer.id or 0
    )
    if not helpful:
        remember_unanswered(
            session, organisation.id or 0, answer.question_ja, now=now, unhelpful=True
        )


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"\d[\d\-‐－ー―()（） ]{5,}\d")


def mask(text: str) -> str:
    """What could say who asked, taken out: addresses, phone and other long numbers, and any
    word the dictionary knows as a person's name or place (田中, 青葉町)."""
    text = _NUMBER.sub("〇〇〇", _EMAIL.sub("（メール）", text))
    whole = tokenizer("C")
    parts = []
    for morpheme in whole.tokenize(text):
        pos = morpheme.part_of_speech()
        if pos[1] == "固有名詞" and pos[2] in ("人名", "地名"):
            parts.append("（名前）" if pos[2] == "人名" else "（地名）")
        else:
            parts.append(morpheme.surface())
    return "".join(parts)


def remember_unanswered(
    session: Session, organisation_id: int, question: str, *, now: datetime, unhelpful: bool = False
) -> None:
    text = mask(question)[:300]
    session.execute(
        insert_ignoring_conflicts(Unanswered, session.get_bind().dialect.name).values(
            organisation_id=organisation_id,
            text=text,
            times=0,
            not_helpful=0,
            first_asked_at=now,
            last_asked_at=now,
        )
    )
    session.execute(
        update(Unanswered)
        .where(col(Unanswered.organisation_id) == organisation_id, col(Unanswered.text) == text)
        .values(
            times=Unanswered.times + 1,
            not_helpful=Unanswered.not_helpful + (1 if unhelpful else 0),
            last_asked_at=now,
        )
    )


def forget_unanswered(session: Session, *, now: datetime) -> int:
    """The daily upkeep: questions nobody asked for UNANSWERED_KEPT go."""
    from sqlalchemy import delete

    result = session.execute(
        delete(Unanswered).where(col(Unanswered.last_asked_at) < now - UNANSWERED_KEPT)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def facts_for(session: Session, answer: Answer, now: datetime, locale: str = "ja") -> list[Fact]:
    """The live facts staff attached: the next date of a notice, an event's next free day with
    its booking page, a desk's phone and hours (each only while it is the city's and on), in
    the parent's language where the city has it."""
    organisation = session.get_one(Organisation, answer.organisation_id)
    found = []
    for fact in answer.facts:
        table, describe = _FACTS.get(str(fact.get("kind")), (None, None))
        row = session.get(table, int(fact.get("id", 0) or 0)) if table is not None else None
        if row is None or describe is None or row.organisation_id != organisation.id:
            continue
        if (said := describe(session, row, organisation, now, locale)) is not None:
            found.append(said)
    return found


def _when(moment: datetime, organisation: Organisation, locale: str) -> str:
    local = moment.astimezone(ZoneInfo(organisation.timezone))
    if locale == "en":
        return format_datetime(local, "EEE d MMMM y, H:mm", locale="en")
    return moment_words(local)


def _notice_fact(
    session: Session, notice: Notice, organisation: Organisation, now: datetime, locale: str
) -> Fact | None:
    if notice.status != NoticeStatus.SCHEDULED:
        return None
    due = occurrences_between(
        notice, now, now + timedelta(days=400), organisation.timezone, closed_days(organisation)
    )
    title = in_language_of(locale, notice.title, notice.title_en, notice.title_easy)
    return Fact(title, _when(due[0], organisation, locale)) if due else None


def _event_fact(
    session: Session, event: Event, organisation: Organisation, now: datetime, locale: str
) -> Fact | None:
    if event.status != EventStatus.ACTIVE:
        return None
    free = [slot for slot in open_slots(session, event, now) if slot.booked < slot.capacity]
    if not free:
        return None
    when = _when(free[0].starts_at, organisation, locale)
    return Fact(event.text("title", locale), when, f"/e/{event.public_id}")


def _desk_fact(
    session: Session, desk: Desk, organisation: Organisation, now: datetime, locale: str
) -> Fact | None:
    if not desk.active:
        return None
    parts = (desk.phone, desk.text("hours", locale))
    return Fact(desk.text("name", locale), "　".join(part for part in parts if part))


_FACTS: dict[str, tuple[Any, Any]] = {
    "notice": (Notice, _notice_fact),
    "event": (Event, _event_fact),
    "desk": (Desk, _desk_fact),
}
