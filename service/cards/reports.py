"""What the cards say in numbers, for the section and its managers: cards by need and by
counter, how long each department took to first contact a family after the parent shared the
card with it (median, 90th percentile, share within the target), and the days a family was
called by more than one department (there should be none). Counts only."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.calendar import closed_days
from service.calendar.business_days import business_days_after
from service.cards.models import Card, CardConsent, CardEvent
from service.models import Organisation, Source
from service.support.guide import WORRIES
from service.support.models import Desk

WEB = "ウェブ（ガイドから）"


@dataclass(frozen=True)
class DepartmentFigures:
    department: str
    shared: int  # cards shared with it in the period
    contacted: int  # of those, contacted since
    median_hours: float | None
    p90_hours: float | None
    in_time: int  # contacted within the target (business days)

    @property
    def share_in_time(self) -> int | None:
        return round(100 * self.in_time / self.shared) if self.shared else None


@dataclass(frozen=True)
class CardFigures:
    cards: int
    by_need: list[tuple[str, int]]
    by_counter: list[tuple[str, int]]
    departments: list[DepartmentFigures]
    target_days: int
    called_twice: int  # (card, day) with contacts from more than one department


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def card_figures(
    session: Session, organisation: Organisation, since: datetime, now: datetime
) -> CardFigures:
    tz = ZoneInfo(organisation.timezone)
    cards = session.exec(
        select(Card).where(Card.organisation_id == organisation.id, col(Card.created_at) >= since)
    ).all()
    needs: Counter[str] = Counter(need for card in cards for need in card.needs)
    counters = dict(
        session.exec(
            select(Source.id, Source.name).where(Source.organisation_id == organisation.id)
        ).all()
    )
    by_counter = Counter(counters.get(card.source_id, WEB) for card in cards)
    target = min(
        session.exec(
            select(Desk.response_days).where(
                Desk.organisation_id == organisation.id,
                Desk.department == organisation.card_lead_department,
            )
        ).all(),
        default=3,
    )
    closed = closed_days(organisation)
    contacts: dict[int, list[CardEvent]] = defaultdict(list)
    for event in session.exec(
        select(CardEvent)
        .join(Card, col(Card.id) == CardEvent.card_id)
        .where(
            Card.organisation_id == organisation.id,
            CardEvent.kind == "contact",
            col(CardEvent.created_at) >= since,  # every contact the period's consents can have
        )
        .order_by(col(CardEvent.created_at))
    ):
        contacts[event.card_id].append(event)
    waits: dict[str, list[float]] = defaultdict(list)
    shared: Counter[str] = Counter()
    in_time: Counter[str] = Counter()
    for consent in session.exec(
        select(CardConsent)
        .join(Card, col(Card.id) == CardConsent.card_id)
        .where(Card.organisation_id == organisation.id, col(CardConsent.given_at) >= since)
    ):
        shared[consent.department] += 1
        first = next(
            (
                event
                for event in contacts[consent.card_id]
                if event.department == consent.department and event.created_at >= consent.given_at
            ),
            None,
        )
        if first is None:
            continue
        waits[consent.department].append((first.created_at - consent.given_at) / timedelta(hours=1))
        due = business_days_after(consent.given_at.astimezone(tz).date(), target, closed)
        in_time[consent.department] += first.created_at.astimezone(tz).date() <= due
    called_twice = 0
    for events in contacts.values():
        days: dict[object, set[str]] = defaultdict(set)
        for event in events:
            days[event.created_at.astimezone(tz).date()].add(event.department)
        called_twice += sum(len(departments) > 1 for departments in days.values())
    return CardFigures(
        cards=len(cards),
        by_need=[
            (str(WORRIES.get(need, need)), count)
            for need, count in sorted(needs.items(), key=lambda item: (-item[1], item[0]))
        ],
        by_counter=sorted(by_counter.items(), key=lambda item: (-item[1], item[0])),
        departments=[
            DepartmentFigures(
                department,
                count,
                len(waits[department]),
                round(statistics.median(waits[department]), 1) if waits[department] else None,
                _percentile(waits[department], 0.9),
                in_time[department],
            )
            for department, count in sorted(shared.items(), key=lambda item: (-item[1], item[0]))
        ],
        target_days=target,
        called_twice=called_twice,
    )
