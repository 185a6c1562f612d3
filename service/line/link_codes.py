"""The one-time code that carries a parent's choices on the QR landing into their LINE chat:
made on the landing, filled into the chat by LINE, found again when the parent sends it, and
forgotten a day later."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from urllib.parse import quote

from flask_babel import gettext
from sqlalchemy import delete
from sqlmodel import Session, col, select

from service.languages import in_language
from service.line.models import LineLink
from service.models import Source
from service.tokens import CODE_LETTERS, short_code

LINK_KEPT = timedelta(days=1)


_CODE = re.compile(rf"(?:^|[^A-Z0-9])([{CODE_LETTERS}]{{4}})-?([{CODE_LETTERS}]{{4}})$")


def new_link(
    session: Session,
    *,
    source: Source,
    locale: str,
    topic_ids: Sequence[int],
    anchor_date: date | None,
    birth_months: Sequence[date],
    now: datetime,
) -> LineLink:
    link = LineLink(
        code=short_code(),
        organisation_id=source.organisation_id,
        source_id=source.id,
        locale=locale,
        choices={
            "topics": sorted(set(topic_ids)),
            "anchor_date": anchor_date.isoformat() if anchor_date else None,
            "birth_months": [month.isoformat() for month in birth_months],
        },
        created_at=now,
    )
    session.add(link)
    session.flush()
    return link


def shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def chat_text(code: str, locale: str) -> str:
    """What the parent sends the account to link their LINE to their registration."""
    with in_language(locale):
        return gettext("Registration code %(code)s", code=shown_code(code))


def chat_url(account_id: str, code: str, locale: str) -> str:
    """LINE opens the account's chat with the code typed in, after its add-friend screen for
    someone who is not a friend yet."""
    return f"https://line.me/R/oaMessage/{quote(account_id)}/?{quote(chat_text(code, locale))}"


def expired_links(session: Session, now: datetime) -> int:
    result = session.execute(delete(LineLink).where(col(LineLink.created_at) < now - LINK_KEPT))
    return int(getattr(result, "rowcount", 0) or 0)


def find_link(
    session: Session, code: str, now: datetime, scope: Sequence[int] | None = None
) -> LineLink | None:
    """The link of this code, unless it is unknown, used, more than a day old or (`scope`)
    of a city the account it was sent to does not speak for."""
    query = select(LineLink).where(LineLink.code == code)
    if scope is not None:
        query = query.where(col(LineLink.organisation_id).in_(scope))
    link = session.exec(query).first()
    return link if link is not None and link.created_at >= now - LINK_KEPT else None


def link_in_message(
    session: Session, text: str, now: datetime, scope: Sequence[int]
) -> LineLink | None | bool:
    """The link a message's code names; False for a code that is not (or no longer) good;
    None when the message holds no code."""
    match = _CODE.search(text.strip().upper())
    if match is None:
        return None
    return find_link(session, "".join(match.groups()), now, scope) or False
