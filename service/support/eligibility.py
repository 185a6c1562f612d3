"""Whether a family may use a programme, from what they told Yorisou: the programme's conditions
are chosen from lists by staff (never written as rules), each a set of the answers it accepts;
the family's answers may be incomplete. An honest estimate, never a refusal: the guide still
shows every programme for the parent's needs, each with how likely it is and why, in a line.

- likely: every condition is met by what the family said;
- depends: none is failed, but the family did not say what one of them needs;
- unlikely: the family's answer is outside one of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l

from service.family import AGREED, INCOME_BANDS, STAGES
from service.support.guide import CHILDREN, WORRIES, school_year

COUNTS = {"1": _l("One child"), "2": _l("Two children"), "3+": _l("Three children or more")}
# Where the income counted for 児童扶養手当 stands against the limits of the table in force.
ALLOWANCE_LEVELS = {
    "full": _l("Income under the limit for the full child-rearing allowance"),
    "partial": _l("Income between the limits for the full and the partial allowance"),
    "none": _l("Income at or over the limit for the partial allowance"),
}
# A condition's kind: the answers it may accept, and what it is about.
KINDS: dict[str, tuple[Mapping[str, object], object]] = {
    "children": (CHILDREN, _l("the children's ages")),
    "count": (COUNTS, _l("the number of children")),
    "stage": (STAGES, _l("where the family is now")),
    "income": (INCOME_BANDS, _l("the household's income")),
    "support": (AGREED, _l("whether child support is agreed")),
    "allowance": (ALLOWANCE_LEVELS, _l("the income against the child-rearing allowance's limits")),
    "needs": (WORRIES, _l("what the family needs help with")),
}
# The age each school year ends with: a child is in it until the 31 March after that birthday.
AGE_LIMITS = {"preschool": 6, "elementary": 12, "junior-high": 15, "high-school": 18}
LIKELY, DEPENDS, UNLIKELY = "likely", "depends", "unlikely"


@dataclass(frozen=True)
class Family:
    """What a family said; None where they said nothing of it."""

    children: frozenset[str] | None = None
    stages: frozenset[str] | None = None  # more than one when "after the divorce or separation"
    income: str | None = None
    support: str | None = None
    count: str | None = None  # 1 | 2 | 3+, when the birth months were given
    allowance: str | None = None  # full | partial | none, when the card keeps the figures
    limits_from: date | None = None  # the day the limits `allowance` was judged by took effect
    needs: frozenset[str] | None = None  # what they need help with (the guide's worries)

    @classmethod
    def from_guide(cls, stage: str, children: Iterable[str], worries: Iterable[str] = ()) -> Family:
        """The guide asks before/after, not separated or divorced, and nothing of money."""
        stages = {"before": {"before"}, "after": {"separated", "divorced"}}.get(stage)
        return cls(
            frozenset(children) or None,
            frozenset(stages) if stages else None,
            needs=frozenset(worries) or None,
        )

    @classmethod
    def told(
        cls,
        *,
        children: Iterable[str],
        stage: str,
        income_band: str,
        support_agreed: str,
        birth_months: Iterable[str],
        on: date,
        needs: Iterable[str] = (),
        allowance: tuple[str, date] | None = None,
    ) -> Family:
        """A family card's answers ("" or empty where the parent said nothing) on a day. The
        children's ages come from their birth months when the parent gave them (so a child's
        new school year counts from its April), else from the ages the parent ticked."""
        months = list(birth_months)
        ages: frozenset[str] | None = frozenset(children) or None
        if months:
            years = (school_year(date.fromisoformat(f"{m}-01"), on) for m in months)
            ages = frozenset(year for year in years if year)
        level, limits_from = allowance or (None, None)
        return cls(
            ages,
            frozenset({stage}) if stage else None,
            income_band or None,
            support_agreed or None,
            cls.count_of(months),
            level,
            limits_from,
            frozenset(needs) or None,
        )

    @staticmethod
    def count_of(birth_months: list[str]) -> str | None:
        """How many children, from their birth months (None when not given)."""
        n = len(birth_months)
        return None if n == 0 else "3+" if n >= 3 else str(n)

    def answers(self, kind: str) -> frozenset[str] | None:
        if kind == "children":
            return self.children
        if kind == "stage":
            return self.stages
        if kind == "needs":
            return self.needs
        value = {
            "income": self.income,
            "support": self.support,
            "count": self.count,
            "allowance": self.allowance,
        }[kind]
        return frozenset({value}) if value else None


@dataclass(frozen=True)
class Fit:
    likelihood: str  # likely | depends | unlikely
    reason: str


def clean(conditions: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Only known kinds and answers, in their lists' order; an empty condition is none."""
    kept = {}
    for kind, (names, _about) in KINDS.items():
        chosen = set(conditions.get(kind) or ())
        if values := [code for code in names if code in chosen]:
            kept[kind] = values
    return kept


def likelihood(conditions: Mapping[str, list[str]], family: Family) -> tuple[str, str] | None:
    """likely | depends | unlikely, and the kind that decided it ("" when likely); None for a
    programme with no conditions. No words: fast enough for every card against every
    programme (BENCHMARKS.md)."""
    if not conditions:
        return None
    unknown = ""
    for kind in KINDS:
        accepted = conditions.get(kind)
        if not accepted:
            continue
        said = family.answers(kind)
        if said is None:
            unknown = unknown or kind
        elif said.isdisjoint(accepted):
            return UNLIKELY, kind
        elif kind == "stage" and not said <= set(accepted):
            unknown = unknown or kind  # "after": separated or divorced, and only one is
    return (DEPENDS, unknown) if unknown else (LIKELY, "")


def fit(conditions: Mapping[str, list[str]], family: Family) -> Fit | None:
    """How likely the family may use a programme with these conditions, and why in a line."""
    found = likelihood(conditions, family)
    if found is None:
        return None
    verdict, kind = found
    if verdict == UNLIKELY:
        return Fit(UNLIKELY, in_words(kind, conditions[kind]))
    if verdict == DEPENDS:
        unknown = [
            str(about)
            for name, (_names, about) in KINDS.items()
            if conditions.get(name) and _unknown(name, conditions[name], family)
        ]
        joined = gettext(", ").join(unknown)
        return Fit(DEPENDS, gettext("It depends on %(what)s.", what=joined))
    if conditions.get("allowance") and family.limits_from:
        return Fit(
            LIKELY,
            gettext(
                "What you told us meets its conditions, by the allowance's limits in force"
                " from %(date)s.",
                date=format_date(family.limits_from, "long"),
            ),
        )
    return Fit(LIKELY, gettext("What you told us meets its conditions."))


def in_words(kind: str, accepted: list[str]) -> str:
    """Whom a condition is for, in a sentence: the children's ages as an age limit when they
    run from the youngest (「18歳になった年度の3月31日まで」), else the answers it accepts."""
    if kind == "children" and accepted == list(CHILDREN)[: len(accepted)]:
        return gettext(
            "It is for families with a child until the 31 March after the child turns %(age)s.",
            age=AGE_LIMITS[accepted[-1]],
        )
    names = KINDS[kind][0]
    listed = gettext(", ").join(str(names[code]) for code in accepted)
    return gettext("It is for: %(answers)s.", answers=listed)


def _unknown(kind: str, accepted: list[str], family: Family) -> bool:
    said = family.answers(kind)
    return said is None or (kind == "stage" and not said <= set(accepted))


def reason_key(conditions: Mapping[str, list[str]], family: Family) -> str:
    """What made a family fit: the answers that met each condition. A message that says "you
    may be able to use this" goes once per key: again only when the reason changes."""
    parts = []
    for kind in KINDS:
        if accepted := conditions.get(kind):
            said = family.answers(kind) or frozenset()
            parts.append(f"{kind}={','.join(sorted(said & set(accepted)))}")
    return ";".join(parts)[:200]


# Five families to try a programme's conditions on, as the console shows them.
SAMPLES: dict[str, Family] = {
    "離婚を考えている・未就学児1人・年収200万円未満（手当は全部支給の所得）・取り決めなし": (
        Family(frozenset({"preschool"}), frozenset({"before"}), "under-2m", "no", "1", "full")
    ),
    "離婚した・小学生と中学生の2人・年収200〜400万円（手当は一部支給の所得）・取り決めあり": (
        Family(
            frozenset({"elementary", "junior-high"}),
            frozenset({"divorced"}),
            "2m-4m",
            "yes",
            "2",
            "partial",
        )
    ),
    "別居している・高校生年代1人・年収400万円以上（手当の限度額以上）・取り決めなし": Family(
        frozenset({"high-school"}), frozenset({"separated"}), "over-4m", "no", "1", "none"
    ),
    "離婚した・未就学児と小学生の3人・年収200万円未満（手当は全部支給の所得）・取り決めなし": (
        Family(
            frozenset({"preschool", "elementary"}),
            frozenset({"divorced"}),
            "under-2m",
            "no",
            "3+",
            "full",
        )
    ),
    "ガイドで何も答えていない家庭": Family(),
}
