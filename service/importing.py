"""Bringing a city's existing mailing list in without losing anyone: a CSV of addresses with
their topics and the consent the city recorded. A dry run says what would happen (new, already
here, invalid with line numbers and why, suppressed, and what each old topic name becomes); the
real run does the same and no more, so running it twice adds nobody twice.

Imported parents are confirmed on the strength of their recorded consent (its date and where it
was given are kept) and get one message first: the city's notices now come from here, with
their own link and the way to stop."""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from service.addresses import hash_address, mailbox_hash, reachable, tidy_address
from service.csv_files import read_rows
from service.db import among
from service.languages import LANGUAGES
from service.models import (
    Child,
    Delivery,
    DeliveryKind,
    Endpoint,
    Organisation,
    Priority,
    Subscriber,
    Subscription,
    Suppression,
    Topic,
)

log = logging.getLogger(__name__)

# Each column, by the names an exported list may give it.
COLUMNS = {
    "email": ("email", "メールアドレス", "メール", "e-mail", "mail"),
    # Only of use with the same LINE official account (a LINE user id is per provider).
    "line_user_id": ("line_user_id", "lineユーザーid", "line id", "lineid", "line_id"),
    "topics": ("topics", "テーマ", "配信テーマ", "カテゴリ"),
    "consent_date": ("consent_date", "同意日", "登録日"),
    "consent_source": ("consent_source", "同意の場所", "登録場所", "登録経路"),
    "language": ("language", "言語"),
    "anchor_date": ("anchor_date", "基準日"),
    "birth_months": ("birth_months", "子どもの生まれ年月", "子の生年月"),
}
LANGUAGE_NAMES = {"日本語": "ja", "英語": "en", "english": "en", "やさしい日本語": "easy"}
_SEPARATORS = re.compile(r"[;；、,，|｜/／]")  # between topics
_LIST = re.compile(r"[;；、,，|｜\s]+")  # between months (which may have a / of their own)
LINE_USER_ID = re.compile(r"U[0-9a-f]{32}")
CHUNK = 1000
SHOWN_INVALID = 200  # lines the console lists; the rest are counted
# Mailing lists of a city's support section by email are younger than this (i-mode, 1999): an
# earlier consent date is a mistake in the list.
EARLIEST_CONSENT = date(2000, 1, 1)
# The longest value each column may hold (what its row keeps, or what a value can be).
LONGEST = {
    "email": 254,
    "line_user_id": 33,
    "topics": 1000,
    "consent_date": 40,
    "consent_source": 200,
    "language": 40,
    "anchor_date": 40,
    "birth_months": 400,
}
# The tables themselves: rows go in through one executemany each, in the order given.
SUBSCRIBERS: Any = Subscriber.__table__  # type: ignore[attr-defined]
ENDPOINTS: Any = Endpoint.__table__  # type: ignore[attr-defined]


@dataclass
class ImportReport:
    new: int = 0
    existing: int = 0
    suppressed: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    topics: dict[str, str | None] = field(default_factory=dict)  # old name → slug, or None

    @property
    def unmapped(self) -> list[str]:
        return sorted(name for name, slug in self.topics.items() if slug is None)

    def counts(self) -> dict[str, Any]:
        """What the console keeps and shows: counts, the first invalid lines, the topics."""
        return {
            "new": self.new,
            "existing": self.existing,
            "suppressed": self.suppressed,
            "invalid": len(self.invalid),
            "invalid_lines": self.invalid[:SHOWN_INVALID],
            "topics": self.topics,
        }


@dataclass(frozen=True)
class _Row:
    line: int
    addresses: tuple[tuple[str, str], ...]  # (channel, address): an email, a LINE user id or both
    topics: tuple[int, ...]
    consent_at: datetime
    consent_source: str
    locale: str
    anchor_date: date | None
    birth_months: tuple[date, ...]


def read_csv(data: bytes) -> list[dict[str, str]]:
    """The rows, by column name (the header's aliases in COLUMNS)."""
    rows = read_rows(data)
    header = rows[0] if rows else None
    if header is None:
        raise ValueError("ファイルが空です。")
    names = {}
    for index, title in enumerate(header):
        plain = unicodedata.normalize("NFKC", title).strip().lower()
        for column, aliases in COLUMNS.items():
            if plain in aliases:
                names[index] = column
    if not {"email", "line_user_id"} & set(names.values()):
        raise ValueError(
            "メールアドレスの列がありません（見出しを email か line_user_id にしてください）。"
        )
    return [
        {names[i]: value.strip() for i, value in enumerate(row) if i in names}
        for row in rows[1:]
        if any(cell.strip() for cell in row)
    ]


def _topic_lookup(
    session: Session, organisation_id: int, mapping: Mapping[str, str]
) -> tuple[dict[str, int | None], dict[int, str]]:
    """Each name a row may give a topic by (its slug, its names, the old system's names as
    mapped; an old name mapped to "" is not imported), and each topic's slug."""
    topics = session.exec(select(Topic).where(Topic.organisation_id == organisation_id)).all()
    slug_of = {topic.id or 0: topic.slug for topic in topics}
    by_slug = {topic.slug: topic.id for topic in topics}
    lookup: dict[str, int | None] = {
        name: topic.id for topic in topics for name in (topic.name_ja, topic.name_en)
    }
    lookup |= by_slug
    lookup |= {
        old: by_slug.get(slug) for old, slug in mapping.items() if not slug or slug in by_slug
    }
    return lookup, slug_of


def _numbers(value: str) -> list[int]:
    """2019-04-01, 2019/4/1, 2019年4月1日 (any width): [2019, 4, 1]."""
    plain = unicodedata.normalize("NFKC", value).strip()
    parts = [part for part in re.split(r"[-/年月日.]", plain) if part]
    if not all(part.isdigit() for part in parts):
        raise ValueError(value)
    return [int(part) for part in parts]


def _day(value: str) -> date | None:
    if not value.strip():
        return None
    numbers = _numbers(value)
    if len(numbers) != 3:
        raise ValueError(value)
    return date(*numbers)


def _month(value: str) -> date:
    numbers = _numbers(value)
    if len(numbers) != 2:
        raise ValueError(value)
    return date(numbers[0], numbers[1], 1)


def _parse(
    number: int,
    row: Mapping[str, str],
    lookup: Mapping[str, int | None],
    slug_of: Mapping[int, str],
    report: ImportReport,
    tz: ZoneInfo,
    today: date,
) -> _Row | str:
    """The row, or why it cannot be imported."""
    for column, value in row.items():
        if len(value) > LONGEST[column]:
            return f"「{column}」が長すぎます（{LONGEST[column]}文字まで）"
        if "\x00" in value:
            return f"「{column}」に使えない文字があります"
    email = tidy_address(row.get("email", ""))
    line_user = unicodedata.normalize("NFKC", row.get("line_user_id", "")).strip()
    if email and not reachable(email) or not (email or line_user):
        return "メールアドレスの形が正しくありません"
    if line_user and not LINE_USER_ID.fullmatch(line_user):
        return "LINEのユーザーIDの形が正しくありません（Uと32文字の英数字）"
    addresses = tuple(
        (channel, address)
        for channel, address in (("email", email), ("line", line_user))
        if address
    )
    names = [name.strip() for name in _SEPARATORS.split(row.get("topics", "")) if name.strip()]
    topics = set()
    for name in names:
        topic_id = lookup.get(name)
        report.topics.setdefault(name, slug_of[topic_id] if topic_id else None)
        if topic_id:
            topics.add(topic_id)
    if not topics:
        return "テーマがありません（対応づけられていないテーマだけです）"
    try:
        consent = _day(row.get("consent_date", ""))
        anchor = _day(row.get("anchor_date", ""))
        months = tuple(_month(m) for m in _LIST.split(row.get("birth_months", "")) if m.strip())
    except (ValueError, OverflowError):
        return "日付が読めません（2019-04-01 のように書いてください）"
    if consent is None:
        return "同意日がありません（同意の記録がない人は取り込めません）"
    if not EARLIEST_CONSENT <= consent <= today:
        return (
            f"同意日 {consent.isoformat()} はありえません"
            f"（{EARLIEST_CONSENT.year}年から今日までの日付にしてください）"
        )
    if any(not today.year - 30 <= month.year <= today.year for month in months) or any(
        month > today for month in months
    ):
        return "子どもの生まれ年月がありえません（この30年のうち、今月まで）"
    language = unicodedata.normalize("NFKC", row.get("language", "")).strip().lower() or "ja"
    locale = LANGUAGE_NAMES.get(language, language)
    if locale not in LANGUAGES:
        return f"言語「{language}」はありません（ja・en・easy）"
    return _Row(
        number,
        addresses,
        tuple(sorted(topics)),
        datetime.combine(consent, time(), tz).astimezone(UTC),
        row.get("consent_source", ""),
        locale,
        anchor,
        months,
    )


def import_subscribers(
    session: Session,
    organisation: Organisation,
    rows: Sequence[Mapping[str, str]],
    *,
    mapping: Mapping[str, str] | None = None,
    now: datetime,
    dry_run: bool = True,
) -> ImportReport:
    """What importing these rows does (dry run), or does it. Line numbers count the header
    as line 1, as a spreadsheet shows them."""
    report = ImportReport()
    if not dry_run:
        # One import of a city at a time (two admins, two workers, the command line): the
        # second waits here, then finds the first one's parents already here.
        session.exec(
            select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
        )
    tz = ZoneInfo(organisation.timezone)
    lookup, slug_of = _topic_lookup(session, organisation.id or 0, mapping or {})
    parsed: list[_Row] = []
    seen: set[str] = set()
    today = now.astimezone(tz).date()
    for number, row in enumerate(rows, start=2):
        result = _parse(number, row, lookup, slug_of, report, tz, today)
        if isinstance(result, str):
            report.invalid.append((number, result))
            continue
        keys = {hash_address(channel, address) for channel, address in result.addresses}
        if keys & seen:
            report.invalid.append((number, "同じアドレスが前の行にもあります"))
            continue
        seen |= keys
        parsed.append(result)
    fresh = []
    for start in range(0, len(parsed), CHUNK):
        chunk = parsed[start : start + CHUNK]
        keys_of = {
            row.line: [hash_address(channel, address) for channel, address in row.addresses]
            for row in chunk
        }
        hashes = {key for keys in keys_of.values() for key in keys}
        found = session.execute(
            select(col(Endpoint.address_hash), col(Endpoint.subscriber_id)).where(
                col(Endpoint.channel).in_(("email", "line")),
                among(session, col(Endpoint.address_hash), hashes),
            )
        ).all()
        ours = set(
            session.exec(
                select(Subscriber.id).where(
                    among(session, col(Subscriber.id), {subscriber for _, subscriber in found}),
                    Subscriber.organisation_id == organisation.id,
                )
            ).all()
        )
        here = {address_hash for address_hash, subscriber in found if subscriber in ours}
        suppressed = set(
            session.exec(
                select(Suppression.address_hash).where(
                    Suppression.organisation_id == organisation.id,
                    col(Suppression.channel).in_(("email", "line")),
                    among(session, col(Suppression.address_hash), hashes),
                )
            ).all()
        )
        for item in chunk:  # here already with any address: left as it is; stopped once: never
            keys = set(keys_of[item.line])
            if keys & here:
                report.existing += 1
            elif keys & suppressed:
                report.suppressed += 1
            else:
                fresh.append(item)
    report.new = len(fresh)
    if not dry_run:
        for start in range(0, len(fresh), CHUNK):
            _write(session, organisation, fresh[start : start + CHUNK], now)
        if fresh and session.get_bind().dialect.name == "postgresql":
            # So that the planner knows the tables grew: the next existence check (a second
            # run) and the next fan-out use their indexes instead of scanning.
            session.execute(text("ANALYZE subscriber, endpoint, subscription"))
    return report


def _write(session: Session, organisation: Organisation, rows: list[_Row], now: datetime) -> None:
    """One chunk, set-based: subscribers, then their addresses, topics, children and the
    first message."""
    public_ids = [uuid.uuid4().hex for _ in rows]
    connection = session.connection()
    subscriber_of: list[int] = [
        row[0]
        for row in connection.execute(
            insert(SUBSCRIBERS).returning(SUBSCRIBERS.c.id, sort_by_parameter_order=True),
            [
                {
                    "public_id": public_id,
                    "organisation_id": organisation.id,
                    "locale": row.locale,
                    "anchor_date": row.anchor_date
                    or row.consent_at.astimezone(ZoneInfo(organisation.timezone)).date(),
                    "created_at": now,
                    "confirmed_at": row.consent_at,
                    "consent_source": row.consent_source,
                    "push_previews": False,
                    "link_epoch": 0,
                    "calendar_epoch": 0,
                }
                for public_id, row in zip(public_ids, rows, strict=True)
            ],
        ).all()
    ]
    # The first message goes to the email address where there is one (it can carry the
    # parent's own links), else to LINE: the first endpoint of each subscriber, as written.
    endpoints: dict[int, int] = {}
    for subscriber_id, endpoint_id in connection.execute(
        insert(ENDPOINTS).returning(
            ENDPOINTS.c.subscriber_id, ENDPOINTS.c.id, sort_by_parameter_order=True
        ),
        [
            {
                "subscriber_id": subscriber_id,
                "channel": channel,
                "address": address,
                "address_hash": hash_address(channel, address),
                "mailbox_hash": mailbox_hash(address) if channel == "email" else None,
                "created_at": now,
                "verified_at": row.consent_at,
                "soft_bounces": 0,
            }
            for subscriber_id, row in zip(subscriber_of, rows, strict=True)
            for channel, address in row.addresses
        ],
    ).all():
        endpoints.setdefault(subscriber_id, endpoint_id)
    session.execute(
        insert(Subscription),
        [
            {
                "subscriber_id": subscriber_id,
                "topic_id": topic_id,
                "mode": "instant",
                "created_at": now,
            }
            for subscriber_id, row in zip(subscriber_of, rows, strict=True)
            for topic_id in row.topics
        ],
    )
    children = [
        {"subscriber_id": subscriber_id, "birth_month": month}
        for subscriber_id, row in zip(subscriber_of, rows, strict=True)
        for month in row.birth_months
    ]
    if children:
        session.execute(insert(Child), children)
    session.execute(
        insert(Delivery),
        [
            {
                "endpoint_id": endpoints[subscriber_id],
                "kind": DeliveryKind.MOVED,
                "priority": Priority.CONFIRM,  # before any notice
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for subscriber_id in subscriber_of
        ],
    )


def mapping_from(pairs: Iterable[str]) -> dict[str, str]:
    """「旧名=slug」 pairs, as the command line takes them."""
    mapping = {}
    for pair in pairs:
        old, _, slug = pair.partition("=")
        if old.strip() and slug.strip():
            mapping[old.strip()] = slug.strip()
    return mapping
