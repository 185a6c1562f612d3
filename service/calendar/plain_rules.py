"""Repeats in the words staff think in — every year on 8月1日, every month on the second
Wednesday, every week on weekdays — written as the RRULE the calendar keeps, and any RRULE of
those shapes read back into words: 「毎年8月1日 9:00」.

Rules of other shapes stay possible (entered under 詳細) and are shown as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = dict(zip(WEEKDAYS, "月火水木金土日", strict=True))
NTH_NAMES = {1: "第1", 2: "第2", 3: "第3", 4: "第4", -1: "最終"}
KINDS = {
    "yearly_date": "毎年（月日を指定）",
    "yearly_nth": "毎年（第○週の曜日を指定）",
    "monthly_day": "毎月（日を指定）",
    "months_day": "決まった月（奇数月・偶数月など）の日を指定",
    "monthly_nth": "毎月（第○週の曜日を指定）",
    "weekly": "毎週（曜日を指定）",
    "custom": "詳細（RRULEを直接入力）",
}
ODD_MONTHS = (1, 3, 5, 7, 9, 11)
EVEN_MONTHS = (2, 4, 6, 8, 10, 12)
SHIFT_WORDS = {
    "previous": "（土日祝・閉庁日は前の開庁日）",
    "next": "（土日祝・閉庁日は次の開庁日）",
}


@dataclass(frozen=True)
class PlainRule:
    kind: str  # one of KINDS but "custom"
    month: int | None = None  # yearly
    day: int | None = None  # yearly_date, monthly_day
    nth: int | None = None  # *_nth: 1–4, or -1 for the last
    weekdays: tuple[str, ...] = field(default=())  # *_nth: one; weekly: one or more
    months: tuple[int, ...] = field(default=())  # months_day: the months, in order

    def to_rrule(self) -> str:
        if self.kind == "yearly_date":
            return f"FREQ=YEARLY;BYMONTH={self.month};BYMONTHDAY={self.day}"
        if self.kind == "yearly_nth":
            return f"FREQ=YEARLY;BYMONTH={self.month};BYDAY={self.nth}{self.weekdays[0]}"
        if self.kind == "monthly_day":
            return f"FREQ=MONTHLY;BYMONTHDAY={self.day}"
        if self.kind == "months_day":
            months = ",".join(str(month) for month in self.months)
            return f"FREQ=YEARLY;BYMONTH={months};BYMONTHDAY={self.day}"
        if self.kind == "monthly_nth":
            return f"FREQ=MONTHLY;BYDAY={self.nth}{self.weekdays[0]}"
        return f"FREQ=WEEKLY;BYDAY={','.join(self.weekdays)}"

    def words(self) -> str:
        weekday = "・".join(WEEKDAY_NAMES[day] for day in self.weekdays)
        if self.kind == "yearly_date":
            return f"毎年{self.month}月{self.day}日"
        if self.kind == "yearly_nth":
            return f"毎年{self.month}月の{NTH_NAMES[self.nth or 1]}{weekday}曜日"
        if self.kind == "monthly_day":
            return "毎月末日" if self.day == -1 else f"毎月{self.day}日"
        if self.kind == "months_day":
            day = "末日" if self.day == -1 else f"{self.day}日"
            months = "・".join(str(month) for month in self.months)
            names: dict[tuple[int, ...], str] = {ODD_MONTHS: "奇数月", EVEN_MONTHS: "偶数月"}
            name = names.get(self.months)
            return f"{name}（{months}月）の{day}" if name else f"毎年{months}月の{day}"
        if self.kind == "monthly_nth":
            return f"毎月{NTH_NAMES[self.nth or 1]}{weekday}曜日"
        if self.weekdays == WEEKDAYS[:5]:
            return "毎週平日（月〜金）"
        return f"毎週{weekday}曜日"


def read_rrule(text: str | None) -> tuple[PlainRule | None, time | None]:
    """The rule in plain words if it has one of the shapes above (and its BYHOUR/BYMINUTE
    time, if it says one); (None, None) for any other rule."""
    parts: dict[str, str] = {}
    for part in (text or "").upper().removeprefix("RRULE:").split(";"):
        name, _, value = part.strip().partition("=")
        if not name or not value or name in parts:
            return None, None
        parts[name] = value
    at = None
    if "BYHOUR" in parts or "BYMINUTE" in parts:
        hour, minute = parts.pop("BYHOUR", "0"), parts.pop("BYMINUTE", "0")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            return None, None
        at = time(int(hour), int(minute))
    if parts.pop("INTERVAL", "1") != "1":
        return None, None
    frequency = parts.pop("FREQ", "")
    rule = _shape(frequency, parts)
    return (rule, at) if rule is not None else (None, None)


def _number(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.lstrip("-").isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _nth_weekday(value: str | None) -> tuple[int, str] | None:
    if not value or len(value) < 3 or value[-2:] not in WEEKDAYS:
        return None
    nth = _number(value[:-2], -1, 4)
    return (nth, value[-2:]) if nth not in (None, 0) else None  # type: ignore[return-value]


def _shape(frequency: str, parts: dict[str, str]) -> PlainRule | None:
    keys = set(parts)
    if frequency == "YEARLY" and keys == {"BYMONTH", "BYMONTHDAY"} and "," in parts["BYMONTH"]:
        months = [_number(month, 1, 12) for month in parts["BYMONTH"].split(",")]
        day = _number(parts["BYMONTHDAY"], -1, 31)
        if day and all(months) and len(set(months)) == len(months):
            return PlainRule("months_day", day=day, months=tuple(sorted(months)))  # type: ignore[arg-type]
        return None
    if frequency == "YEARLY" and keys == {"BYMONTH", "BYMONTHDAY"}:
        month, day = _number(parts["BYMONTH"], 1, 12), _number(parts["BYMONTHDAY"], 1, 31)
        return PlainRule("yearly_date", month=month, day=day) if month and day else None
    if frequency == "YEARLY" and keys == {"BYMONTH", "BYDAY"}:
        month, nth = _number(parts["BYMONTH"], 1, 12), _nth_weekday(parts["BYDAY"])
        if month and nth:
            return PlainRule("yearly_nth", month=month, nth=nth[0], weekdays=(nth[1],))
        return None
    if frequency == "MONTHLY" and keys == {"BYMONTHDAY"}:
        day = _number(parts["BYMONTHDAY"], -1, 31)
        return PlainRule("monthly_day", day=day) if day else None
    if frequency == "MONTHLY" and keys == {"BYDAY"}:
        nth = _nth_weekday(parts["BYDAY"])
        return PlainRule("monthly_nth", nth=nth[0], weekdays=(nth[1],)) if nth else None
    if frequency == "WEEKLY" and keys == {"BYDAY"}:
        days = tuple(parts["BYDAY"].split(","))
        if days and all(day in WEEKDAYS for day in days) and len(set(days)) == len(days):
            return PlainRule("weekly", weekdays=tuple(sorted(days, key=WEEKDAYS.index)))
    return None


def describe_repeat(text: str | None, start: time, holiday_shift: str) -> str:
    """「毎年8月1日 9:00（土日祝・閉庁日は前の開庁日）」, or the rule as it is written."""
    rule, at = read_rrule(text)
    shift = SHIFT_WORDS.get(holiday_shift, "")
    if rule is None:
        return f"繰り返し（{text}）{shift}"
    at = at or start
    return f"{rule.words()} {at.hour}:{at.minute:02d}{shift}"


def moment_words(moment: datetime) -> str:
    """「2027年7月30日（金）9:00」, in the moment's own time zone."""
    weekday = "月火水木金土日"[moment.weekday()]
    day = f"{moment.year}年{moment.month}月{moment.day}日（{weekday}）"
    return f"{day}{moment.hour}:{moment.minute:02d}"
