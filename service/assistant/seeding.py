"""Putting a set of answers into a city: the demo's, or (later) a file's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session, select

from service.assistant.models import Answer, Synonym, with_desk
from service.support.models import Desk, Programme

DEMO_SYNONYMS = {
    "児扶": "児童扶養手当",
    "母子家庭": "ひとり親",
    "父子家庭": "ひとり親",
    "シングルマザー": "ひとり親",
    "シングルファザー": "ひとり親",
    "入金": "振込",
    "支払": "振込",
    "元夫": "相手",
    "元妻": "相手",
    "約束": "取り決め",
}


def add_answers(
    session: Session,
    organisation_id: int,
    rows: Iterable[tuple[str, str, str, tuple[str, ...], str, str, str]],
    *,
    now: datetime,
    languages: Mapping[str, Mapping[str, tuple[str, str]]] = {},
) -> int:
    """(code, category, question, phrasings, answer, programme slug, desk name) rows as the
    city's answers, linked to its programmes and desks by slug and name; `languages` gives
    other versions ({"en": {code: (question, answer)}, "easy": …})."""
    programmes = dict(
        session.exec(
            select(Programme.slug, Programme.id).where(Programme.organisation_id == organisation_id)
        ).all()
    )
    desks = {
        desk.name_ja: desk
        for desk in session.exec(select(Desk).where(Desk.organisation_id == organisation_id))
    }
    count = 0
    for code, category, question, phrasings, text, programme, desk_name in rows:
        desk = desks.get(desk_name)
        answer = Answer(
            organisation_id=organisation_id,
            code=code,
            category=category,
            department=desk.department if desk else "",
            question_ja=question,
            phrasings=list(phrasings),
            answer_ja=text,
            programme_id=programmes.get(programme),
            desk_id=desk.id if desk else None,
            facts=with_desk([], desk.id if desk else None),
            updated_at=now,
        )
        for lang, texts in languages.items():
            if code in texts:
                setattr(answer, f"question_{lang}", texts[code][0])
                setattr(answer, f"answer_{lang}", texts[code][1])
        session.add(answer)
        count += 1
    return count


def add_synonyms(
    session: Session, organisation_id: int, synonyms: Mapping[str, str], *, now: datetime
) -> None:
    session.add_all(
        Synonym(organisation_id=organisation_id, word=word, means=means, updated_at=now)
        for word, means in synonyms.items()
    )
