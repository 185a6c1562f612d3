"""What LINE's Messaging API accepts, counted the way LINE counts: text in UTF-16 code units,
not in Python characters (an emoji such as 🍎 is two), and a bubble by the size of its JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

TEXT = 5_000  # a text message
ALT_TEXT = 1_500  # a Flex message's alt text: what notifications and the chat list show
LABEL = 40  # a button's label
URI = 10_000  # a URI action's link
BUBBLE_BYTES = 30_000  # the JSON that defines one bubble


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_prefix(text: str, limit: int) -> str:
    """`text`, or as much of it as fits in `limit` units with "…" at the end; never half of a
    character that takes two units."""
    if utf16_length(text) <= limit:
        return text
    head = text.encode("utf-16-le")[: (limit - 1) * 2].decode("utf-16-le", errors="ignore")
    return head + "…"


def bubble_bytes(bubble: Mapping[str, Any]) -> int:
    """The bubble's size as sent, at the most (every character outside ASCII as \\uXXXX)."""
    return len(json.dumps(bubble))
