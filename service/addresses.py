"""How addresses are compared, hashed for the suppression list, and shown in logs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask import current_app

# A local part that old docomo and au addresses still have: a dot first, last, or twice in a row
# (allowed by those carriers until 2009, refused by RFC 5322).
_LEGACY_DOTS = re.compile(r"^\.|\.\.|\.$")


def tidy_address(typed: str) -> str:
    """An address as a phone's keyboard gives it, made plain: full-width letters, ＠ and ．
    become half-width (NFKC), a Japanese full stop 。 a dot, and spaces around it go."""
    plain = unicodedata.normalize("NFKC", typed).replace("。", ".").replace("\u200b", "")
    return plain.strip()


def legacy_local_part(address: str) -> bool:
    """True for an old carrier address whose name part breaks RFC 5322 (taro..hanako.@…):
    SendGrid sends to it only with that part in quotes."""
    local, at, _domain = address.rpartition("@")
    return bool(at) and not local.startswith('"') and bool(_LEGACY_DOTS.search(local))


def deliverable(address: str) -> str:
    """The address as it is handed to a mail provider: quoted where it must be, else as it is
    (some receiving servers refuse quotes an address does not need)."""
    if not legacy_local_part(address):
        return address
    local, _, domain = address.rpartition("@")
    return f'"{local}"@{domain}'


def reachable(address: str) -> bool:
    """An address mail can be sent to (in quotes, for an old carrier address)."""
    try:
        validate_email(deliverable(address), check_deliverability=False, allow_quoted_local=True)
    except EmailNotValidError:
        return False
    return address.isascii()


def normalize_address(channel: str, address: str) -> str:
    address = address.strip()
    return address.lower() if channel == "email" else address


def hash_address(channel: str, address: str, key: str | None = None) -> str:
    """An address as the suppression list keeps it, and as addresses are compared.

    Keyed with SUPPRESSION_KEY: after an erasure this is all that is left of an address, and
    without the key nobody holding a copy of the list can test addresses against it (a plain
    hash of an email address is found by hashing guesses). `key` defaults to the app's.
    """
    if key is None:
        key = current_app.extensions["yorisou.settings"].suppression_key
    plain = hashlib.sha256(f"{channel}:{normalize_address(channel, address)}".encode())
    return keyed_hash(plain.hexdigest(), key)


def keyed_hash(plain_hash: str, key: str) -> str:
    """The keyed form of an address's plain SHA-256 (migration 0015 turned old rows into it);
    "k1:" tells it from a plain hash."""
    digest = hmac.digest(key.encode(), plain_hash.encode(), "sha256")
    return "k1:" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# Providers that deliver h.a.n.a.k.o@ to hanako@ (and their other names for the same mailboxes).
_DOTS_IGNORED = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_hash(address: str) -> str:
    """One value for every spelling of one mailbox: case, a "+tag" after the name (hanako+1@…
    and HANAKO+2@… reach hanako@…), and the dots Gmail ignores. What the daily cap on emails
    and a booking's one place per mailbox count."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.partition("+")[0]
    if domain in _DOTS_IGNORED:
        local, domain = local.replace(".", ""), _DOTS_IGNORED[domain]
    return hashlib.sha256(f"mailbox:{local}@{domain}".encode()).hexdigest()


def mask_address(address: str) -> str:
    """Enough to tell two addresses apart in a log, never the address itself."""
    local, at, domain = address.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return f"{address[:6]}…" if len(address) > 6 else "***"
