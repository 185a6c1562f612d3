"""Life events computed from the card, each a personal notice to a parent who asked to be told:
a child's entry to primary and junior high school (就学援助, in January before the April), the
March a child's 児童扶養手当 ends (told in January), and for a parent who gave the month the
allowance began, each August's 現況届 (told in late July) and, five years on, the exemption form
without which the allowance is halved. Each date moves to the next day the city hall is open,
like the calendar's notices; a reminder is queued once (a unique key of card and event), and
never more than two weeks late (a card made in March is not told of January's)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from service.calendar import closed_days
from service.calendar.business_days import HolidayShift, shift_to_business_day
from service.calendar.quiet_hours import QuietHours
from service.cards.models import Card, CardMessage
from service.cards.outreach import outbox_row, to_tell
from service.db import insert_ignoring_conflicts
from service.models import Organisation
from service.subscribers import local_date
from service.support.catalogue import FUYOU, SCHOOL_COSTS, named_programmes
from service.support.guide import primary_entry_year

LATE = timedelta(days=14)  # a reminder found later than this is no longer sent


@dataclass(frozen=True)
class Reminder:
    event: str  # primary | junior-high | allowance-ends | exemption | genkyo
    year: int  # of the event (school entry, allowance end, the August)
    on: date  # when the parent is told, on a day the city hall is open
    key: str  # once per card


def reminders(
    birth_months: list[str], allowance_since: date | None, closed: frozenset[date], around: date
) -> Iterator[Reminder]:
    """The card's reminders in the year before and after `around`."""

    def told(event: str, year: int, day: date, child: int | None = None) -> Reminder:
        on = shift_to_business_day(day, HolidayShift.NEXT, closed)
        suffix = "" if child is None else f":{child}"
        return Reminder(event, year, on, f"{event}:{year}{suffix}")

    for child, month in enumerate(birth_months):
        birth = date.fromisoformat(f"{month}-01")
        primary = primary_entry_year(birth)
        yield told("primary", primary, date(primary, 1, 15), child)
        yield told("junior-high", primary + 6, date(primary + 6, 1, 15), child)
        if allowance_since is not None:
            ends = birth.year + 18 + (1 if birth.month >= 4 else 0)
            yield told("allowance-ends", ends, date(ends, 1, 15), child)
    if allowance_since is not None:
        for year in (around.year - 1, around.year, around.year + 1):
            if year > allowance_since.year or (
                year == allowance_since.year and allowance_since.month < 8
            ):
                yield told("genkyo", year, date(year, 7, 25))
        five = allowance_since.replace(year=allowance_since.year + 5)
        year = five.year if five.month <= 8 else five.year + 1
        yield told("exemption", year, date(year, 7, 20))


def queue_reminders(
    session: Session, organisation: Organisation, *, now: datetime, quiet: QuietHours | None
) -> int:
    """Queue the reminders that have come (and are not two weeks old) for the city's cards
    whose parents asked to be told and can be written to; how many rows were offered."""
    today = local_date(now, organisation.timezone)
    closed = closed_days(organisation)
    programmes = {
        slug: programme.id
        for slug, programme in named_programmes(
            session, organisation.id or 0, SCHOOL_COSTS, FUYOU
        ).items()
    }
    send_at = (quiet.ends_after(now) if quiet else None) or now
    cards = session.execute(
        sa_select(col(Card.id), col(Card.birth_months), col(Card.allowance_since)).where(
            *to_tell(organisation.id or 0)
        )
    ).yield_per(2000)
    rows = []
    for card_id, months, since in cards:
        for reminder in reminders(months or [], since, closed, today):
            if reminder.on <= today < reminder.on + LATE:
                school = reminder.event in ("primary", "junior-high")
                programme = programmes.get(SCHOOL_COSTS if school else FUYOU)
                rows.append(outbox_row(card_id, "reminder", programme, reminder.key, now, send_at))
    if rows:
        dialect = session.get_bind().dialect.name
        session.execute(insert_ignoring_conflicts(CardMessage, dialect), rows)
    return len(rows)
