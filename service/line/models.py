"""LINE's tables: the one-time codes that carry a parent's choices into their chat, and a
city's own official account (service.tables gathers every table for Alembic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from service.models import created, fk


class LineLink(SQLModel, table=True):
    """A one-time code that carries a parent's choices on the QR landing into their LINE chat.

    LINE tells the webhook nothing about where a new friend came from, so the landing page
    fills this code into the chat for the parent to send. Deleted when used or a day old.
    """

    __tablename__ = "line_link"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    organisation_id: int = fk("organisation.id")
    source_id: int | None = fk("source.id", ondelete="SET NULL", nullable=True)
    locale: str = Field(default="ja", max_length=16)
    # {"topics": [ids], "anchor_date": "YYYY-MM-DD" | None, "birth_months": ["YYYY-MM-DD"]}
    choices: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = created()


class LineAccount(SQLModel, table=True):
    """A city's own LINE official account (Messaging API channel), for deployments that serve
    several cities: its secret and token are stored encrypted (service.encryption) and never
    shown again. A city without one uses the deployment's LINE_* settings, if any."""

    __tablename__ = "line_account"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), unique=True, nullable=False
        )
    )
    account_id: str = Field(max_length=64)  # "@123abcde", as LINE shows it
    channel_secret: str = Field(max_length=500)  # encrypted
    access_token: str = Field(max_length=2000)  # encrypted
    send_rate: str = Field(default="", max_length=100)  # like SEND_RATE_LINE; "": the default
    rich_menu_id: str = Field(default="", max_length=100)
    created_at: datetime = created()
    updated_at: datetime = created()
