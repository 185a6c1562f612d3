"""What a provider's answer does to the ledger: sent, retried later, given up, disabled, a
device accepted, an urgent notice's fall-back to email."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from jobs.claims import UNSENT, ClaimedRow
from jobs.fanout import NEW_DELIVERY_COLUMNS
from service.channels import Result
from service.db import among, insert_ignoring_conflicts
from service.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Endpoint,
    Notice,
    Priority,
    Send,
)
from service.subscribers import push_accepted
from service.types import UTCDateTime

RETRY_BASE = timedelta(seconds=30)


def final(delivery_id: int, status: str, reason: str | None) -> dict[str, Any]:
    """Not sent, for good. (A claim marked it sent, in case all went well.)"""
    return {
        "id": delivery_id,
        "status": status,
        "claimed_until": None,
        "sent_at": None,
        "last_error": reason,
    }


def later(row: ClaimedRow, when: datetime, reason: str) -> dict[str, Any]:
    """Back to the queue; an attempt that never reached the provider does not count."""
    return {
        "id": row.delivery_id,
        **UNSENT,
        "last_error": reason,
        "attempts": row.attempts - 1,
        "next_attempt_at": when,
    }


def backoff(
    attempts: int,
    retry_after: float | None = None,
    base: timedelta = RETRY_BASE,
    jitter: float | None = None,
) -> timedelta:
    """Exponential with jitter, never sooner than the provider asked."""
    first = base.total_seconds()
    jitter = random.uniform(0.5, 1.5) if jitter is None else jitter
    delay = min(first * 2 ** max(attempts - 1, 0), 6 * 3600) * jitter
    return timedelta(seconds=max(delay, retry_after or 0))


def outcome(
    result: Result,
    attempts: int,
    now: datetime,
    max_attempts: int,
    retry_base: timedelta = RETRY_BASE,
    jitter: float | None = None,
) -> dict[str, Any]:
    """What a result other than "sent" writes (a claim marked the delivery sent already)."""
    if result.outcome == "retry" and attempts < max_attempts:
        # retry_after=0: the batch was refused because of another recipient; go again now.
        delay = (
            timedelta(0)
            if result.retry_after == 0
            else backoff(attempts, result.retry_after, retry_base, jitter)
        )
        return {
            "id": result.delivery_id,
            **UNSENT,
            "last_error": (result.error or "retry")[:500],
            "next_attempt_at": now + delay,
        }
    return final(result.delivery_id, DeliveryStatus.FAILED, (result.error or "failed")[:500])


def record(session: Session, updates: list[dict[str, Any]]) -> None:
    """Write the outcomes: one UPDATE … WHERE id IN (…) per set of equal values (a batch
    refused as a whole is one statement), the odd ones out as one executemany per shape."""
    by_values: dict[tuple[tuple[str, Any], ...], list[int]] = defaultdict(list)
    for values in updates:  # the helpers above always build their keys in the same order
        by_values[tuple((k, v) for k, v in values.items() if k != "id")].append(values["id"])
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for pairs, ids in by_values.items():
        if len(ids) > 1:
            session.connection().execute(  # Core: nothing in the session to synchronise
                update(Delivery).where(among(session, col(Delivery.id), ids)).values(dict(pairs))
            )
        else:
            by_shape[tuple(k for k, _ in pairs)].append({"id": ids[0], **dict(pairs)})
    for rows in by_shape.values():
        session.execute(update(Delivery), rows)
    session.commit()


def disable_endpoints(session: Session, permanent: list[Result], now: datetime) -> None:
    for result in permanent:
        endpoint_id = select(col(Delivery.endpoint_id)).where(
            col(Delivery.id) == result.delivery_id
        )
        session.execute(
            update(Endpoint)
            .where(
                col(Endpoint.id).in_(endpoint_id.scalar_subquery()),
                col(Endpoint.disabled_at).is_(None),
            )
            .values(disabled_at=now, disabled_reason=(result.error or "permanent failure")[:200])
        )


def fall_back_to_email(session: Session, delivery_ids: list[int], now: datetime) -> None:
    """An urgent notice whose push failed for good goes to the parent's email instead."""
    if not delivery_ids:
        return
    failed, push, email = aliased(Delivery), aliased(Endpoint), aliased(Endpoint)
    fallback = (
        select(
            col(failed.send_id),
            col(email.id),
            literal(DeliveryKind.NOTICE.value),
            literal(int(Priority.URGENT)),
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        )
        .select_from(failed)
        .join(push, col(push.id) == failed.endpoint_id)
        .join(email, col(email.subscriber_id) == push.subscriber_id)
        .join(Send, col(Send.id) == failed.send_id)
        .join(Notice, col(Notice.id) == Send.notice_id)
        .where(
            among(session, col(failed.id), delivery_ids),
            col(push.channel) != "email",
            col(Notice.urgent).is_(True),
            col(email.channel) == "email",
            col(email.verified_at).is_not(None),
            col(email.disabled_at).is_(None),
        )
    )
    dialect = session.get_bind().dialect.name
    session.execute(
        insert_ignoring_conflicts(Delivery, dialect).from_select(NEW_DELIVERY_COLUMNS, fallback)
    )


@dataclass
class Answers:
    """What the providers answered for one claim, gathered while the worker sends and written
    when it is done: every decision about a delivery's outcome is taken here."""

    now: datetime
    max_attempts: int
    retry_base: timedelta
    updates: list[dict[str, Any]] = field(default_factory=list)
    permanent: list[Result] = field(default_factory=list)
    accepted_devices: list[int] = field(default_factory=list)

    def _add(self, values: dict[str, Any], followers: Mapping[int, list[int]]) -> None:
        """A digest's lead stands for the notices behind it: they share its outcome."""
        self.updates.append(values)
        self.updates.extend({**values, "id": f} for f in followers.get(values["id"], []))

    def paused(
        self,
        rows: Iterable[ClaimedRow],
        followers: Mapping[int, list[int]],
        until: datetime,
    ) -> None:
        """The channel refused the credentials: back to the queue for when it may go again."""
        for row in rows:
            self._add(later(row, until, "channel paused"), followers)

    def answered(
        self,
        results: Iterable[Result],
        by_id: Mapping[int, ClaimedRow],
        followers: Mapping[int, list[int]],
    ) -> None:
        """One provider call's answers. One jitter for the whole call: what failed together
        comes due together, and goes again as the same batch (LINE's retry key needs it)."""
        jitter = random.uniform(0.5, 1.5)
        for result in results:
            row = by_id[result.delivery_id]
            if result.outcome == "sent":
                if row.kind == DeliveryKind.VERIFY:  # FCM took the device's token
                    self.accepted_devices.append(row.endpoint_id)
                continue  # marked so when claimed: nothing to write
            done = outcome(
                result, row.attempts, self.now, self.max_attempts, self.retry_base, jitter
            )
            self._add(done, followers)
            if result.outcome == "permanent":
                self.permanent.append(result)

    def write(self, session: Session, ours: set[int]) -> None:
        """Only for the deliveries still this worker's (a lease not run out): what another
        worker took back is that worker's to decide."""
        record(session, [values for values in self.updates if values["id"] in ours])
        permanent = [result for result in self.permanent if result.delivery_id in ours]
        if permanent:
            disable_endpoints(session, permanent, self.now)
            fall_back_to_email(session, [r.delivery_id for r in permanent], self.now)
        if self.accepted_devices:
            push_accepted(session, endpoint_ids=self.accepted_devices, now=self.now)
        session.commit()
