"""A parent's own calendar feed: the coming notices on their topics, for their phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlmodel import Session, col, select

from service.calendar import closed_days, deadline, occurrences_between, relative_due_at
from service.messages import notice_text
from service.models import (
    Notice,
    NoticeStatus,
    NoticeTopic,
    Organisation,
    RuleKind,
    Subscriber,
    Subscription,
)

HORIZON = timedelta(days=366)


def upcoming(
    session: Session, subscriber: Subscriber, *, now: datetime
) -> list[tuple[datetime, Notice]]:
    """(due time, notice) for the notices this parent will get within a year, soonest first."""
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    topics = select(Subscription.topic_id).where(Subscription.subscriber_id == subscriber.id)
    notices = session.exec(
        select(Notice)
        .where(
            Notice.organisation_id == subscriber.organisation_id,
            Notice.status == NoticeStatus.SCHEDULED,
            col(Notice.id).in_(
                select(NoticeTopic.notice_id).where(col(NoticeTopic.topic_id).in_(topics))
            ),
        )
        .order_by(col(Notice.id))
    ).all()
    due: list[tuple[datetime, Notice]] = []
    for notice in notices:
        if notice.rule_kind == RuleKind.JOIN:  # a welcome, already received
            continue
        if notice.rule_kind == RuleKind.RELATIVE:
            if subscriber.anchor_date is not None:
                moment = relative_due_at(notice, subscriber.anchor_date, organisation.timezone)
                if now <= moment <= now + HORIZON:
                    due.append((moment, notice))
        else:
            due.extend(
                (moment, notice)
                for moment in occurrences_between(
                    notice, now, now + HORIZON, organisation.timezone, closed_days(organisation)
                )
            )
    return sorted(due, key=lambda pair: (pair[0], pair[1].id or 0))


def calendar_feed(
    session: Session, subscriber: Subscriber, *, now: datetime, calendar_name: str
) -> bytes:
    organisation = session.get_one(Organisation, subscriber.organisation_id)
    tz = ZoneInfo(organisation.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Yorisou//Notices//JA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", organisation.timezone)
    for moment, notice in upcoming(session, subscriber, now=now):
        event = Event()
        event.add("uid", f"notice-{notice.id}-{moment:%Y%m%dT%H%M}@yorisou")
        event.add("dtstamp", now)
        item = notice_text(notice, subscriber.locale)
        event.add("summary", item.title)
        start = moment.astimezone(tz).date()  # whole days: it is a reminder, or a period
        event.add("dtstart", start)
        last = deadline(notice, moment)
        if last is not None and last.astimezone(tz).date() > start:
            # A period (the 現況届 from its first to its last day), not only its first day.
            event.add("dtend", last.astimezone(tz).date() + timedelta(days=1))
        event.add("description", item.text)
        calendar.add_component(event)
    return calendar.to_ical()
