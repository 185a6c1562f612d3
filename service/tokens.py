"""Signed links for parents: no account, no password, just a token in a URL."""

from __future__ import annotations

import hmac
import json
import time
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes


class Purpose(StrEnum):
    CONFIRM = "confirm"  # double opt-in of an email address; expires
    MANAGE = "manage"  # preferences and unsubscribe; must work from any old message


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"yorisou.{purpose}")


class TokenSigner:
    """Signs tokens of one purpose in itsdangerous's format (read_token reads them), with the
    key derived once: a national notice signs a million links, at ~4 µs each instead of ~30."""

    def __init__(self, secret_key: str, purpose: Purpose) -> None:
        signer = _serializer(secret_key, purpose).make_signer()
        self._key = signer.derive_key()
        self._timestamp = base64_encode(int_to_bytes(int(time.time())))

    def __call__(self, subject: str) -> str:
        payload = json.dumps(subject, ensure_ascii=False, separators=(",", ":")).encode()
        value = base64_encode(payload) + b"." + self._timestamp
        return (value + b"." + base64_encode(hmac.digest(self._key, value, "sha1"))).decode()


def make_token(secret_key: str, purpose: Purpose, subject: str) -> str:
    return TokenSigner(secret_key, purpose)(subject)


def read_token(secret_key: str, purpose: Purpose, token: str, max_age: int | None = None) -> str:
    serializer = _serializer(secret_key, purpose)
    try:
        public_id = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(public_id, str):
        raise TokenInvalid
    return public_id
