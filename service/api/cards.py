"""API v1 for the family's cards, with the console's scoping: the departments the parent agreed
to (admins all; viewers none). A list says nothing of how to reach the family; reading one card
is audited like opening it in the console; a department records its contact or note."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue

from service import get_session, get_settings
from service.api import blueprint, problem, token_required
from service.cards.cards import (
    departments_of,
    history,
    last_contact,
    last_contacts,
    open_card,
    record,
    reveal,
    visible_cards,
)
from service.cards.models import Card, CardEvent
from service.models import Role
from service.types import utcnow


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _card_json(card: Card, departments: list[str], contact: CardEvent | None) -> dict[str, Any]:
    return {
        "id": card.id,
        "stage": card.stage or None,
        "since": card.since.isoformat()[:7] if card.since else None,
        "children": card.children,
        "needs": card.needs,
        "income_band": card.income_band or None,
        "support_agreed": card.support_agreed or None,
        "contact_way": card.contact_way,
        "unsafe_at_home": card.unsafe_at_home,
        "departments": departments,
        "first_caller": card.first_caller or None,
        "last_contact": {"department": contact.department, "at": _iso(contact.created_at)}
        if contact
        else None,
        "created_at": _iso(card.created_at),
        "updated_at": _iso(card.updated_at),
    }


def _whole(card: Card) -> dict[str, Any]:
    session, settings = get_session(), get_settings()
    return {
        **_card_json(
            card,
            departments_of([card], session).get(card.id or 0, []),
            last_contact(session, card),
        ),
        "contact": reveal(settings, card.contact) or None,
        "note": reveal(settings, card.note) or None,
        "safe_times": card.safe_times,
        "may_say_city": card.may_say_city,
        "locale": card.locale,
        "events": [
            {
                "kind": shown.event.kind,
                "department": shown.event.department or None,
                "body": shown.body or None,
                "shared": shown.event.shared,
                "created_at": _iso(shown.event.created_at),
            }
            for shown in history(session, settings, card, g.staff)
        ],
    }


@blueprint.get("/cards")
@token_required(Role.EDITOR)
def cards() -> ResponseReturnValue:
    session = get_session()
    rows = visible_cards(session, g.staff)[:1000]
    departments = departments_of(rows, session)
    contacts = last_contacts(session, rows)
    return jsonify(
        items=[
            _card_json(row, departments.get(row.id or 0, []), contacts.get(row.id or 0))
            for row in rows
        ]
    )


@blueprint.get("/cards/<int:card_id>")
@token_required(Role.EDITOR)
def one_card(card_id: int) -> ResponseReturnValue:
    session = get_session()
    card = open_card(session, g.staff, card_id)
    if card is None:
        return problem(404, "No such card shared with your department")
    session.commit()
    return jsonify(_whole(card))


@blueprint.post("/cards/<int:card_id>/<kind>")
@token_required(Role.EDITOR)
def record_on_card(card_id: int, kind: str) -> ResponseReturnValue:
    """{"body": "…", "shared": false}: the department's contact with the family, or its note."""
    if kind not in ("contact", "note"):
        return problem(404, "No such record: contact or note")
    data = request.get_json(silent=True)
    body = data.get("body") if isinstance(data, dict) else None
    shared = data.get("shared", False) if isinstance(data, dict) else False
    if not isinstance(body, str) or not 0 < len(body.strip()) <= 2000:
        return problem(400, "body: the text, 1 to 2,000 characters")
    if not isinstance(shared, bool):
        return problem(400, "shared: true or false")
    session = get_session()
    card = open_card(session, g.staff, card_id)
    if card is None:
        return problem(404, "No such card shared with your department")
    record(session, get_settings(), card, g.staff, kind, body, shared=shared, now=utcnow())
    session.commit()
    return jsonify(_whole(card))
