"""Messages to the parents of cards: a handful a day, each to one parent, by email or LINE."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from jobs.claims import LEASE
from jobs.outbox import send_outbox
from service.cards.cards import reveal
from service.cards.messages import render_card_message
from service.cards.models import Card, CardMessage
from service.channels import Channel, RenderedMessage
from service.db import Database
from service.models import Organisation
from service.settings import Settings


def send_card_messages(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    settings: Settings,
    now: datetime,
    max_attempts: int = 8,
    lease: timedelta = LEASE,
) -> int:
    """Send what is due; returns how many were tried."""

    def prepare(
        session: Session, message: CardMessage
    ) -> tuple[Channel, str, RenderedMessage] | None:
        card = session.get_one(Card, message.card_id)
        channel = channels.get(card.contact_way)
        if channel is None or card.contact_way not in ("email", "line") or card.unsafe_at_home:
            return None
        organisation = session.get_one(Organisation, card.organisation_id)
        rendered = render_card_message(session, message, card, organisation)
        address = reveal(settings, card.contact)
        return channel, address, replace(rendered, organisation_id=card.organisation_id)

    return send_outbox(
        database, CardMessage, prepare, now=now, max_attempts=max_attempts, lease=lease
    )
