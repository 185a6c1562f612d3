"""What a family's card is for: the parent tells the city once; the departments they agree to
see it, each recording what it did, and no other staff member ever does. Every opening is
audited; contact detail and free text are encrypted; the card is erased on the parent's word or
a set time after its last activity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, exists, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.allowance.estimate import Figures, Table, table_on
from service.allowance.tables import tables_for
from service.audit import record_audit
from service.cards.models import Card, CardConsent, CardEvent, CardMessage
from service.encryption import decrypt, encrypt
from service.models import Organisation, Role
from service.parent_links import with_epoch
from service.settings import Settings
from service.subscribers import local_date
from service.support.eligibility import Family
from service.support.guide import Answers, fitting
from service.support.models import Desk, Programme
from service.tokens import Purpose, make_token, short_code


class Staff(Protocol):
    id: int
    organisation_id: int
    department: str

    def at_least(self, role: str) -> bool: ...


@dataclass(frozen=True)
class Proposal:
    """A department that may help, and why: the programmes of its desks that fit the needs."""

    department: str
    reasons: tuple[str, ...]


def proposals(
    session: Session, organisation_id: int, answers: Answers, locale: str
) -> list[Proposal]:
    """Every department with a programme, those whose programmes fit the parent's answers
    first, each with the programmes that fit as its reasons (none proposed, none ticked)."""
    programmes = session.exec(
        select(Programme)
        .where(Programme.organisation_id == organisation_id, col(Programme.active))
        .order_by(col(Programme.position), col(Programme.id))
    ).all()
    desks = {
        desk.id: desk
        for desk in session.exec(select(Desk).where(Desk.organisation_id == organisation_id))
    }
    reasons: dict[str, list[str]] = {}
    for programme in fitting(list(programmes), answers) if answers.worries else []:
        desk = desks.get(programme.desk_id)
        if desk is not None:
            reasons.setdefault(desk.department, []).append(programme.text("name", locale))
    others = [
        desk.department
        for desk in desks.values()
        if desk.active and desk.department and desk.department not in reasons
    ]
    return [
        *(Proposal(department, tuple(why[:3])) for department, why in reasons.items()),
        *(Proposal(department, ()) for department in dict.fromkeys(others)),
    ]


@dataclass(frozen=True)
class Told:
    """What the parent chose to put on the card."""

    stage: str
    since: date | None
    children: tuple[str, ...]
    needs: tuple[str, ...]
    income_band: str
    support_agreed: str
    contact_way: str
    contact: str | None
    safe_times: tuple[str, ...]
    may_say_city: bool
    unsafe_at_home: bool
    note: str
    locale: str
    tell_me: bool = False  # tell the parent of support they may be able to use
    birth_months: tuple[str, ...] = ()  # "2019-04": for the life-event reminders
    allowance_since: date | None = None  # the month 児童扶養手当 began
    allowance_figures: Figures | None = None  # kept from the estimate, if the parent chose to


def _apply(settings: Settings, card: Card, told: Told) -> dict[str, object]:
    """Puts what was told on the card; returns what changed (names only for secrets)."""
    changed: dict[str, object] = {}
    plain = {
        "stage": told.stage,
        "since": told.since,
        "children": list(told.children),
        "needs": list(told.needs),
        "income_band": told.income_band,
        "support_agreed": told.support_agreed,
        "contact_way": told.contact_way,
        "safe_times": list(told.safe_times),
        "may_say_city": told.may_say_city,
        "unsafe_at_home": told.unsafe_at_home,
        "locale": told.locale,
        "tell_me": told.tell_me,
        "birth_months": list(told.birth_months),
        "allowance_since": told.allowance_since,
        "allowance_figures": told.allowance_figures.as_json() if told.allowance_figures else None,
    }
    for name, value in plain.items():
        if getattr(card, name) != value:
            changed[name] = value.isoformat() if isinstance(value, date) else value
            setattr(card, name, value)
    for name, value in (("contact", told.contact or ""), ("note", told.note)):
        if reveal(settings, getattr(card, name)) != value:
            changed[name] = "…"  # changed; what it says stays encrypted
            setattr(card, name, encrypt(settings, value) if value else None)
    return changed


class Answered(Protocol):
    """A card's answers: the card, or a row of just these columns."""

    @property
    def children(self) -> list[str] | None: ...
    @property
    def stage(self) -> str: ...
    @property
    def income_band(self) -> str: ...
    @property
    def support_agreed(self) -> str: ...
    @property
    def birth_months(self) -> list[str] | None: ...
    @property
    def allowance_figures(self) -> dict[str, int] | None: ...
    @property
    def needs(self) -> list[str] | None: ...


def family_of(card: Answered, on: date, limits: Table | None) -> Family:
    """What the card says of the family on a day, for a programme's conditions; the income
    figures it keeps, if any, judged by the allowance's limits in force."""
    figures = Figures.read(card.allowance_figures)
    return Family.told(
        children=card.children or (),
        stage=card.stage,
        income_band=card.income_band,
        support_agreed=card.support_agreed,
        birth_months=card.birth_months or (),
        on=on,
        needs=card.needs or (),
        allowance=(figures.level(limits), limits.effective) if figures and limits else None,
    )


def judged_on(session: Session, organisation: Organisation, now: datetime) -> tuple[date, Table]:
    """The city's day, and the allowance's table in force on it: what a card is judged by."""
    today = local_date(now, organisation.timezone)
    return today, table_on(tables_for(session, organisation.id or 0), today)


def card_token(settings: Settings, card: Card) -> str:
    """What the card's own link carries: the card, and its link's epoch (a fresh link ends the
    older ones)."""
    return make_token(
        settings.secret_key, Purpose.CARD, with_epoch(card.public_id, card.link_epoch)
    )


def reveal(settings: Settings, value: str | None) -> str:
    return decrypt(settings, value) if value else ""


def create_card(
    session: Session,
    settings: Settings,
    organisation_id: int,
    told: Told,
    departments: Iterable[str],
    *,
    now: datetime,
    source_id: int | None = None,
) -> Card:
    card = Card(
        public_id=short_code(10),
        organisation_id=organisation_id,
        source_id=source_id,
        contact_way=told.contact_way,
        updated_at=now,
        last_activity_at=now,
    )
    _apply(settings, card, told)
    session.add(card)
    session.flush()
    set_consent(session, settings, card, set(departments), now=now)
    return card


def update_card(
    session: Session, settings: Settings, card: Card, told: Told, *, now: datetime
) -> dict[str, object]:
    """The parent corrected or added something: the departments see what changed."""
    changed = _apply(settings, card, told)
    if changed:
        card.updated_at = card.last_activity_at = now
        session.add(card)
        _event(session, settings, card, "change", ", ".join(changed), now=now)
    return changed


def consented(session: Session, card_id: int) -> list[str]:
    """The departments that may see the card now."""
    return list(
        session.exec(
            select(CardConsent.department)
            .where(CardConsent.card_id == card_id, col(CardConsent.withdrawn_at).is_(None))
            .order_by(col(CardConsent.id))
        ).all()
    )


def set_consent(
    session: Session, settings: Settings, card: Card, departments: set[str], *, now: datetime
) -> tuple[list[str], list[str]]:
    """The parent's consent as it is now: departments added and withdrawn (at once)."""
    rows = {
        row.department: row
        for row in session.exec(select(CardConsent).where(CardConsent.card_id == card.id))
    }
    added, withdrawn = [], []
    for department in sorted(departments):
        row = rows.get(department)
        if row is None:
            session.add(CardConsent(card_id=card.id or 0, department=department, given_at=now))
        elif row.withdrawn_at is not None:
            row.given_at, row.withdrawn_at = now, None
            session.add(row)
        else:
            continue
        added.append(department)
    for department, row in rows.items():
        if department not in departments and row.withdrawn_at is None:
            row.withdrawn_at = now
            session.add(row)
            withdrawn.append(department)
    for kind, names in (("consent", added), ("withdraw", withdrawn)):
        if names:
            _event(session, settings, card, kind, "、".join(names), now=now)
    if added or withdrawn:
        card.last_activity_at = now
        session.add(card)
    return added, withdrawn


def _event(
    session: Session,
    settings: Settings,
    card: Card,
    kind: str,
    body: str,
    *,
    now: datetime,
    staff: Staff | None = None,
    shared: bool = False,
) -> CardEvent:
    event = CardEvent(
        card_id=card.id or 0,
        department=staff.department if staff else "",
        staff_user_id=staff.id if staff else None,
        kind=kind,
        body=encrypt(settings, body) if body else "",
        shared=shared,
        created_at=now,
    )
    session.add(event)
    return event


def visible_query(staff: Staff) -> SelectOfScalar[Card] | None:
    """The cards a staff member may open: their department's by the parent's consent; an
    admin's, every card of the city the parent shares with some department (one shared with
    none is seen by no one); a viewer's (or an editor without a department), none."""
    shared = [
        col(CardConsent.card_id) == col(Card.id),
        col(CardConsent.withdrawn_at).is_(None),
    ]
    if not staff.at_least(Role.ADMIN):
        if not staff.at_least(Role.EDITOR) or not staff.department:
            return None
        shared.append(col(CardConsent.department) == staff.department)
    return select(Card).where(
        Card.organisation_id == staff.organisation_id, exists().where(*shared)
    )


def visible_cards(session: Session, staff: Staff) -> list[Card]:
    query = visible_query(staff)
    if query is None:
        return []
    return list(session.exec(query.order_by(col(Card.last_activity_at).desc())).all())


def open_card(session: Session, staff: Staff, card_id: int) -> Card | None:
    """The card, if the staff member may see it — and the opening written in the audit log;
    else None, as if it did not exist."""
    query = visible_query(staff)
    card = session.exec(query.where(Card.id == card_id)).first() if query is not None else None
    if card is not None:
        record_audit(session, staff=staff, action="card.open", target=f"card:{card.id}")
    return card


@dataclass(frozen=True)
class Shown:
    event: CardEvent
    body: str


def history(session: Session, settings: Settings, card: Card, staff: Staff) -> list[Shown]:
    """What happened, as this staff member may read it: the parent's changes and consents, their
    department's own contacts and notes, and what other departments shared (an admin reads all)."""
    query = select(CardEvent).where(CardEvent.card_id == card.id)
    if not staff.at_least(Role.ADMIN):
        query = query.where(
            or_(
                col(CardEvent.department) == "",
                col(CardEvent.department) == staff.department,
                col(CardEvent.shared),
                col(CardEvent.kind) == "contact",  # who called and when: never three calls
            )
        )
    events = session.exec(query.order_by(col(CardEvent.created_at), col(CardEvent.id))).all()
    return [
        Shown(
            event,
            reveal(settings, event.body)
            if event.department in ("", staff.department)
            or event.shared
            or staff.at_least(Role.ADMIN)
            else "",
        )
        for event in events
    ]


def record(
    session: Session,
    settings: Settings,
    card: Card,
    staff: Staff,
    kind: str,
    body: str,
    *,
    shared: bool,
    now: datetime,
) -> None:
    """A department's contact with the family, or its note."""
    _event(session, settings, card, kind, body.strip(), now=now, staff=staff, shared=shared)
    card.last_activity_at = now
    session.add(card)


def leads(staff: Staff, lead_department: str) -> bool:
    """The lead department's staff (and admins) say which department calls first."""
    return staff.at_least(Role.ADMIN) or (
        staff.at_least(Role.EDITOR)
        and bool(lead_department)
        and staff.department == lead_department
    )


def assign_first_caller(
    session: Session,
    settings: Settings,
    card: Card,
    staff: Staff,
    department: str,
    *,
    now: datetime,
) -> None:
    card.first_caller = department
    session.add(card)
    _event(session, settings, card, "assign", department, now=now, staff=staff, shared=True)


def ask_handoff(
    session: Session,
    settings: Settings,
    card: Card,
    staff: Staff,
    department: str,
    *,
    now: datetime,
) -> bool:
    """A department asks the parent to share the card with another one too (only the parent
    can). The parent is asked by email or in LINE when that is how they chose to be reached and
    home is safe (True); otherwise the department asks them when it next speaks with them."""
    _event(session, settings, card, "handoff", department, now=now, staff=staff, shared=True)
    card.last_activity_at = now
    session.add(card)
    return tell_parent(
        session, card, "handoff", now=now, asked_by=staff.department, department=department
    )


def tell_parent(
    session: Session,
    card: Card,
    kind: str,
    *,
    now: datetime,
    asked_by: str = "",
    department: str = "",
    body: str = "",
) -> bool:
    """A message to the parent about their card (CardMessage's kinds), when they chose to be
    reached by email or LINE and home is safe; False when it cannot be sent."""
    if not reachable(card):
        return False
    session.add(
        CardMessage(
            card_id=card.id or 0,
            kind=kind,
            asked_by=asked_by,
            department=department,
            body=body,
            created_at=now,
            next_attempt_at=now,
        )
    )
    return True


def reachable(card: Card) -> bool:
    """The city may write to the parent: by email or LINE, as they chose, and home is safe."""
    return card.contact_way in ("email", "line") and not card.unsafe_at_home and bool(card.contact)


def write_to_parent(
    session: Session, settings: Settings, card: Card, staff: Staff, words: str, *, now: datetime
) -> bool:
    """A department's own words to the parent, in their chosen channel; kept on the card as that
    department's contact. False (nothing kept) when the parent cannot be written to."""
    if not reachable(card):
        return False
    record(session, settings, card, staff, "contact", words, shared=False, now=now)
    return tell_parent(
        session, card, "message", now=now, asked_by=staff.department, body=encrypt(settings, words)
    )


def renew_link(session: Session, card: Card, *, now: datetime) -> bool:
    """A fresh link to the card's page ends every older one (someone else may have it); the
    new one goes to the parent too, when they can be reached (True)."""
    card.link_epoch += 1
    card.last_activity_at = now
    session.add(card)
    return tell_parent(session, card, "link", now=now)


def asked_handoffs(session: Session, settings: Settings, card: Card) -> list[str]:
    """Departments the card's departments asked the parent to share it with, not yet shared."""
    bodies = session.exec(
        select(CardEvent.body).where(CardEvent.card_id == card.id, CardEvent.kind == "handoff")
    ).all()
    shared = set(consented(session, card.id or 0))
    asked = dict.fromkeys(reveal(settings, body) for body in bodies)
    return [department for department in asked if department and department not in shared]


def last_contacts(session: Session, cards: Sequence[Card]) -> dict[int, CardEvent]:
    """Each card's latest contact by any department (one query for a whole list)."""
    found: dict[int, CardEvent] = {}
    for event in session.exec(
        select(CardEvent)
        .where(
            col(CardEvent.card_id).in_([card.id for card in cards]),
            CardEvent.kind == "contact",
        )
        .order_by(col(CardEvent.created_at), col(CardEvent.id))
    ):
        found[event.card_id] = event  # the later one wins
    return found


def last_contact(session: Session, card: Card) -> CardEvent | None:
    return last_contacts(session, [card]).get(card.id or 0)


def erase_card(session: Session, card: Card) -> None:
    """The card and everything of it, gone (not marked)."""
    session.execute(delete(CardEvent).where(col(CardEvent.card_id) == card.id))
    session.execute(delete(CardMessage).where(col(CardMessage.card_id) == card.id))
    session.execute(delete(CardConsent).where(col(CardConsent.card_id) == card.id))
    session.delete(card)


def erase_idle_cards(session: Session, settings: Settings, *, now: datetime) -> int:
    """The daily upkeep: cards with no activity for Settings.card_retention_days go."""
    idle = session.exec(
        select(Card).where(
            col(Card.last_activity_at) < now - timedelta(days=settings.card_retention_days)
        )
    ).all()
    for card in idle:
        erase_card(session, card)
    return len(idle)


def departments_of(cards: Sequence[Card], session: Session) -> dict[int, list[str]]:
    """Each card's consented departments (for a list)."""
    found: dict[int, list[str]] = {}
    for card_id, department in session.exec(
        select(CardConsent.card_id, CardConsent.department).where(
            col(CardConsent.card_id).in_([card.id for card in cards]),
            col(CardConsent.withdrawn_at).is_(None),
        )
    ).all():
        found.setdefault(card_id, []).append(department)
    return found


@dataclass(frozen=True)
class CardNews:
    """A department's cards of the last day, counted: none of what they say."""

    shared: int  # newly shared with the department
    changed: int  # corrected by the parent

    def __bool__(self) -> bool:
        return bool(self.shared or self.changed)


def card_news(session: Session, organisation_id: int, department: str, since: datetime) -> CardNews:
    """For the desk's morning list: cards newly shared with the department since then, and
    cards it already saw that the parent changed."""
    if not department:
        return CardNews(0, 0)
    mine = select(CardConsent.card_id).where(
        CardConsent.department == department, col(CardConsent.withdrawn_at).is_(None)
    )
    shared = session.exec(
        select(func.count())
        .select_from(CardConsent)
        .join(Card, col(Card.id) == CardConsent.card_id)
        .where(
            Card.organisation_id == organisation_id,
            CardConsent.department == department,
            col(CardConsent.withdrawn_at).is_(None),
            col(CardConsent.given_at) > since,
        )
    ).one()
    changed = session.exec(
        select(func.count(func.distinct(CardEvent.card_id)))
        .join(Card, col(Card.id) == CardEvent.card_id)
        .where(
            Card.organisation_id == organisation_id,
            CardEvent.kind == "change",
            col(CardEvent.created_at) > since,
            col(CardEvent.card_id).in_(mine),
        )
    ).one()
    return CardNews(int(shared), int(changed))
