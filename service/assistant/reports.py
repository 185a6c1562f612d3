"""What the assistant's counts say: questions a month and how they ended, the helpful share, the
answers most asked for. Counts only (assistant_asked): nothing of what a parent wrote."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.assistant.models import Answer, Asked
from service.charts import stacked_columns
from service.csv_files import csv_text

# How a question ended, as the report names it; "helpful"/"unhelpful" count the はい/いいえ.
ENDINGS = {
    "answer": "回答した",
    "choices": "候補を出した",
    "none": "見つからない",
    "crisis": "相談先を案内",
}


@dataclass(frozen=True)
class Month:
    month: str  # 2027-08
    counts: dict[str, int]

    @property
    def questions(self) -> int:
        return sum(self.counts.get(kind, 0) for kind in ENDINGS)

    @property
    def answered_share(self) -> int | None:
        """Percent of the questions answered at once (a tapped もしかして counts as answered)."""
        return (
            round(100 * self.counts.get("answer", 0) / self.questions) if self.questions else None
        )

    @property
    def helpful_share(self) -> int | None:
        said = self.counts.get("helpful", 0) + self.counts.get("unhelpful", 0)
        return round(100 * self.counts.get("helpful", 0) / said) if said else None


@dataclass(frozen=True)
class AnswerFigures:
    answer: Answer
    times: int
    helpful: int
    unhelpful: int


def months(session: Session, organisation_id: int, today: date, count: int = 12) -> list[Month]:
    """The last `count` months, oldest first, each with its counts by kind."""
    names = [(today - relativedelta(months=n)).strftime("%Y-%m") for n in range(count - 1, -1, -1)]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for month, kind, times in session.execute(
        select(col(Asked.month), col(Asked.kind), func.sum(Asked.times))
        .where(Asked.organisation_id == organisation_id, col(Asked.month) >= names[0])
        .group_by(col(Asked.month), col(Asked.kind))
    ).all():
        counts[month][kind] = int(times)
    return [Month(name, counts.get(name, {})) for name in names]


def most_asked(
    session: Session, organisation_id: int, since_month: str, limit: int = 20
) -> list[AnswerFigures]:
    """The answers given most often since that month, with their はい and いいえ."""
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for answer_id, kind, times in session.execute(
        select(col(Asked.answer_id), col(Asked.kind), func.sum(Asked.times))
        .where(
            Asked.organisation_id == organisation_id,
            col(Asked.month) >= since_month,
            col(Asked.answer_id) != 0,
        )
        .group_by(col(Asked.answer_id), col(Asked.kind))
    ).all():
        totals[answer_id][kind] = int(times)
    ranked = sorted(totals, key=lambda i: -totals[i].get("answer", 0))[:limit]
    answers = {
        a.id: a
        for a in session.exec(
            select(Answer).where(
                Answer.organisation_id == organisation_id, col(Answer.id).in_(ranked)
            )
        )
    }
    return [
        AnswerFigures(
            answers[i],
            totals[i].get("answer", 0),
            totals[i].get("helpful", 0),
            totals[i].get("unhelpful", 0),
        )
        for i in ranked
        if i in answers and totals[i].get("answer", 0)
    ]


def months_csv(rows: list[Month]) -> str:
    return csv_text(
        ("月", "質問", *ENDINGS.values(), "回答した割合(%)", "はい", "いいえ", "「はい」の割合(%)"),
        (
            (
                row.month,
                row.questions,
                *(row.counts.get(kind, 0) for kind in ENDINGS),
                "" if row.answered_share is None else row.answered_share,
                row.counts.get("helpful", 0),
                row.counts.get("unhelpful", 0),
                "" if row.helpful_share is None else row.helpful_share,
            )
            for row in rows
        ),
    )


def months_chart(rows: list[Month]) -> Markup:
    return stacked_columns(
        "質問の数（月ごと、どう答えたか）",
        [(row.month[2:].replace("-", "/"), _named(row)) for row in rows],
        list(ENDINGS.values()),
    )


def _named(row: Month) -> dict[str, int]:
    return {name: row.counts.get(kind, 0) for kind, name in ENDINGS.items()}
