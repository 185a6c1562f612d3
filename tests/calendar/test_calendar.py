"""Schedule rules with real dates: payment months, Golden Week, the year-end closure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.calendar import (
    anchors_due_between,
    expires_at,
    occurrences_between,
    relative_due_at,
)
from service.calendar.business_days import HolidayShift, is_business_day, shift_to_business_day
from service.models import Notice, RuleKind

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO).astimezone(UTC)


def recurring(rule: str, shift: HolidayShift = HolidayShift.NONE, **kw: object) -> Notice:
    return Notice(
        title="t",
        body="b",
        rule_kind=RuleKind.RRULE,
        rrule=rule,
        starts_at=tokyo(2025, 1, 1),
        holiday_shift=shift,
        **kw,
    )


def local_days(due: list[datetime]) -> list[date]:
    return [moment.astimezone(TOKYO).date() for moment in due]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 5, 1), True),  # Friday between the holidays
        (date(2026, 5, 4), False),  # みどりの日
        (date(2026, 5, 6), False),  # 振替休日 (5/3 was a Sunday)
        (date(2026, 5, 7), True),
        (date(2026, 12, 28), True),  # 御用納め
        (date(2026, 12, 29), False),
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), True),  # 御用始め
        (date(2027, 1, 11), False),  # 成人の日
        (date(2026, 11, 28), False),  # Saturday
    ],
)
def test_business_days(day, expected):
    assert is_business_day(day) is expected


def test_shifting_over_golden_week_and_the_year_end():
    assert shift_to_business_day(date(2026, 5, 5), HolidayShift.NEXT) == date(2026, 5, 7)
    assert shift_to_business_day(date(2026, 5, 5), HolidayShift.PREVIOUS) == date(2026, 5, 1)
    assert shift_to_business_day(date(2026, 12, 31), HolidayShift.PREVIOUS) == date(2026, 12, 28)
    assert shift_to_business_day(date(2026, 12, 31), HolidayShift.NEXT) == date(2027, 1, 4)
    assert shift_to_business_day(date(2026, 12, 31), HolidayShift.NONE) == date(2026, 12, 31)


def test_jido_fuyo_teate_payment_months_move_to_the_previous_business_day():
    # Paid on the 11th of odd months; a payment day on a holiday is paid the business day before.
    notice = recurring(
        "FREQ=MONTHLY;BYMONTH=1,3,5,7,9,11;BYMONTHDAY=11;BYHOUR=9;BYMINUTE=0", HolidayShift.PREVIOUS
    )
    due = occurrences_between(notice, tokyo(2025, 1, 1), tokyo(2025, 12, 31), "Asia/Tokyo")
    assert local_days(due) == [
        date(2025, 1, 10),  # the 11th is a Saturday
        date(2025, 3, 11),
        date(2025, 5, 9),  # Sunday
        date(2025, 7, 11),
        date(2025, 9, 11),
        date(2025, 11, 11),
    ]
    assert {moment.astimezone(TOKYO).hour for moment in due} == {9}


def test_a_rule_hitting_golden_week_moves_to_the_next_business_day():
    notice = recurring("FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=5;BYHOUR=10;BYMINUTE=0", HolidayShift.NEXT)
    due = occurrences_between(notice, tokyo(2026, 1, 1), tokyo(2027, 12, 31), "Asia/Tokyo")
    assert due == [tokyo(2026, 5, 7, 10, 0), tokyo(2027, 5, 6, 10, 0)]


def test_an_occurrence_shifted_into_the_window_is_found():
    # 1 January moves to 4 January: asking for 2–5 January finds it although the rule says 1st.
    notice = recurring("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0", HolidayShift.NEXT)
    due = occurrences_between(notice, tokyo(2027, 1, 2), tokyo(2027, 1, 5), "Asia/Tokyo")
    assert due == [tokyo(2027, 1, 4, 9, 0)]


def test_weekly_rule_with_count_and_monthly_rule_with_until():
    weekly = recurring("FREQ=WEEKLY;BYDAY=WE;BYHOUR=18;BYMINUTE=30;COUNT=3")
    assert local_days(
        occurrences_between(weekly, tokyo(2025, 1, 1), tokyo(2026, 1, 1), "Asia/Tokyo")
    ) == [date(2025, 1, 1), date(2025, 1, 8), date(2025, 1, 15)]
    monthly = recurring("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;UNTIL=20250331T235959")
    assert (
        len(occurrences_between(monthly, tokyo(2025, 1, 1), tokyo(2026, 1, 1), "Asia/Tokyo")) == 3
    )


def test_a_one_off_notice_is_due_once():
    notice = Notice(title="t", body="b", rule_kind=RuleKind.ONCE, starts_at=tokyo(2027, 1, 16, 10))
    assert occurrences_between(notice, tokyo(2027, 1, 1), tokyo(2027, 2, 1), "Asia/Tokyo") == [
        tokyo(2027, 1, 16, 10)
    ]
    assert occurrences_between(notice, tokyo(2027, 1, 17), tokyo(2027, 2, 1), "Asia/Tokyo") == []


def test_relative_rule_counts_days_from_the_anchor_in_local_time():
    notice = Notice(
        title="t", body="b", rule_kind=RuleKind.RELATIVE, offset_days=3, send_time="09:00"
    )
    assert relative_due_at(notice, date(2026, 12, 30), "Asia/Tokyo") == tokyo(2027, 1, 2, 9, 0)
    anchors = anchors_due_between(notice, tokyo(2027, 1, 2, 8), tokyo(2027, 1, 3, 12), "Asia/Tokyo")
    assert anchors == [date(2026, 12, 30), date(2026, 12, 31)]


def test_expiry_is_the_earlier_of_valid_until_and_valid_days():
    notice = recurring("FREQ=YEARLY", valid_days=14, valid_until=tokyo(2027, 8, 20))
    assert expires_at(notice, tokyo(2026, 8, 17)) == tokyo(2026, 8, 31)
    assert expires_at(notice, tokyo(2027, 8, 17)) == tokyo(2027, 8, 20)
    assert expires_at(recurring("FREQ=YEARLY"), tokyo(2027, 8, 17)) is None


def test_quiet_hours_across_midnight():
    from service.calendar.quiet_hours import QuietHours

    quiet = QuietHours.parse("21:00-08:00", "Asia/Tokyo")
    assert quiet.ends_after(tokyo(2027, 8, 17, 20, 59)) is None
    assert quiet.ends_after(tokyo(2027, 8, 17, 21, 0)) == tokyo(2027, 8, 18, 8, 0)
    assert quiet.ends_after(tokyo(2027, 8, 18, 7, 59)) == tokyo(2027, 8, 18, 8, 0)
    assert quiet.ends_after(tokyo(2027, 8, 18, 8, 0)) is None
    daytime = QuietHours.parse("12:00-13:00", "Asia/Tokyo")
    assert daytime.ends_after(tokyo(2027, 8, 18, 12, 30)) == tokyo(2027, 8, 18, 13, 0)
    assert QuietHours.parse("off", "Asia/Tokyo") is None
    with pytest.raises(ValueError):
        QuietHours.parse("nine to five", "Asia/Tokyo")
