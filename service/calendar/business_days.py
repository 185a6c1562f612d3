"""City-hall business days: no weekends, no public holidays, no year-end closure (閉庁日)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays


class HolidayShift(StrEnum):
    NONE = "none"
    PREVIOUS = "previous"  # a deadline reminder: rather a day early
    NEXT = "next"  # a "the office is open again" notice: the next day it is


# 29 December to 3 January, by custom and by most municipal ordinances.
YEAR_END_CLOSURE = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}


@cache
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_business_day(day: date, closed: Collection[date] = ()) -> bool:
    """`closed`: the city's own closed days, besides weekends, holidays and the year end."""
    return (
        day.weekday() < 5
        and (day.month, day.day) not in YEAR_END_CLOSURE
        and day not in _japanese_holidays(day.year)
        and day not in closed
    )


def shift_to_business_day(day: date, shift: HolidayShift, closed: Collection[date] = ()) -> date:
    if shift == HolidayShift.NONE:
        return day
    step = timedelta(days=-1 if shift == HolidayShift.PREVIOUS else 1)
    while not is_business_day(day, closed):
        day += step
    return day


def business_days_after(day: date, count: int, closed: Collection[date] = ()) -> date:
    """The `count`-th business day after `day` (a request on Friday with 2 days: Tuesday)."""
    while count > 0:
        day += timedelta(days=1)
        count -= is_business_day(day, closed)
    return day
