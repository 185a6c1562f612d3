"""How addresses are compared, hashed for the suppression list, and shown in logs."""

from __future__ import annotations

import hashlib


def normalize_address(channel: str, address: str) -> str:
    address = address.strip()
    return address.lower() if channel == "email" else address


def hash_address(channel: str, address: str) -> str:
    return hashlib.sha256(f"{channel}:{normalize_address(channel, address)}".encode()).hexdigest()


def mask_address(address: str) -> str:
    """Enough to tell two addresses apart in a log, never the address itself."""
    local, at, domain = address.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return f"{address[:6]}…" if len(address) > 6 else "***"
