"""Signed links for parents: no account, no password, just a token in a URL."""

from __future__ import annotations

from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(StrEnum):
    CONFIRM = "confirm"  # double opt-in of an email address; expires
    MANAGE = "manage"  # preferences and unsubscribe; must work from any old message


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def make_token(secret_key: str, purpose: Purpose, public_id: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=f"yorisou.{purpose}").dumps(public_id)


def read_token(secret_key: str, purpose: Purpose, token: str, max_age: int | None = None) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=f"yorisou.{purpose}")
    try:
        public_id = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(public_id, str):
        raise TokenInvalid
    return public_id
