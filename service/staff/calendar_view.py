"""The content calendar: every coming occurrence across notices, by month or as a list."""

from __future__ import annotations

import calendar as monthly
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, col, select

from service import get_session
from service.calendar import closed_days, occurrences_between
from service.models import Notice, NoticeStatus, NoticeTopic, Organisation, Role, RuleKind, Topic
from service.types import utcnow
from service.web.access import role_required
from service.web.console import blueprint

SHOWN = (NoticeStatus.SUBMITTED, NoticeStatus.SCHEDULED, NoticeStatus.PAUSED)
PALETTE = 8  # topic colours, in static/style.css (.topic-0 … .topic-7)


@blueprint.get("/calendar")
@role_required(Role.VIEWER)
def content_calendar() -> ResponseReturnValue:
    session = get_session()
    organisation = session.get_one(Organisation, current_user.organisation_id)
    tz = ZoneInfo(organisation.timezone)
    today = utcnow().astimezone(tz).date()
    try:
        first = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        first = today.replace(day=1)
    as_list = request.args.get("view") == "list"
    start = today if as_list else first
    end = start + timedelta(days=60) if as_list else _next_month(first)
    notices = session.exec(
        select(Notice)
        .where(Notice.organisation_id == organisation.id, col(Notice.status).in_(SHOWN))
        .order_by(col(Notice.id))
    ).all()
    colour = _topic_colours(session, [n.id or 0 for n in notices])
    by_day: dict[date, list[tuple[datetime, Notice]]] = defaultdict(list)
    relative = []
    for notice in notices:
        if notice.rule_kind in (RuleKind.RELATIVE, RuleKind.JOIN):  # each parent's own time
            relative.append(notice)
            continue
        window = (datetime.combine(start, time.min, tz), datetime.combine(end, time.min, tz))
        for due in occurrences_between(
            notice, *window, organisation.timezone, closed_days(organisation)
        ):
            local = due.astimezone(tz)
            by_day[local.date()].append((local, notice))
    for entries in by_day.values():
        entries.sort(key=lambda entry: entry[0])
    weeks = monthly.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
    return render_template(
        "staff/calendar.html",
        as_list=as_list,
        first=first,
        weeks=weeks,
        by_day=by_day,
        days=sorted(by_day),
        relative=sorted(relative, key=lambda n: n.offset_days or 0),
        colour=colour,
        today=today,
        previous=(first - timedelta(days=1)).replace(day=1),
        following=_next_month(first),
        status_shown=SHOWN,
    )


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _topic_colours(session: Session, notice_ids: list[int]) -> dict[int, int]:
    """Each notice takes the colour of its first topic."""
    rows = session.exec(
        select(NoticeTopic.notice_id, Topic.position)
        .join(Topic, col(Topic.id) == NoticeTopic.topic_id)
        .where(col(NoticeTopic.notice_id).in_(notice_ids))
        .order_by(col(Topic.position))
    ).all()
    colours: dict[int, int] = {}
    for notice_id, position in rows:
        colours.setdefault(notice_id, position % PALETTE)
    return colours
