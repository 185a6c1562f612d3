"""The dashboard: at a glance, who signed up where, for what, and what reached them."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import col, select

from service import get_session
from service.assistant.reports import months, months_chart
from service.bookings.reports import booking_figures
from service.charts import horizontal_bars, stacked_columns
from service.models import (
    Delivery,
    Endpoint,
    Organisation,
    Role,
    Source,
    Subscriber,
    Subscription,
    Topic,
)
from service.staff.inbox import coming_sends
from service.support.reports import request_figures
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint

OUTCOMES = {"sent": "送信済み", "failed": "失敗", "suppressed": "送信せず", "pending": "送信待ち"}


@blueprint.get("/dashboard")
@role_required(Role.VIEWER)
def dashboard() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    tz = ZoneInfo(organisation.timezone)
    now = utcnow()
    today = now.astimezone(tz).date()
    active = (
        Subscriber.organisation_id == organisation.id,
        col(Subscriber.confirmed_at).is_not(None),
        col(Subscriber.unsubscribed_at).is_(None),
    )

    # Sign-ups per week and counter, over twelve weeks (few rows: grouped here, in local time).
    since = datetime.combine(today - timedelta(weeks=12), time.min, tz)
    names = dict(
        session.execute(
            select(col(Source.id), col(Source.name)).where(
                Source.organisation_id == organisation.id
            )
        ).all()
    )
    weekly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for confirmed_at, source_id in session.execute(
        select(col(Subscriber.confirmed_at), col(Subscriber.source_id)).where(
            Subscriber.organisation_id == organisation.id, col(Subscriber.confirmed_at) >= since
        )
    ).all():
        day = confirmed_at.astimezone(tz).date()
        week = day - timedelta(days=day.weekday())
        weekly[week.strftime("%m/%d")][names.get(source_id, "不明")] += 1
    weeks = [
        (today - timedelta(days=today.weekday(), weeks=n)).strftime("%m/%d")
        for n in range(11, -1, -1)
    ]
    signups = stacked_columns(
        "週ごとの登録者数（設置場所別）",
        [(week, weekly.get(week, {})) for week in weeks],
        sorted(set(names.values())) or ["―"],
    )

    topics = horizontal_bars(
        "テーマ別の登録者数",
        session.execute(
            select(col(Topic.name_ja), func.count(col(Subscription.subscriber_id)))
            .join(Subscription, col(Subscription.topic_id) == Topic.id)
            .join(Subscriber, col(Subscriber.id) == Subscription.subscriber_id)
            .where(*active)
            .group_by(col(Topic.name_ja), col(Topic.position))
            .order_by(col(Topic.position))
        ).all(),
        unit="人",
    )

    channel_names = {"email": "メール", "webpush": "端末への通知", "line": "LINE"}
    channels = horizontal_bars(
        "受け取り方",
        [
            (channel_names.get(channel, channel), count)
            for channel, count in session.execute(
                select(col(Endpoint.channel), func.count())
                .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
                .where(
                    *active,
                    col(Endpoint.verified_at).is_not(None),
                    col(Endpoint.disabled_at).is_(None),
                )
                .group_by(col(Endpoint.channel))
            ).all()
        ],
        unit="件",
    )

    # Deliveries of the last 30 days by outcome, per local day.
    start = datetime.combine(today - timedelta(days=29), time.min, tz)
    daily: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for created_at, status, count in session.execute(
        select(col(Delivery.created_at), col(Delivery.status), func.count())
        .join(Endpoint, col(Endpoint.id) == Delivery.endpoint_id)
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .where(Subscriber.organisation_id == organisation.id, col(Delivery.created_at) >= start)
        .group_by(col(Delivery.created_at), col(Delivery.status))
    ).all():
        daily[created_at.astimezone(tz).strftime("%m/%d")][OUTCOMES.get(status, status)] += count
    days = [(today - timedelta(days=n)).strftime("%m/%d") for n in range(29, -1, -1)]
    outcomes = stacked_columns(
        "過去30日の配信結果", [(d, daily.get(d, {})) for d in days], list(OUTCOMES.values())
    )

    coming = coming_sends(session, organisation, now)
    by_desk = request_figures(session, organisation, "desk", now - timedelta(days=90), now)
    requests = horizontal_bars(
        "相談の申し込み（90日、窓口別。かっこ内は期限内に連絡した割合）",
        [
            (
                f"{row.label}（{'—' if row.share_in_time is None else row.share_in_time}%）",
                row.requests,
            )
            for row in by_desk[:-1]
        ],
        unit="件",
    )
    by_event = booking_figures(session, organisation, "event", now - timedelta(days=90))
    bookings = horizontal_bars(
        "予約（90日、行事別。かっこ内は出席率）",
        [
            (f"{row.label}（{'—' if row.attendance is None else row.attendance}%）", row.booked)
            for row in by_event[:-1]
        ],
        unit="件",
    )
    questions = months_chart(months(session, organisation.id or 0, today))
    return render_template(
        "staff/dashboard.html",
        questions=questions,
        requests=requests,
        bookings=bookings,
        signups=signups,
        topics=topics,
        channels=channels,
        outcomes=outcomes,
        coming=coming,
    )
