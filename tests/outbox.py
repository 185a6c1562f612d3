"""Reading the outbox the way a person would: open each .eml file."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path


def read_outbox(directory: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(directory.glob("*.eml"))
    ]


def to(message: EmailMessage) -> str:
    return str(message["To"])


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def link(message: EmailMessage, path: str) -> str:
    """The first link to `path` (e.g. "/confirm/") in the plain-text body."""
    match = re.search(
        rf"https://yorisou\.example\.jp({re.escape(path)}[\w.\-]+)", text_body(message)
    )
    assert match, f"no {path} link in:\n{text_body(message)}"
    return match.group(1)
