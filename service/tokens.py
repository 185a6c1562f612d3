"""Signed links for parents: no account, no password, just a token in a URL."""

from __future__ import annotations

import binascii
import hmac
import json
import re
import secrets
import time
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import int_to_bytes


class Purpose(StrEnum):
    CONFIRM = "confirm"  # double opt-in of an email address; expires
    MANAGE = "manage"  # the parent's own page; a fresh one ends the older ones
    UNSUBSCRIBE = "unsubscribe"  # stop everything; must work from any old message
    CALENDAR = "calendar"  # read the parent's calendar feed, nothing else
    SIGN_UP = "sign-up"  # the page after sign-up: the address, sent again or corrected; a day
    REQUEST = "request"  # a consultation request's page: where it stands, withdraw it
    ASK = "ask"  # a registered parent asks a desk through their LINE or email; a day
    BOOK = "book"  # a registered parent books through their LINE, email or phone; weeks
    BOOKING = "booking"  # a booking's page: see, move, cancel it, take an offered place
    BOOKING_CONFIRM = "booking-confirm"  # an address typed for a booking is its owner's
    CARD = "card"  # the family's card: see, correct, share or erase it; a fresh one ends the older
    CALL = "call"  # a parent's 相談員を呼ぶ from the counter's QR page: follow or end it
    FOLLOW = "follow"  # a card's message whose link a request or a booking came from
    STAFF_RESET = "staff-reset"  # a staff member sets a new password; an hour, used once


_PLAIN = re.compile(r"[0-9A-Za-z:_-]*")


CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to mistake: no 0/O, 1/I


def short_code(length: int = 8) -> str:
    """A code a parent may type or read aloud (a LINE link code, an event's code)."""
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(length))


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
        self._timestamp = _b64(int_to_bytes(int(time.time())))

    def __call__(self, subject: str) -> str:
        # A public id (and ":endpoint id") needs no escaping in JSON: skip the encoder.
        payload = f'"{subject}"' if _PLAIN.fullmatch(subject) else json.dumps(subject)
        value = _b64(payload.encode()) + b"." + self._timestamp
        return (value + b"." + _b64(hmac.digest(self._key, value, "sha1"))).decode()


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    """itsdangerous's base64_encode, without its type checks (a million links a notice)."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


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
