"""One cap for every email a parent's form can cause — a registration's confirmation, a link
asked for, word of an added address, the answer to an empty email, a consultation request's
acknowledgement, a booking's — whoever typed the address: the city's mail must not be a way to
flood someone's inbox. A mailbox is one however its address is spelled (addresses.mailbox_hash:
case, "+tags", the dots Gmail ignores)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from service.addresses import mailbox_hash
from service.models import MailboxEmail

log = logging.getLogger(__name__)

EMAILS_PER_DAY = 3


def may_email(session: Session, address: str, *, now: datetime) -> bool:
    """True, and the email is counted, if the mailbox has had fewer than its fill today."""
    key = mailbox_hash(address)
    sent = session.exec(
        select(func.count()).where(
            MailboxEmail.mailbox_hash == key,
            col(MailboxEmail.created_at) > now - timedelta(days=1),
        )
    ).one()
    if sent >= EMAILS_PER_DAY:
        log.warning("email not sent: its mailbox had %d today", sent)
        return False
    session.add(MailboxEmail(mailbox_hash=key, created_at=now))
    return True


def forget_counts(session: Session, *, now: datetime) -> int:
    """Counts older than a day count no more (the daily upkeep)."""
    result = session.execute(
        delete(MailboxEmail).where(col(MailboxEmail.created_at) < now - timedelta(days=1))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
