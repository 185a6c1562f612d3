"""プッシュ型の案内: the city reaches out. A card whose parent asked to be told, and who can be
written to (email or LINE, home safe), is checked against every programme's conditions; where
it fits, one message says which programme, why, and what to do next — once per programme and
reason (a unique key, so two workers cannot both queue it), again only when the reason changes
(the parent's answers changed, or the conditions took in other answers). It waits out the quiet
hours and goes through the cards' outbox.

Staff see, per programme, the families who may use it among the cards their department may see,
whether they were told and whether a department has contacted them since."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service.calendar.quiet_hours import QuietHours
from service.cards.cards import Staff, family_of, judged_on, last_contacts, visible_query
from service.cards.models import Card, CardMessage
from service.db import insert_ignoring_conflicts
from service.models import DeliveryStatus, Organisation
from service.settings import Settings
from service.support.eligibility import DEPENDS, LIKELY, likelihood, reason_key
from service.support.models import Programme
from service.tokens import Purpose, TokenExpired, TokenInvalid, make_token, read_token
from service.types import utcnow

BATCH = 2000


def programmes_with_conditions(session: Session, organisation_id: int) -> list[Programme]:
    return [
        programme
        for programme in session.exec(
            select(Programme)
            .where(Programme.organisation_id == organisation_id, col(Programme.active))
            .order_by(col(Programme.position), col(Programme.id))
        )
        if programme.conditions
    ]


def to_tell(organisation_id: int) -> tuple[ColumnElement[bool], ...]:
    """The city's cards whose parents asked to be told and can be written to (home safe)."""
    return (
        col(Card.organisation_id) == organisation_id,
        col(Card.tell_me).is_(True),
        col(Card.unsafe_at_home).is_(False),
        col(Card.contact_way).in_(("email", "line")),
        col(Card.contact).is_not(None),
    )


def outbox_row(
    card_id: int, kind: str, programme_id: int | None, reason: str, now: datetime, at: datetime
) -> dict[str, object]:
    """A message for the cards' outbox, as a row to insert (ignoring one already there)."""
    return {
        "card_id": card_id,
        "kind": kind,
        "programme_id": programme_id,
        "reason": reason,
        "asked_by": "",
        "department": "",
        "body": "",
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": at,
    }


def queue_you_may(
    session: Session, organisation: Organisation, *, now: datetime, quiet: QuietHours | None
) -> int:
    """Queue the messages due for a city's cards (the caller commits); how many rows were
    offered to the outbox (those already there are left as they are). The cards are judged on
    the city's day, by the allowance's table in force: a child's new school year or a new
    table's limits may make a card fit where it did not."""
    programmes = programmes_with_conditions(session, organisation.id or 0)
    if not programmes:
        return 0
    today, limits = judged_on(session, organisation, now)
    send_at = (quiet.ends_after(now) if quiet else None) or now
    statement = insert_ignoring_conflicts(CardMessage, session.get_bind().dialect.name)
    cards = session.execute(
        sa_select(
            col(Card.id),
            col(Card.children),
            col(Card.stage),
            col(Card.income_band),
            col(Card.support_agreed),
            col(Card.birth_months),
            col(Card.allowance_figures),
            col(Card.needs),
        ).where(*to_tell(organisation.id or 0))
    ).yield_per(BATCH)
    rows: list[dict[str, object]] = []
    offered = 0
    for card in cards:
        family = family_of(card, today, limits)
        for programme in programmes:
            found = likelihood(programme.conditions, family)
            if found is not None and found[0] == LIKELY:
                reason = reason_key(programme.conditions, family)
                rows.append(outbox_row(card.id, "you-may", programme.id, reason, now, send_at))
        if len(rows) >= BATCH:
            session.execute(statement, rows)
            offered, rows = offered + len(rows), []
    if rows:
        session.execute(statement, rows)
        offered += len(rows)
    return offered


@dataclass(frozen=True)
class Prospect:
    """A family a department may reach out to about a programme: no personal data here."""

    card: Card
    likelihood: str  # likely | depends
    told: CardMessage | None  # the "you may" message, if one was queued
    contacted: datetime | None  # the latest contact by any department


def prospects(session: Session, staff: Staff, programme: Programme) -> list[Prospect]:
    """The cards the staff member may see that may fit the programme, those never told nor
    contacted first."""
    visible = visible_query(staff)
    if visible is None:
        return []
    cards = session.exec(visible.order_by(col(Card.id).desc())).all()
    organisation = session.get_one(Organisation, staff.organisation_id)
    today, limits = judged_on(session, organisation, utcnow())
    fitting = []
    for card in cards:
        found = likelihood(programme.conditions, family_of(card, today, limits))
        if found is not None and found[0] in (LIKELY, DEPENDS):
            fitting.append((card, found[0]))
    told = {
        message.card_id: message
        for message in session.exec(
            select(CardMessage).where(
                CardMessage.programme_id == programme.id,
                col(CardMessage.card_id).in_([card.id for card, _ in fitting]),
            )
        )
    }
    contacts = last_contacts(session, [card for card, _ in fitting])
    found_all = [
        Prospect(
            card,
            verdict,
            told.get(card.id or 0),
            contacts[card.id].created_at if card.id in contacts else None,
        )
        for card, verdict in fitting
    ]
    return sorted(found_all, key=lambda p: p.told is not None or p.contacted is not None)


def summary(rows: Sequence[Prospect]) -> dict[str, int]:
    """What the automatic messages did, for the page's head."""
    told = [row.told for row in rows if row.told is not None]
    return {
        "families": len(rows),
        "queued": sum(m.status == DeliveryStatus.PENDING for m in told),
        "sent": sum(m.sent_at is not None for m in told),
        "failed": sum(m.status == DeliveryStatus.FAILED for m in told),
        "opened": sum(m.opened_at is not None for m in told),  # by email only: SendGrid says
        "followed": sum(m.followed_at is not None for m in told),
        "contacted_after": sum(
            row.told is not None
            and row.told.sent_at is not None
            and row.contacted is not None
            and row.contacted >= row.told.sent_at
            for row in rows
        ),
        "waiting": sum(row.told is None and row.contacted is None for row in rows),
    }


def follow_token(settings: Settings, message: CardMessage) -> str:
    """What a message's links carry (「この件で相談する」 and each 「予約する」), so that a
    consultation request or a booking made from them counts as following it."""
    return make_token(settings.secret_key, Purpose.FOLLOW, str(message.id))


def followed(session: Session, settings: Settings, token: str, *, now: datetime) -> None:
    """A consultation request or a booking came from a message's link: noted on the message
    (the first time only). A link that is not good counts for nothing; the request or booking
    stands all the same."""
    try:
        message_id = int(read_token(settings.secret_key, Purpose.FOLLOW, token))
    except (TokenInvalid, TokenExpired, ValueError):
        return
    session.execute(
        update(CardMessage)
        .where(col(CardMessage.id) == message_id, col(CardMessage.followed_at).is_(None))
        .values(followed_at=now)
    )
