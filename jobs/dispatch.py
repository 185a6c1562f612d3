"""Step 3: claim due deliveries, send them through the channels in batches, record each result.

Runs inside an app context: messages are rendered with the app's templates and translations.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from jobs.channel_state import pause_channel, paused_until, take_tokens
from jobs.claims import (
    BATCH_SIZE,
    LEASE,
    ClaimedRow,
    Lease,
    claim_deliveries,
    claim_digest_companions,
    end_leases,
    load_claimed,
    release,
)
from jobs.render import ABOUT_THE_REGISTRATION, render_batch
from jobs.results import RETRY_BASE, Answers, final, later, record
from service.addresses import mask_address
from service.bookings.models import BOOKING_MESSAGES
from service.calendar.quiet_hours import QuietHours
from service.channels import Channel, ChannelUnavailable, Recipient, RenderedMessage, Result
from service.channels.line_router import LineRouter
from service.channels.rates import RateLimit, parse_rate_limits
from service.db import Database
from service.models import DeliveryKind, DeliveryStatus, NoticeStatus
from service.types import utcnow

log = logging.getLogger(__name__)

PAUSED_NOTICE_RETRY = timedelta(minutes=5)
RATE_LIMITED_RETRY = timedelta(seconds=1)
PUSH_CHANNELS = {"webpush", "line"}


@dataclass(frozen=True)
class DispatchPolicy:
    max_attempts: int = 8
    retry_base: timedelta = RETRY_BASE
    lease: timedelta = LEASE
    rate_limits: Mapping[str, Sequence[RateLimit]] = field(default_factory=dict)
    quiet_hours: QuietHours | None = None  # for the channels that can wake a parent
    allowlist: tuple[str, ...] = ()  # rehearsal: addresses or "@domain"s that may receive

    def allows(self, channel: str, address: str) -> bool:
        if not self.allowlist or channel != "email":
            return True
        address = address.lower()
        return address in self.allowlist or "@" + address.partition("@")[2] in self.allowlist


@dataclass
class _Batch:
    """One rendered message and its recipients; a digest recipient stands for several rows."""

    key: tuple[Any, ...]
    route: str  # the account that sends it: its pause and send rate (Channel.route)
    rows: list[ClaimedRow] = field(default_factory=list)
    followers: dict[int, list[int]] = field(default_factory=dict)


def _why_not(row: ClaimedRow, now: datetime, channels: Mapping[str, Channel]) -> str | None:
    if row.address is None or row.endpoint_disabled:
        return "endpoint disabled"
    if row.kind == DeliveryKind.TEST:  # a draft, sent to staff only: no parent's rules apply
        return None if _route(row, channels) else f"channel {row.channel} not configured"
    if row.kind in BOOKING_MESSAGES and row.notice_status not in BOOKING_MESSAGES[row.kind]:
        return "booking changed"
    if row.unsubscribed:
        return "unsubscribed"
    if row.kind not in ABOUT_THE_REGISTRATION and row.paused_until and row.paused_until > now:
        return "paused by the parent"
    if row.notice_status == NoticeStatus.ARCHIVED:
        return "notice withdrawn"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    if _route(row, channels) is None:
        return f"channel {row.channel} not configured"
    return None


def _route(row: ClaimedRow, channels: Mapping[str, Channel]) -> str | None:
    channel = channels.get(row.channel or "")
    return channel.route(row.organisation_id) if channel is not None else None


def dispatch_due(
    database: Database,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    policy: DispatchPolicy | None = None,
    limit: int = BATCH_SIZE,
    max_priority: int | None = None,
) -> int:
    """Claim one batch and send it. Returns how many deliveries were claimed (0: nothing due)."""
    policy = policy or DispatchPolicy()
    with database.session() as session:
        lease = claim_deliveries(
            session, now=now, limit=limit, max_priority=max_priority, lease=policy.lease
        )
    if lease is None:
        return 0
    send_claimed(database, lease, channels=channels, now=now, policy=policy)
    return len(lease.claims)


def send_fanned_out(
    database: Database,
    leases: Sequence[Lease],
    *,
    channels: Mapping[str, Channel],
    policy: DispatchPolicy,
    now: datetime | None = None,
) -> None:
    """Send what a fan-out wrote already claimed, lease by lease. What is still unsent when
    half the lease has gone (a slow provider) is given back for any worker to claim, never left
    to expire while this worker might still send it."""
    deadline = time.monotonic() + policy.lease.total_seconds() / 2
    for index, lease in enumerate(leases):
        if time.monotonic() > deadline:
            with database.session() as session:
                release(session, leases[index:])
            return
        send_claimed(database, lease, channels=channels, now=now or utcnow(), policy=policy)


def send_claimed(
    database: Database,
    lease: Lease,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    policy: DispatchPolicy,
) -> None:
    """Send leased deliveries (with their digest companions) and record each result that is
    not "sent": the claim marked them so already."""
    claimed, leases = list(lease.claims), [lease]
    with database.session() as session:
        rows = load_claimed(session, claimed)
        if digest_endpoints := {r.endpoint_id for r in rows if r.kind == DeliveryKind.DIGEST}:
            companions = claim_digest_companions(
                session, endpoint_ids=digest_endpoints, now=now, lease=policy.lease
            )
            if companions is not None:
                claimed += companions.claims
                leases.append(companions)
                rows += load_claimed(session, companions.claims)
        ids = [claim.delivery_id for claim in claimed]
        updates, sendable = _sort_out(rows, ids, now=now, channels=channels, policy=policy)
        batches = _batches(session, sendable, updates, now=now, policy=policy, channels=channels)
        rendered = [
            (batch, *render_batch(session, batch.key, batch.rows, now)) for batch in batches
        ]
        record(session, updates)

    # The provider is called outside any transaction: a slow provider holds no locks.
    answers = Answers(now, policy.max_attempts, policy.retry_base)
    for batch, message, recipients in rendered:
        by_id = {row.delivery_id: row for row in batch.rows}
        kind, notice_id, channel_name, *_ = batch.key
        channel = channels[channel_name]
        for start in range(0, len(recipients), channel.max_batch):
            chunk = recipients[start : start + channel.max_batch]
            started = time.monotonic()
            try:
                results = _send_safely(channel, message, chunk)
            except ChannelUnavailable as error:
                log.error("ALERT channel=%s paused: %s", batch.route, error.reason)
                until = now + timedelta(seconds=error.pause_seconds)
                with database.session() as session:
                    pause_channel(session, batch.route, until=until, reason=error.reason)
                answers.paused((by_id[r.delivery_id] for r in chunk), batch.followers, until)
                continue
            _log_batch(channel_name, kind, notice_id, chunk, results, started)
            answers.answered(results, by_id, batch.followers)
    with database.session() as session:
        answers.write(session, _still_ours(session, leases))


def _still_ours(session: Session, leases: Sequence[Lease]) -> set[int]:
    """End the leases; the deliveries of those that had not run out. What another worker took
    back (this one was too slow) is that worker's to record now."""
    ended = end_leases(session, [lease.id for lease in leases])
    if lost := [lease for lease in leases if lease.id not in ended]:
        log.warning(
            "lease ran out before the provider answered: %d deliveries left to another worker",
            sum(len(lease.claims) for lease in lost),
        )
    return {claim.delivery_id for lease in leases if lease.id in ended for claim in lease.claims}


def _sort_out(
    rows: list[ClaimedRow],
    ids: list[int],
    *,
    now: datetime,
    channels: Mapping[str, Channel],
    policy: DispatchPolicy,
) -> tuple[list[dict[str, Any]], dict[str, list[ClaimedRow]]]:
    """Settle what must not be sent now; return those updates and the rest, by the account
    that sends them (Channel.route)."""
    loaded = {row.delivery_id for row in rows}
    updates = [  # endpoints erased since the claim
        final(delivery_id, DeliveryStatus.SUPPRESSED, "endpoint erased")
        for delivery_id in ids
        if delivery_id not in loaded
    ]
    sendable: dict[str, list[ClaimedRow]] = defaultdict(list)
    for row in rows:
        if row.kind == DeliveryKind.NOTICE and row.notice_status == NoticeStatus.PAUSED:
            updates.append(later(row, now + PAUSED_NOTICE_RETRY, "notice paused"))
        elif reason := _why_not(row, now, channels):
            updates.append(final(row.delivery_id, DeliveryStatus.SUPPRESSED, reason))
        elif not policy.allows(row.channel or "", row.address or ""):
            log.info(
                "rehearsal: not sent to %s (delivery %d)",
                mask_address(row.address or ""),
                row.delivery_id,
            )
            updates.append(final(row.delivery_id, DeliveryStatus.SUPPRESSED, "rehearsal"))
        else:
            sendable[_route(row, channels) or ""].append(row)
    return updates, sendable


def _batches(
    session: Session,
    sendable: dict[str, list[ClaimedRow]],
    updates: list[dict[str, Any]],
    *,
    now: datetime,
    policy: DispatchPolicy,
    channels: Mapping[str, Channel],
) -> list[_Batch]:
    """Group what may go now into messages; defer the rest (paused, quiet, over the rate)."""
    batches: dict[tuple[Any, ...], _Batch] = {}
    for route, channel_rows in sendable.items():
        channel_name = route.partition(":")[0]
        until = paused_until(session, route, now)
        if until is not None:
            updates.extend(later(row, until, "channel paused") for row in channel_rows)
            continue
        if channel_name in PUSH_CHANNELS and policy.quiet_hours:
            # What can wake a parent waits for the morning; a dry run wakes no one.
            morning = policy.quiet_hours.ends_after(now)
            if morning is not None:
                held = [row for row in channel_rows if row.kind != DeliveryKind.VERIFY]
                updates.extend(later(row, morning, "quiet hours") for row in held)
                channel_rows = [row for row in channel_rows if row.kind == DeliveryKind.VERIFY]
        channel = channels[channel_name]
        own = channel.send_rate(route) if isinstance(channel, LineRouter) else ""
        limits = parse_rate_limits(own) if own else policy.rate_limits.get(channel_name, ())
        granted = take_tokens(session, route, len(channel_rows), limits=limits, now=now)
        updates.extend(
            later(row, now + RATE_LIMITED_RETRY, "rate limited") for row in channel_rows[granted:]
        )
        digests: dict[int, list[ClaimedRow]] = defaultdict(list)
        for row in channel_rows[:granted]:
            if row.kind == DeliveryKind.DIGEST:
                digests[row.endpoint_id].append(row)
            else:
                batches.setdefault(row.group, _Batch(row.group, route)).rows.append(row)
        for endpoint_rows in digests.values():
            lead, *rest = endpoint_rows
            notices = tuple(sorted({row.notice_id or 0 for row in endpoint_rows}))
            key = (
                DeliveryKind.DIGEST,
                notices,
                lead.channel,
                lead.locale,
                lead.organisation_id,
                False,
            )
            batch = batches.setdefault(key, _Batch(key, route))
            batch.rows.append(lead)
            batch.followers[lead.delivery_id] = [row.delivery_id for row in rest]
    return list(batches.values())


def _send_safely(
    channel: Channel, message: RenderedMessage, recipients: Sequence[Recipient]
) -> list[Result]:
    try:
        results = channel.send(message, recipients)
    except ChannelUnavailable:
        raise
    except Exception as error:  # an adapter bug must not lose the batch: retry it later
        log.exception("channel %s failed on a batch of %d", channel.name, len(recipients))
        return [Result(r.delivery_id, "retry", error=type(error).__name__) for r in recipients]
    missing = {r.delivery_id for r in recipients} - {r.delivery_id for r in results}
    return results + [Result(i, "retry", error="no result from adapter") for i in missing]


def _log_batch(
    channel: str,
    kind: str,
    notice: Any,
    chunk: Sequence[Recipient],
    results: Sequence[Result],
    started: float,
) -> None:
    """One line per provider call. The provider's ids of the call (SendGrid's X-Message-Id,
    which its activity feed and support ask for) are here, not in each delivery's row."""
    counts = Counter(result.outcome for result in results)
    provider_ids = sorted({r.provider_id for r in results if r.provider_id})
    log.info(
        "batch channel=%s kind=%s notice=%s count=%d sent=%d retry=%d failed=%d "
        "permanent=%d duration_ms=%d deliveries=%d-%d provider_id=%s",
        channel,
        kind,
        notice,
        len(chunk),
        counts["sent"],
        counts["retry"],
        counts["failed"],
        counts["permanent"],
        (time.monotonic() - started) * 1000,
        min(r.delivery_id for r in chunk),
        max(r.delivery_id for r in chunk),
        ",".join(provider_ids[:3]) or "-",
    )
