"""A city's catalogue of desks and programmes as one JSON file: exported by one city (or written
by a prefecture), imported by another. Desks are known by their Japanese name, programmes by
their slug, topics by theirs; importing updates what is there and adds the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlmodel import Session, col, delete, select

from service.languages import in_language
from service.models import Notice, Topic
from service.support.eligibility import KINDS, clean
from service.support.guide import ANSWERS
from service.support.models import Desk, Programme, ProgrammeTopic

FORMAT = "yorisou-catalogue"
LANGS = ("ja", "en", "easy")
DESK_TEXTS = {"name": 100, "hours": 200, "place": 200}
PROGRAMME_TEXTS = {"name": 100, "summary": 1000, "eligibility": 1000, "bring": 1000, "apply": 1000}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class CatalogueError(ValueError):
    """The file cannot be imported; nothing of it was."""


@dataclass
class Imported:
    desks: int = 0
    programmes: int = 0
    unknown_topics: set[str] = field(default_factory=set)


def _texts(item: Any, name: str) -> dict[str, str]:
    values = {lang: getattr(item, f"{name}_{lang}") for lang in LANGS}
    return {lang: value for lang, value in values.items() if value}


def export_catalogue(session: Session, organisation_id: int) -> dict[str, Any]:
    desks = session.exec(
        select(Desk)
        .where(Desk.organisation_id == organisation_id)
        .order_by(col(Desk.position), col(Desk.id))
    ).all()
    desk_names = {desk.id: desk.name_ja for desk in desks}
    programmes = session.exec(
        select(Programme)
        .where(Programme.organisation_id == organisation_id)
        .order_by(col(Programme.position), col(Programme.id))
    ).all()
    topics: dict[int, list[str]] = {}
    for programme_id, slug in session.execute(
        select(col(ProgrammeTopic.programme_id), col(Topic.slug))
        .join(Topic, col(Topic.id) == ProgrammeTopic.topic_id)
        .where(Topic.organisation_id == organisation_id)
        .order_by(col(Topic.position))
    ).all():
        topics.setdefault(programme_id, []).append(slug)
    return {
        "format": FORMAT,
        "version": 1,
        "desks": [
            {
                **{name: _texts(desk, name) for name in DESK_TEXTS},
                "department": desk.department,
                "phone": desk.phone,
                "takes_requests": desk.takes_requests,
                "response_days": desk.response_days,
                "active": desk.active,
            }
            for desk in desks
        ],
        "programmes": [
            {
                "slug": programme.slug,
                **{name: _texts(programme, name) for name in PROGRAMME_TEXTS},
                "desk": desk_names.get(programme.desk_id, ""),
                "url": programme.url,
                "apply_url": programme.apply_url,
                "topics": topics.get(programme.id or 0, []),
                "answers": programme.answers,
                "conditions": programme.conditions,
                "active": programme.active,
            }
            for programme in programmes
        ],
    }


# Programmes other pages name by their identifier (識別名), when a city's catalogue has them: the
# estimate links the allowances' own, the reminders the school costs' and the allowance's.
FUYOU, JIDOU, SCHOOL_COSTS = "jido-fuyo-teate", "jido-teate", "shugaku-enjo"


def named_programmes(session: Session, organisation_id: int, *slugs: str) -> dict[str, Programme]:
    """The city's active programmes of these identifiers, by identifier."""
    return {
        programme.slug: programme
        for programme in session.exec(
            select(Programme).where(
                Programme.organisation_id == organisation_id,
                col(Programme.slug).in_(slugs),
                col(Programme.active),
            )
        )
    }


def checklist(programme: Programme, desk: Desk | None, locale: str) -> str:
    """A programme's hand-off in a few lines, for the parent to keep (by email or in LINE):
    its name, what to bring, where to apply online, the desk — the catalogue's words."""
    with in_language(locale):
        lines = [programme.text("name", locale)]
        if bring := programme.text("bring", locale):
            lines.append(f"{gettext('What to bring to the desk:')} {bring}")
        if programme.apply_url:
            lines.append(f"{gettext('Apply online:')} {programme.apply_url}")
        if desk is not None:
            phone = f" {desk.phone}" if desk.phone else ""
            lines.append(f"{gettext('Desk')}: {desk.text('name', locale)}{phone}")
    return "\n".join(lines)


def asked_about(session: Session, notice: Notice) -> Programme | None:
    """The programme a notice offers 「この件を相談する」 for, if the city still has it."""
    if not notice.ask_about:
        return None
    return named_programmes(session, notice.organisation_id, notice.ask_about).get(notice.ask_about)


def _address(where: str, value: Any) -> str:
    url = _text(where, value, 500)
    if url and not url.startswith(("https://", "http://")):
        raise CatalogueError(f"{where}は https:// で始めてください。")
    return url


def _text(where: str, value: Any, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CatalogueError(f"{where}：文字列ではありません。")
    value = value.strip()
    if required and not value:
        raise CatalogueError(f"{where}：必須です。")
    if len(value) > limit:
        raise CatalogueError(f"{where}：{limit}文字までです。")
    return value


def _set_texts(item: Any, entry: dict[str, Any], names: dict[str, int], where: str) -> None:
    for name, limit in names.items():
        texts = entry.get(name) or {}
        if not isinstance(texts, dict):
            raise CatalogueError(f"{where}の{name}: 言語ごとの文字列にしてください。")
        for lang in LANGS:
            required = lang == "ja" and name in ("name", "summary")
            value = _text(f"{where}の{name}.{lang}", texts.get(lang), limit, required=required)
            setattr(item, f"{name}_{lang}", value)


def _entries(data: Any, key: str) -> list[dict[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CatalogueError(f"「{key}」は一覧にしてください。")
    return entries


def import_catalogue(session: Session, organisation_id: int, data: Any) -> Imported:
    """Adds or updates the file's desks and programmes in the session (the caller commits);
    raises CatalogueError, having changed nothing, if any part of it is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != 1:
        raise CatalogueError(
            "Yorisou の制度カタログ（format: yorisou-catalogue, version 1）ではありません。"
        )
    result = Imported()
    desks = {
        desk.name_ja: desk
        for desk in session.exec(select(Desk).where(Desk.organisation_id == organisation_id))
    }
    seen: set[str] = set()
    changed_desks = []
    for number, entry in enumerate(_entries(data, "desks"), start=1):
        where = f"窓口{number}"
        name = _text(f"{where}の名前", (entry.get("name") or {}).get("ja"), 100, required=True)
        if name in seen:
            raise CatalogueError(f"{where}：窓口「{name}」が二度あります。")
        seen.add(name)
        desk = desks.get(name) or Desk(organisation_id=organisation_id, department="", name_ja="")
        _set_texts(desk, entry, DESK_TEXTS, where)
        desk.department = _text(f"{where}の部署", entry.get("department"), 100, required=True)
        desk.phone = _text(f"{where}の電話", entry.get("phone"), 40)
        days = entry.get("response_days", 3)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 30:
            raise CatalogueError(f"{where}：連絡までの日数は1から30の整数です。")
        desk.response_days = days
        desk.takes_requests = entry.get("takes_requests", True) is True
        desk.active = entry.get("active", True) is True
        desk.position = number
        desks[name] = desk
        changed_desks.append(desk)
    topics = {
        topic.slug: topic.id
        for topic in session.exec(select(Topic).where(Topic.organisation_id == organisation_id))
    }
    programmes = {
        programme.slug: programme
        for programme in session.exec(
            select(Programme).where(Programme.organisation_id == organisation_id)
        )
    }
    planned = []
    slugs: set[str] = set()
    for number, entry in enumerate(_entries(data, "programmes"), start=1):
        where = f"制度{number}"
        slug = _text(f"{where}の識別名", entry.get("slug"), 64, required=True)
        if not SLUG.fullmatch(slug) or slug in slugs:
            raise CatalogueError(
                f"{where}：識別名「{slug}」は英小文字・数字・ハイフンで、重複なしにしてください。"
            )
        slugs.add(slug)
        programme = programmes.get(slug) or Programme(
            organisation_id=organisation_id, slug=slug, name_ja="", summary_ja=""
        )
        _set_texts(programme, entry, PROGRAMME_TEXTS, where)
        desk_name = _text(f"{where}の窓口", entry.get("desk"), 100)
        if desk_name and desk_name not in desks:
            raise CatalogueError(f"{where}：窓口「{desk_name}」がありません。")
        programme.url, programme.apply_url = (
            _address(f"{where}の{what}", entry.get(name))
            for name, what in (("url", "URL"), ("apply_url", "オンライン申請のURL"))
        )
        conditions = entry.get("conditions", {})
        if not isinstance(conditions, dict) or not all(
            kind in KINDS and isinstance(values, list) and set(values) <= set(KINDS[kind][0])
            for kind, values in conditions.items()
        ):
            raise CatalogueError(
                f"{where}：条件（conditions）は {'・'.join(KINDS)} ごとに、"
                "決まった値の一覧にしてください。"
            )
        programme.conditions = clean(conditions)
        answers = entry.get("answers", [])
        if not isinstance(answers, list) or not set(answers) <= set(ANSWERS):
            raise CatalogueError(f"{where}：ガイドの答え（answers）に知らない値があります。")
        programme.answers = list(answers)
        wanted = entry.get("topics", [])
        if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted):
            raise CatalogueError(f"{where}：テーマ（topics）は識別名の一覧にしてください。")
        result.unknown_topics |= {slug for slug in wanted if slug not in topics}
        programme.active = entry.get("active", True) is True
        programme.position = number
        planned.append((programme, desk_name, [topics[t] for t in wanted if t in topics]))
    session.add_all(changed_desks)
    session.flush()
    for programme, desk_name, topic_ids in planned:
        programme.desk_id = desks[desk_name].id if desk_name else None
        session.add(programme)
        session.flush()
        session.execute(
            delete(ProgrammeTopic).where(col(ProgrammeTopic.programme_id) == programme.id)
        )
        session.add_all(
            ProgrammeTopic(programme_id=programme.id or 0, topic_id=topic_id or 0)
            for topic_id in dict.fromkeys(topic_ids)
        )
    result.desks, result.programmes = len(changed_desks), len(planned)
    return result
