"""The support guide's questions, and which programmes fit a parent's answers.

Every question may be skipped. The answers live only in the page the parent is looking at (a
POST, never a URL) and are stored nowhere unless the parent sends a request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from service.support.models import Programme

STAGES = {
    "before": _l("Before a divorce or separation"),
    "after": _l("After a divorce or separation"),
}
CHILDREN = {
    "preschool": _l("Not at school yet"),
    "elementary": _l("Elementary school"),
    "junior-high": _l("Junior high school"),
    "high-school": _l("High-school age"),
}
WORRIES = {
    "money": _l("Money and living costs"),
    "housing": _l("Housing"),
    "work": _l("Work or training"),
    "childcare": _l("Childcare and nursery"),
    "child-support": _l("Child support (養育費) and the agreement"),
    "legal": _l("Legal questions"),
    "health": _l("Health and medical costs"),
    "safety": _l("Safety at home"),
}
# What a programme may say it fits, in the catalogue's "answers".
ANSWERS = [*WORRIES, *(f"stage:{s}" for s in STAGES), *(f"child:{c}" for c in CHILDREN)]


@dataclass(frozen=True)
class Answers:
    stage: str = ""
    children: frozenset[str] = frozenset()
    worries: frozenset[str] = frozenset()

    @classmethod
    def read(cls, stage: str | None, children: Iterable[str], worries: Iterable[str]) -> Answers:
        """What the form sent, with anything that is not one of the choices left out."""
        return cls(
            stage if stage in STAGES else "",
            frozenset(c for c in children if c in CHILDREN),
            frozenset(w for w in worries if w in WORRIES),
        )

    @property
    def unsafe_at_home(self) -> bool:
        return "safety" in self.worries


def primary_entry_year(birth: date) -> int:
    """The April a child starts primary school: the one after their 6th birthday, those born
    in January to March a year earlier (the school year runs from April)."""
    return birth.year + 6 + (1 if birth.month >= 4 else 0)


def school_year(birth: date, today: date) -> str | None:
    """The guide's age group of a child born in that month: not at school yet, elementary,
    junior high or high-school age; None after that."""
    entry = primary_entry_year(birth)
    grade = (today.year if today.month >= 4 else today.year - 1) - entry
    if grade < 0:
        return "preschool"
    return (
        "elementary"
        if grade < 6
        else "junior-high"
        if grade < 9
        else ("high-school" if grade < 12 else None)
    )


def fitting(programmes: Sequence[Programme], answers: Answers) -> list[Programme]:
    """The programmes that fit, those that answer more of the parent's worries first.

    A programme for children of certain ages is left out only when the parent said their
    children's ages and none fits; one for a worry the parent did not name is left out only
    when they named some. The stage does not leave anything out (a parent before the divorce
    wants to know what will help after it): it puts that stage's programmes first."""
    scored = []
    for programme in programmes:
        fits = set(programme.answers)
        for_ages = {a.removeprefix("child:") for a in fits if a.startswith("child:")}
        if answers.children and for_ages and not for_ages & answers.children:
            continue
        worries = fits & answers.worries
        if answers.worries and not worries:
            continue
        stage = answers.stage and f"stage:{answers.stage}" in fits
        scored.append((-2 * len(worries) - bool(stage), programme.position, programme))
    scored.sort(key=lambda entry: entry[:2])
    return [programme for *_, programme in scored]
