"""The allowance estimate: from what a parent says of their household, whether 児童扶養手当 would
be paid in full, in part or not at all, and how much a month; and 児童手当, which has no income
limit since October 2024. Every figure comes from a dated table (service.allowance.tables); an
exact partial amount only where the table holds the national coefficient, else the range.

The rules, as the national pages state them:
- 児童扶養手当: for each child until the 31 March after their 18th birthday. The income counted
  is 所得 (salary income after 給与所得控除, by 所得税法 別表第五 where it applies; from salary,
  less a further 100,000 yen, since the 2020 tax reform cut 給与所得控除 by as much) plus 80 % of
  the child support received, less a flat 80,000 yen; it is compared with the limits for the
  number of dependents. From November of a year the income of the year before counts.
- 児童手当: for each child until the 31 March after their 18th birthday; 15,000 yen up to the
  month of the 3rd birthday, 10,000 yen after, 30,000 yen for a third child or later, counting the
  children up to the 31 March after their 22nd birthday.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

FUYOU_MONTHS = (1, 3, 5, 7, 9, 11)  # each payment is for the two months before it
JIDOU_MONTHS = (2, 4, 6, 8, 10, 12)


@dataclass(frozen=True)
class Table:
    """The figures in force from `effective` (monthly amounts and yearly 所得 limits, in yen)."""

    effective: date
    source: str
    fuyou_full_first: int
    fuyou_partial_first_max: int
    fuyou_partial_first_min: int
    fuyou_full_further: int
    fuyou_partial_further_max: int
    fuyou_partial_further_min: int
    fuyou_limit_full: int  # with no dependents
    fuyou_limit_partial: int
    fuyou_limit_step: int  # added for each dependent
    support_counted_percent: int
    flat_deduction: int
    salary_deduction: int  # taken from 給与所得 (or 公的年金等の所得) before the limits
    jidou_under_three: int
    jidou_older: int
    jidou_third: int
    partial_coefficient_first: float | None = None
    partial_coefficient_further: float | None = None
    city_id: int | None = None  # added by a city's admin; None: shipped with Yorisou


@dataclass(frozen=True)
class Household:
    """What the parent told the estimator; nothing of it is stored."""

    children: tuple[date, ...]  # birth months (the 1st), twins twice
    income: int  # a year, in yen
    income_kind: str  # salary (給与収入) | salary-income (給与所得) | other (事業所得 and the like)
    support: int  # child support (養育費) received a year
    dependents: int  # 扶養親族等の数 on the tax return


@dataclass(frozen=True)
class Counted:
    """How the income compared with the limits was reached."""

    income: int  # 所得 (from salary income, or as given)
    salary_deduction: int  # taken from it because it is salary
    support: int  # the part of child support counted
    flat: int
    total: int
    income_year: int


@dataclass(frozen=True)
class Estimate:
    """One allowance: `result` full | partial | none; the monthly amount (low == high when
    exact); why, in `reason` and the figures that go with it."""

    allowance: str  # fuyou | jidou
    result: str
    low: int
    high: int
    months: tuple[int, ...]
    children: int
    reason: str  # no-child | under-full | under-partial | over-partial | paid
    limit_full: int = 0
    limit_partial: int = 0
    counted: Counted | None = None

    @property
    def exact(self) -> bool:
        return self.low == self.high


def table_on(tables: list[Table], on: date) -> Table:
    """The table in force on a day: the latest that has taken effect (a city's own first when
    two take effect the same day)."""
    taken = [t for t in tables if t.effective <= on]
    if not taken:
        raise LookupError(f"no allowance table in force on {on.isoformat()}")
    return max(taken, key=lambda t: (t.effective, t.city_id is not None))


def salary_income(revenue: int, floor: int) -> int:
    """給与所得 from 給与収入: 所得税法第28条, with 別表第五's 4,000-yen steps where it applies
    (revenue from 1,625,000 yen to under 6,600,000 yen) and the year's least deduction."""
    if revenue < 6_600_000:
        quarter = revenue // 4000 * 1000  # 別表第五: a quarter of the revenue, to the 1,000 yen
        if revenue <= 1_625_000:
            income = revenue - 550_000
        elif revenue <= 1_800_000:
            income = quarter * 4 * 60 // 100 + 100_000
        elif revenue <= 3_600_000:
            income = quarter * 4 * 70 // 100 - 80_000
        else:
            income = quarter * 4 * 80 // 100 - 440_000
    elif revenue <= 8_500_000:
        income = revenue * 90 // 100 - 1_100_000
    else:
        income = revenue - 1_950_000
    return max(0, min(income, revenue - floor))


def income_year(on: date) -> int:
    """The year whose income decides the allowance for the month `on` (November to October)."""
    return on.year - 1 if on.month >= 11 else on.year - 2


def counted_income(household: Household, table: Table, on: date, floors: dict[int, int]) -> Counted:
    year = income_year(on)
    floor = floors[max(y for y in floors if y <= year)]
    kind = household.income_kind
    income = salary_income(household.income, floor) if kind == "salary" else household.income
    return count(income, kind != "other", household.support, table, year)


def count(income: int, salaried: bool, support: int, table: Table, year: int) -> Counted:
    """The income compared with the limits: 所得, less the salary deduction if it is salary,
    plus the counted part of the child support received a year, less the flat deduction."""
    deduction = min(income, table.salary_deduction) if salaried else 0
    counted_support = support * table.support_counted_percent // 100
    return Counted(
        income=income,
        salary_deduction=deduction,
        support=counted_support,
        flat=table.flat_deduction,
        total=max(0, income - deduction + counted_support - table.flat_deduction),
        income_year=year,
    )


def fuyou_limits(table: Table, dependents: int) -> tuple[int, int]:
    """The full and the partial payment's 所得 limits for a number of dependents."""
    step = table.fuyou_limit_step * dependents
    return table.fuyou_limit_full + step, table.fuyou_limit_partial + step


def fuyou_level(total: int, limits: tuple[int, int]) -> str:
    """full | partial | none: where the income counted stands against the limits."""
    full, partial = limits
    return "full" if total < full else "partial" if total < partial else "none"


@dataclass(frozen=True)
class Figures:
    """What a parent may keep on their card from the estimate, so that each new year's table
    can be applied to it: 所得 (salary already less 給与所得控除) and child support received, a
    year, the dependents, and the year the income is for."""

    income: int
    support: int
    dependents: int
    income_year: int
    salaried: int = 1  # 1 when the income is salary (the salary deduction applies), else 0

    @classmethod
    def of(cls, household: Household, counted: Counted) -> Figures:
        salaried = int(household.income_kind != "other")
        return cls(
            counted.income, household.support, household.dependents, counted.income_year, salaried
        )

    @classmethod
    def read(cls, data: dict[str, int] | None) -> Figures | None:
        return cls(**data) if data else None

    def as_json(self) -> dict[str, int]:
        return asdict(self)

    def level(self, table: Table) -> str:
        """full | partial | none under the table's limits, by the income alone."""
        counted = count(self.income, bool(self.salaried), self.support, table, self.income_year)
        return fuyou_level(counted.total, fuyou_limits(table, self.dependents))


def _until_march_after(birth: date, years: int) -> date:
    """The 31 March after the birthday of `years`."""
    return date(birth.year + years + (1 if birth.month >= 4 else 0), 3, 31)


def _round10(amount: float) -> int:
    return int(amount / 10 + 0.5) * 10


def fuyou(household: Household, table: Table, on: date, floors: dict[int, int]) -> Estimate:
    """児童扶養手当 for the month `on`."""
    children = sum(1 for b in household.children if b <= on <= _until_march_after(b, 18))
    counted = counted_income(household, table, on, floors)
    full, partial = fuyou_limits(table, household.dependents)

    def said(result: str, low: int, high: int, reason: str) -> Estimate:
        return Estimate(
            "fuyou", result, low, high, FUYOU_MONTHS, children, reason, full, partial, counted
        )

    further = children - 1
    if children == 0:
        return said("none", 0, 0, "no-child")
    level = fuyou_level(counted.total, (full, partial))
    if level == "full":
        amount = table.fuyou_full_first + table.fuyou_full_further * further
        return said("full", amount, amount, "under-full")
    if level == "none":
        return said("none", 0, 0, "over-partial")
    first, other = table.partial_coefficient_first, table.partial_coefficient_further
    if first is not None and other is not None:
        over = counted.total - full
        amount = _partial(
            table.fuyou_partial_first_max, table.fuyou_partial_first_min, over, first
        ) + further * _partial(
            table.fuyou_partial_further_max, table.fuyou_partial_further_min, over, other
        )
        return said("partial", amount, amount, "under-partial")
    low = table.fuyou_partial_first_min + table.fuyou_partial_further_min * further
    high = table.fuyou_partial_first_max + table.fuyou_partial_further_max * further
    return said("partial", low, high, "under-partial")


def _partial(highest: int, lowest: int, over: int, coefficient: float) -> int:
    """The national formula for one child: the highest partial amount less the income over the
    full limit times the coefficient, to 10 yen, within the partial range."""
    return min(highest, max(lowest, _round10(highest - over * coefficient)))


def jidou(household: Household, table: Table, on: date) -> Estimate:
    """児童手当 for the month `on`: no income limit."""
    counted = sorted(b for b in household.children if b <= on <= _until_march_after(b, 22))
    amount, paid = 0, 0
    for rank, birth in enumerate(counted, start=1):
        if on > _until_march_after(birth, 18):
            continue  # counted for the third child's rank, not paid for
        paid += 1
        if rank >= 3:
            amount += table.jidou_third
        elif on <= date(birth.year + 3, birth.month, 1):
            amount += table.jidou_under_three
        else:
            amount += table.jidou_older
    result, reason = ("full", "paid") if paid else ("none", "no-child")
    return Estimate("jidou", result, amount, amount, JIDOU_MONTHS, paid, reason)
