"""Each morning, each desk's list of new and overdue requests (service.support.desk_lists)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta

from sqlmodel import select

from service.cards.cards import card_news
from service.channels import Channel, ChannelUnavailable, Recipient
from service.db import Database, insert_ignoring_conflicts
from service.models import Organisation
from service.settings import Settings
from service.support.desk_lists import due_desks, listed_requests, render_desk_list
from service.support.models import DeskList

log = logging.getLogger(__name__)


def send_desk_lists(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    settings: Settings,
    now: datetime,
    at: time,
) -> int:
    """Claims today's list of each desk whose hour has come (one row a desk a day: of
    several workers, the first takes it) and sends it if there is anything on it."""
    email = channels.get("email")
    sent = 0
    with database.session() as session:
        due = due_desks(session, now, at)
    for desk, day in due:
        with database.session() as session:
            dialect = session.get_bind().dialect.name
            claimed = session.execute(
                insert_ignoring_conflicts(DeskList, dialect).values(
                    desk_id=desk.id, day=day, requests=0
                )
            )
            session.commit()
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue  # another worker has it
            row = session.exec(
                select(DeskList).where(DeskList.desk_id == desk.id, DeskList.day == day)
            ).one()
            listed = listed_requests(session, desk, day, now)
            cards = card_news(
                session, desk.organisation_id, desk.department, now - timedelta(days=1)
            )
            row.requests = len(listed)
            session.add(row)
            session.commit()
            if not (listed or cards) or email is None:
                continue
            organisation = session.get_one(Organisation, desk.organisation_id)
            message = render_desk_list(desk, organisation, listed, cards, settings)
            row_id, address = row.id or 0, desk.notify_email
        # The provider is called outside any transaction.
        try:
            recipient = Recipient(row_id, address, outbox=DeskList.__tablename__)
            [result] = email.send(message, [recipient])
            error, done = result.error, result.outcome == "sent"
        except ChannelUnavailable as unavailable:
            error, done = unavailable.reason, False
        if error:
            log.warning("desk list for desk %s not sent: %s", desk.id, error)
        with database.session() as session:
            row = session.get_one(DeskList, row_id)
            row.error, row.sent_at = error, now if done else None
            session.add(row)
            session.commit()
        sent += done
    return sent
