"""The assistant's tables: the answers staff keep, their synonyms, what parents asked that found
no good answer (masked), and how answers were received (service.tables gathers every table)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models import InLanguages, created, fk
from service.types import UTCDateTime


class Answer(InLanguages, SQLModel, table=True):
    """One question parents ask and the staff's answer to it (Markdown, shown as written: it is
    content, never a template). `facts` refer to what Yorisou knows today (the next date of a
    notice, an event's next free day, a desk's hours), shown after the text."""

    __tablename__ = "assistant_answer"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    code: str = Field(max_length=64)  # the shared four-column format's ID
    department: str = Field(default="", max_length=100)  # whose editors keep it
    category: str = Field(default="", max_length=100)
    question_ja: str = Field(max_length=300)
    question_en: str = Field(default="", max_length=300)
    question_easy: str = Field(default="", max_length=300)
    phrasings: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # other ways
    answer_ja: str = Field(max_length=4000)
    answer_en: str = Field(default="", max_length=4000)
    answer_easy: str = Field(default="", max_length=4000)
    programme_id: int | None = fk("programme.id", ondelete="SET NULL", nullable=True)
    desk_id: int | None = fk("desk.id", ondelete="SET NULL", nullable=True)
    # [{"kind": "notice" | "event" | "desk", "id": 12}]
    facts: list[dict[str, int | str]] = Field(default_factory=list, sa_column=Column(JSON))
    valid_from: date | None = None
    valid_until: date | None = None
    active: bool = True
    updated_at: datetime = created()


def with_desk(facts: list[dict[str, int | str]], desk_id: int | None) -> list[dict[str, int | str]]:
    """An answer's facts with its desk's phone and hours following the desk it belongs to."""
    kept = [fact for fact in facts if fact.get("kind") != "desk"]
    return [*kept, {"kind": "desk", "id": desk_id}] if desk_id else kept


class Synonym(SQLModel, table=True):
    """言い換え: a word parents use (児扶) and the word the answers use (児童扶養手当)."""

    __tablename__ = "assistant_synonym"
    __table_args__ = (UniqueConstraint("organisation_id", "word"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    word: str = Field(max_length=50)
    means: str = Field(max_length=50)
    updated_at: datetime = created()


class CrisisWord(SQLModel, table=True):
    """A word a city adds to the built-in list of words that say a parent or child is in danger
    (service.assistant.crisis): a message holding one gets the city's safe answer, never an FAQ."""

    __tablename__ = "assistant_crisis_word"
    __table_args__ = (UniqueConstraint("organisation_id", "word"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    word: str = Field(max_length=50)


class Unanswered(SQLModel, table=True):
    """A question that found no good answer (none, or "いいえ"), masked before it is stored
    (numbers, addresses, anything like a name) and counted; kept for a set time."""

    __tablename__ = "assistant_unanswered"
    __table_args__ = (
        UniqueConstraint("organisation_id", "text"),
        Index("ix_assistant_unanswered_last", "organisation_id", "last_asked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    text: str = Field(max_length=300)
    times: int = 1
    not_helpful: int = 0  # of those, answered but marked いいえ
    first_asked_at: datetime = created()
    last_asked_at: datetime = Field(sa_type=UTCDateTime)


class Asked(SQLModel, table=True):
    """The month's counts: questions, how each ended, and the answers' はい / いいえ — figures for
    the report, nothing of what was asked."""

    __tablename__ = "assistant_asked"
    __table_args__ = (UniqueConstraint("organisation_id", "month", "answer_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = fk("organisation.id")
    month: str = Field(max_length=7)  # 2027-08
    answer_id: int = 0  # 0 for choices, none and crisis
    kind: str = Field(max_length=16)  # answer | choices | none | crisis | helpful | unhelpful
    times: int = 0
