"""Which LINE official account speaks for a city. A deployment serving several cities gives
each its own (entered by its admin in the console: the secret and token encrypted at rest); a
city without one is served by the deployment's LINE_* settings, the single-city shortcut.

A LINE user id is only ever looked up within the cities of the account it came through: one
LINE provider may hold several cities' accounts, and then a parent has the same user id in
each, so a "stop" sent to one city must not stop another's notices."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from service.encryption import EncryptionUnavailable, decrypt, encrypt
from service.line.models import LineAccount
from service.models import Organisation
from service.settings import Settings

log = logging.getLogger(__name__)
ACCOUNT_ID = re.compile(r"@[0-9a-z._-]+")


@dataclass(frozen=True)
class LineConfig:
    organisation_id: int | None  # None: the deployment's account (LINE_* settings)
    account_id: str
    channel_secret: str = field(repr=False)  # never in a log line
    access_token: str = field(repr=False)
    send_rate: str = ""  # "": SEND_RATE_LINE

    @property
    def route(self) -> str:
        """The key of this account's pause and send rate, shared by every worker."""
        return "line" if self.organisation_id is None else f"line:{self.organisation_id}"


def deployment_line(settings: Settings) -> LineConfig | None:
    if not settings.line_enabled:
        return None
    return LineConfig(
        None,
        settings.line_account_id,
        settings.line_channel_secret,
        settings.line_channel_access_token,
        "",
    )


def account_row(session: Session, organisation_id: int) -> LineAccount | None:
    return session.exec(
        select(LineAccount).where(LineAccount.organisation_id == organisation_id)
    ).first()


def opened(settings: Settings, row: LineAccount) -> LineConfig | None:
    try:
        return LineConfig(
            row.organisation_id,
            row.account_id,
            decrypt(settings, row.channel_secret),
            decrypt(settings, row.access_token),
            row.send_rate,
        )
    except EncryptionUnavailable as error:
        log.error("ALERT LINE account of organisation %d unusable: %s", row.organisation_id, error)
        return None


def own_line(session: Session, settings: Settings, organisation_id: int) -> LineConfig | None:
    """The city's own account, if it has one that this deployment's key opens."""
    row = account_row(session, organisation_id)
    return opened(settings, row) if row is not None else None


def line_for(session: Session, settings: Settings, organisation_id: int) -> LineConfig | None:
    """The account that speaks for this city: its own (None if it cannot be opened: never
    another city's or the deployment's in its place), or else the deployment's."""
    row = account_row(session, organisation_id)
    return opened(settings, row) if row is not None else deployment_line(settings)


def account_of(settings: Settings, organisation_id: int | None) -> LineConfig | None:
    """The account that speaks for a city now, read in a session of its own; the deployment's
    for a message of no city. What the LINE channel is handed to look accounts up with."""
    if organisation_id is None:
        return deployment_line(settings)
    from service import get_database

    with get_database().session() as session:
        return line_for(session, settings, organisation_id)


def shared_organisations(session: Session) -> list[int]:
    """The cities the deployment's account serves: those without an account of their own,
    in the order they were made (a follow with no code joins the first)."""
    own = select(LineAccount.organisation_id)
    ids = session.exec(
        select(Organisation.id)
        .where(col(Organisation.id).not_in(own))
        .order_by(col(Organisation.id))
    ).all()
    return [organisation_id for organisation_id in ids if organisation_id is not None]


def save_line_account(
    session: Session,
    settings: Settings,
    organisation_id: int,
    *,
    account_id: str,
    channel_secret: str,
    access_token: str,
    send_rate: str,
    now: datetime,
) -> LineAccount:
    """Make or change the city's account. An empty secret or token keeps the one stored."""
    row = account_row(session, organisation_id)
    if row is None:
        if not (channel_secret and access_token):
            raise ValueError("チャネルシークレットとチャネルアクセストークンを入れてください。")
        row = LineAccount(
            organisation_id=organisation_id,
            account_id="",
            channel_secret="",
            access_token="",
            created_at=now,
        )
    row.account_id = account_id
    if channel_secret:
        row.channel_secret = encrypt(settings, channel_secret)
    if access_token:
        row.access_token = encrypt(settings, access_token)
    row.send_rate = send_rate
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def masked(secret: str) -> str:
    """What the console shows of a stored secret: enough to tell which one it is."""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"


@dataclass(frozen=True)
class LineScope:
    """An account and the cities it speaks for (the first is where a follow with no code
    goes): what the webhook knows of whoever wrote to it."""

    config: LineConfig
    organisation_ids: tuple[int, ...]


def webhook_scope(session: Session, settings: Settings, slug: str | None) -> LineScope | None:
    """The account a webhook post came to: a city's own (/webhooks/line/<slug>), or the
    deployment's (/webhooks/line) for the cities without one. None: no such account."""
    if slug is None:
        config = deployment_line(settings)
        if config is None:
            return None
        return LineScope(config, tuple(shared_organisations(session)))
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None or organisation.id is None:
        return None
    config = own_line(session, settings, organisation.id)
    return LineScope(config, (organisation.id,)) if config is not None else None


def install_menu(session: Session, settings: Settings, organisation: Organisation | None) -> str:
    """Put the rich menu under the chat of the city's own account (or, with no city, the
    deployment's), and remember it; its id. LookupError: there is no such account."""
    from service.channels import line_client
    from service.line.menu import IMAGE, rich_menu

    if organisation is None:
        config = deployment_line(settings)
    else:
        config = own_line(session, settings, organisation.id or 0)
    if config is None:
        raise LookupError("LINE is not set up for this (LINE_* settings, or the city's own)")
    menu_id = line_client(settings, config).install_rich_menu(rich_menu(), IMAGE.read_bytes())
    if organisation is not None and (row := account_row(session, organisation.id or 0)) is not None:
        row.rich_menu_id = menu_id
        session.add(row)
    return menu_id
