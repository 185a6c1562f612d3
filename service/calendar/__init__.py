"""When a notice is due: once at a time, by an RRULE, or N days after a parent's anchor date."""

from __future__ import annotations

import warnings
from collections.abc import Collection
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from service.calendar.business_days import HolidayShift, shift_to_business_day
from service.calendar.plain_rules import describe_repeat
from service.models import Notice, Organisation, RuleKind

# How long a relative reminder still reaches parents who confirm after its time of day.
RELATIVE_DEFAULT_WINDOW = timedelta(days=1)
# Longest run of days without a business day (a year-end closure over a weekend), with margin.
_SHIFT_MARGIN = timedelta(days=14)
_CHECKED_YEARS = timedelta(days=5 * 366)


def _local_naive(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def _to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


class RuleError(ValueError):
    """A recurrence staff may not use; the message says why, in English (the API's words)."""


def check_rrule(text: str | None, starts_at: datetime) -> None:
    """Refuse a recurrence that cannot be read, never occurs in its first five years, or comes
    more than once a day: a rule that fires every minute would mail every parent every minute.

    It looks at the first hundred occurrences within five years, on a copy moved 400·k years
    ahead (the Gregorian calendar repeats every 400 years) to just before the year 9999:
    dateutil walks to that year to learn that a rule never occurs, and from there it is short.
    """
    if text is not None and len(text) > 500:
        raise RuleError("at most 500 characters")
    start = starts_at.replace(tzinfo=None)
    try:
        with warnings.catch_warnings():
            # dateutil only warns of COUNT with UNTIL, which RFC 5545 forbids.
            warnings.simplefilter("error", DeprecationWarning)
            rule = rrulestr(text or "", dtstart=start)
    except DeprecationWarning as error:
        raise RuleError("COUNT and UNTIL cannot both be set") from error
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as error:
        raise RuleError("not an RRULE") from error
    frequency = getattr(rule, "_freq", None)  # dateutil keeps it private
    if not isinstance(rule, rrule) or frequency not in (YEARLY, MONTHLY, WEEKLY, DAILY):
        raise RuleError("FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY")
    if getattr(rule, "_interval", 1) < 1:  # dateutil would loop for ever on some
        raise RuleError("INTERVAL must be 1 or more")
    years = 400 * max((MAXYEAR - 6 - start.year) // 400, 0)
    until = min(getattr(rule, "_until", None) or datetime.max, start + _CHECKED_YEARS)
    try:
        probe = rule.replace(
            dtstart=start.replace(year=start.year + years),
            until=until.replace(year=until.year + years),
            count=None,
        )
        first = list(islice(probe, min(getattr(rule, "_count", None) or 100, 100)))
    except (ValueError, TypeError, OverflowError) as error:  # dateutil found it out late
        raise RuleError("not an RRULE") from error
    if not first:
        raise RuleError("the rule does not occur within five years")
    if len({moment.date() for moment in first}) < len(first):
        raise RuleError("at most one occurrence a day")


def parse_send_time(value: str | None) -> time:
    return time.fromisoformat(value) if value else time(9, 0)


def closed_days(organisation: Organisation) -> frozenset[date]:
    """The city's own closed days (自治体の設定), besides weekends, holidays and the year end."""
    return frozenset(date.fromisoformat(day) for day in organisation.closed_days or [])


def occurrences_between(
    notice: Notice,
    start: datetime,
    end: datetime,
    timezone: str,
    closed: Collection[date] = (),
) -> list[datetime]:
    """Due times (UTC) of a one-off or recurring notice in [start, end]; `closed`: the city's
    own closed days, which a shift to a business day avoids too."""
    if notice.starts_at is None:
        return []
    if notice.rule_kind == RuleKind.ONCE:
        return [notice.starts_at] if start <= notice.starts_at <= end else []
    if notice.rule_kind != RuleKind.RRULE or not notice.rrule:
        return []
    return repeats_between(
        notice.starts_at,
        notice.rrule,
        HolidayShift(notice.holiday_shift),
        start,
        end,
        timezone,
        closed,
    )


def repeats_between(
    first: datetime,
    rule_text: str,
    shift: HolidayShift,
    start: datetime,
    end: datetime,
    timezone: str,
    closed: Collection[date] = (),
) -> list[datetime]:
    """The times (UTC) in [start, end] of an RRULE that began at `first`. An occurrence on a
    weekend, public holiday or in the year-end closure moves to the previous or next business
    day when `shift` asks for it, keeping its time of day."""
    tz = ZoneInfo(timezone)
    margin = _SHIFT_MARGIN if shift != HolidayShift.NONE else timedelta(0)
    rule = rrulestr(rule_text, dtstart=_local_naive(first, tz))
    if getattr(rule, "_interval", 1) < 1:  # refused on input since; dateutil would never end
        raise ValueError("INTERVAL below 1")
    local = rule.between(_local_naive(start - margin, tz), _local_naive(end + margin, tz), inc=True)
    due = (
        _to_utc(
            datetime.combine(shift_to_business_day(moment.date(), shift, closed), moment.time()),
            tz,
        )
        for moment in local
    )
    return sorted({moment for moment in due if start <= moment <= end})


def relative_due_at(notice: Notice, anchor: date, timezone: str) -> datetime:
    day = anchor + timedelta(days=notice.offset_days or 0)
    return _to_utc(datetime.combine(day, parse_send_time(notice.send_time)), ZoneInfo(timezone))


def anchors_due_between(
    notice: Notice, start: datetime, end: datetime, timezone: str
) -> list[date]:
    """Anchor dates whose relative reminder falls in [start, end]."""
    tz = ZoneInfo(timezone)
    offset = timedelta(days=notice.offset_days or 0)
    first = start.astimezone(tz).date() - offset - timedelta(days=1)
    last = end.astimezone(tz).date() - offset
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if start <= relative_due_at(notice, day, timezone) <= end]


def deadline(notice: Notice, due_at: datetime) -> datetime | None:
    """The last moment staff gave an occurrence: valid_until, or N days after it is due."""
    limits = [limit for limit in (notice.valid_until,) if limit is not None]
    if notice.valid_days is not None:
        limits.append(due_at + timedelta(days=notice.valid_days))
    return min(limits) if limits else None


def expires_at(notice: Notice, due_at: datetime) -> datetime | None:
    """After this an occurrence is stale: never sent, not even late."""
    limits = [limit for limit in (deadline(notice, due_at),) if limit is not None]
    if notice.valid_days is None and notice.rule_kind == RuleKind.RELATIVE:
        limits.append(due_at + RELATIVE_DEFAULT_WINDOW)
    return min(limits) if limits else None


def describe_rule(notice: Notice, timezone: str = "Asia/Tokyo") -> str:
    """The rule in the words staff use."""
    tz = ZoneInfo(timezone)
    if notice.rule_kind == RuleKind.JOIN:
        return "登録したとき（登録の確認のすぐあとに1回）"
    if notice.rule_kind == RuleKind.RELATIVE:
        at = parse_send_time(notice.send_time)
        return f"登録日（基準日）から{notice.offset_days or 0}日後 {at.hour}:{at.minute:02d}"
    if notice.starts_at is None:
        return "未設定"
    start = notice.starts_at.astimezone(tz)
    if notice.rule_kind == RuleKind.ONCE:
        return f"{start.year}年{start.month}月{start.day}日 {start.hour}:{start.minute:02d}（1回）"
    return describe_repeat(notice.rrule, start.time(), notice.holiday_shift)
