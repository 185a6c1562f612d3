"""Secrets Yorisou must keep to use (a city's LINE channel secret and access token) and what a
family's card holds of contact detail and free text, encrypted at rest with ENCRYPTION_KEY from
the environment: a database copy alone does not give them.

ENCRYPTION_KEY is any random text of 32 characters or more; several, comma-separated, rotate
it: the first encrypts, every one decrypts (Fernet, from the cryptography package)."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from sqlmodel import Session, SQLModel, select

from service.settings import Settings

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


class EncryptionUnavailable(Exception):
    """No ENCRYPTION_KEY is set (production): nothing secret can be stored."""


def _box(settings: Settings) -> MultiFernet:
    from cryptography.fernet import Fernet, MultiFernet  # loaded when a secret is used

    keys = [key.strip() for key in settings.encryption_key.split(",") if key.strip()]
    if not keys:
        raise EncryptionUnavailable("ENCRYPTION_KEY is not set")
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())) for key in keys]
    )


def encrypt(settings: Settings, text: str) -> str:
    return _box(settings).encrypt(text.encode()).decode()


def decrypt(settings: Settings, token: str) -> str:
    """The text; EncryptionUnavailable when no key set here opens it."""
    from cryptography.fernet import InvalidToken

    try:
        return _box(settings).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise EncryptionUnavailable("ENCRYPTION_KEY does not open this secret") from error


def rotate(settings: Settings, token: str) -> str:
    """The same secret, encrypted with the first key (whichever key opened it)."""
    from cryptography.fernet import InvalidToken

    try:
        return _box(settings).rotate(token.encode()).decode()
    except InvalidToken as error:
        raise EncryptionUnavailable("ENCRYPTION_KEY does not open this secret") from error


def encrypted_columns() -> dict[type[SQLModel], tuple[str, ...]]:
    """Every column that holds a secret encrypted with ENCRYPTION_KEY."""
    from service.cards.models import Card, CardEvent
    from service.line.models import LineAccount

    return {
        LineAccount: ("channel_secret", "access_token"),
        Card: ("contact", "note"),
        CardEvent: ("body",),
    }


def reencrypt_all(session: Session, settings: Settings) -> int:
    """Every stored secret encrypted anew with the first key, so that the others can go.
    All or nothing: a secret no key opens raises EncryptionUnavailable, and nothing is kept."""
    count = 0
    for model, columns in encrypted_columns().items():
        for row in session.exec(select(model)):
            for column in columns:
                if value := getattr(row, column):
                    setattr(row, column, rotate(settings, value))
                    count += 1
            session.add(row)
    return count
