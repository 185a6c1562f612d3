"""State every worker shares per channel: a pause ordered by the provider, and the send rate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.channels.rates import RateLimit
from service.db import insert_ignoring_conflicts
from service.models import ChannelState


def _ensure(session: Session, keys: Sequence[str]) -> None:
    dialect = session.get_bind().dialect.name
    session.execute(
        insert_ignoring_conflicts(ChannelState, dialect),
        [{"channel": key, "tokens": 0.0} for key in keys],
    )


def paused_until(session: Session, channel: str, now: datetime) -> datetime | None:
    state = session.get(ChannelState, channel)
    if state is None or state.paused_until is None or state.paused_until <= now:
        return None
    return state.paused_until


def pause_channel(session: Session, channel: str, *, until: datetime, reason: str) -> None:
    _ensure(session, [channel])
    session.execute(
        update(ChannelState)
        .where(col(ChannelState.channel) == channel)
        .values(paused_until=until, pause_reason=reason[:200])
    )
    session.commit()


def take_tokens(
    session: Session, channel: str, wanted: int, *, limits: Sequence[RateLimit], now: datetime
) -> int:
    """Grant up to `wanted` sends now from token buckets that all workers share.

    The bucket rows are locked for the moment of the update (SQLite has one writer anyway),
    so workers on any number of machines together never exceed the limits.
    """
    if not limits or wanted <= 0:
        return wanted
    keys = sorted(channel + limit.key_suffix for limit in limits)  # one lock order for all
    _ensure(session, keys)
    rows = {
        row.channel: row
        for row in session.exec(
            select(ChannelState)
            .where(col(ChannelState.channel).in_(keys))
            .order_by(col(ChannelState.channel))
            .with_for_update()
        )
    }
    available = {}
    for limit in limits:
        row = rows[channel + limit.key_suffix]
        rate = limit.count / limit.seconds
        elapsed = (now - row.refilled_at).total_seconds() if row.refilled_at else math.inf
        available[row.channel] = min(float(limit.count), row.tokens + max(elapsed, 0) * rate)
    granted = min(wanted, *(math.floor(tokens) for tokens in available.values()))
    for key, tokens in available.items():
        rows[key].tokens = tokens - granted
        rows[key].refilled_at = now
        session.add(rows[key])
    session.commit()
    return granted
