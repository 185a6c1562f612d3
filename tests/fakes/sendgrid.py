"""Enough of SendGrid's v3 Mail Send API for the real `sendgrid` client to talk to, refusing
what SendGrid refuses (its published description, sendgrid/sendgrid-oai's mail_send, and its
documented limits): more than 1,000 personalizations, an invalid address (to or from), an
address twice in one request, more than 10,000 bytes of substitutions or of custom_args for one
recipient, an empty subject or content, content whose text/plain is not first, more than 10
categories (or one over 255 characters, or one twice), a header SendGrid reserves, reply_to
with reply_to_list, an attachment without content or filename, a request over 30 MB.
Substitutions apply to the subject as well as the body, as SendGrid's do."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Reply

API_KEY = "SG.fake-key-for-tests"
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# SendGrid refuses what RFC 5322 refuses: a name part (unquoted) with a dot first, last or twice
# in a row, as old docomo and au addresses have; in quotes it is sent.
_BAD_DOTS = re.compile(r"^\.|\.\.|\.@")
# SendGrid's own words for the two refusals a careless client meets at scale.
DUPLICATE = "Each unique email address in the personalizations array should only be included once."
NOT_BASE64 = "The attachment content must be base64 encoded."
NO_FILENAME = "The attachment filename parameter is required."
TOO_LARGE = "The total size of substitutions may not exceed 10,000 bytes per personalization."
RESERVED_HEADERS = {
    "x-sg-id",
    "x-sg-eid",
    "received",
    "dkim-signature",
    "content-type",
    "content-transfer-encoding",
    "to",
    "from",
    "subject",
    "reply-to",
    "cc",
    "bcc",
}
MAX_REQUEST = 30 * 1024 * 1024


@dataclass(frozen=True)
class Received:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    custom_args: dict[str, str]
    categories: list[str]
    message_id: str
    attachments: list[dict[str, Any]] = field(default_factory=list)  # content decoded to bytes


def _valid(address: Any) -> bool:
    return isinstance(address, str) and bool(_ADDRESS.match(address))


def _refused(request: dict[str, Any]) -> list[tuple[str, str]]:
    """What SendGrid's mail_send description refuses in a request, as (field, message)."""
    problems = []
    if not _valid((request.get("from") or {}).get("email")):
        problems.append(("from.email", "The from email does not contain a valid address."))
    personalizations = request["personalizations"]
    if not request.get("subject") and not all(p.get("subject") for p in personalizations):
        problems.append(("subject", "The subject is required."))
    content = request.get("content") or []
    if not content or any(not (part.get("type") and part.get("value")) for part in content):
        problems.append(
            ("content", "The content value must be a string at least one character in length.")
        )
    elif "text/plain" in [p["type"] for p in content] and content[0]["type"] != "text/plain":
        problems.append(("content.0.type", "The text/plain content type must be first."))
    categories = request.get("categories") or []
    if len(categories) > 10 or len(set(categories)) < len(categories):
        problems.append(("categories", "Up to 10 unique categories."))
    if any(not isinstance(c, str) or len(c) > 255 for c in categories):
        problems.append(("categories", "A category may not exceed 255 characters."))
    if request.get("reply_to") and request.get("reply_to_list"):
        problems.append(("reply_to", "reply_to is mutually exclusive with reply_to_list."))
    for index, personalization in enumerate(personalizations):
        headers = {**request.get("headers", {}), **personalization.get("headers", {})}
        for name, value in headers.items():
            if name.lower() in RESERVED_HEADERS or not isinstance(value, str):
                problems.append((f"personalizations.{index}.headers", f"{name} is reserved."))
        custom = personalization.get("custom_args", {})
        if (
            any(not isinstance(v, str) for v in custom.values())
            or sum(len(k.encode()) + len(v.encode()) for k, v in custom.items()) > 10_000
        ):
            problems.append((f"personalizations.{index}.custom_args", "10,000 bytes at most."))
    return problems


def _substitute(text: str, substitutions: dict[str, str]) -> str:
    for key, value in substitutions.items():
        text = text.replace(key, value)
    return text


class FakeSendGrid(FakeServer):
    """keep_messages=False (benchmarks): only the addresses are kept, not a million bodies."""

    def __init__(self, api_key: str = API_KEY, *, keep_messages: bool = True) -> None:
        super().__init__()
        self.api_key = api_key
        self.keep_messages = keep_messages
        self.received: list[Received] = []
        self.received_addresses: list[str] = []
        self.received_times: list[float] = []  # time.time() of each address's arrival

    def addresses(self) -> list[str]:
        with self.lock:
            return list(self.received_addresses)

    def arrival(self, address: str) -> float | None:
        """When `address` first arrived (time.time()), or None."""
        with self.lock:
            try:
                return self.received_times[self.received_addresses.index(address)]
            except ValueError:
                return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if method != "POST" or path != "/v3/mail/send":
            return Reply(404, {"errors": [{"message": "not found"}]})
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(
                401, {"errors": [{"message": "The provided authorization grant is invalid"}]}
            )
        if len(body) > MAX_REQUEST:
            return Reply(413, {"errors": [{"message": "request too large"}]})
        request: dict[str, Any] = json.loads(body)
        personalizations = request.get("personalizations") or []
        if not 1 <= len(personalizations) <= 1000:
            return Reply(400, {"errors": [{"field": "personalizations", "message": "1 to 1000"}]})
        if problems := _refused(request):
            return Reply(400, {"errors": [{"field": f, "message": m} for f, m in problems]})
        errors = [
            {
                "field": f"personalizations.{index}.to.0.email",
                "message": "Does not contain a valid address.",
            }
            for index, personalization in enumerate(personalizations)
            if not _ADDRESS.match(personalization["to"][0]["email"])
            or (
                not personalization["to"][0]["email"].startswith('"')
                and _BAD_DOTS.search(personalization["to"][0]["email"])
            )
        ]
        if errors:
            return Reply(400, {"errors": errors})
        addresses = [p["to"][0]["email"].lower() for p in personalizations]
        if len(set(addresses)) < len(addresses):
            return Reply(400, {"errors": [{"field": "personalizations", "message": DUPLICATE}]})
        for index, personalization in enumerate(personalizations):
            size = sum(
                len(key.encode()) + len(value.encode())
                for key, value in personalization.get("substitutions", {}).items()
            )
            if size > 10_000:
                field = f"personalizations.{index}.substitutions"
                return Reply(400, {"errors": [{"field": field, "message": TOO_LARGE}]})
        attachments = []
        for index, attachment in enumerate(request.get("attachments") or []):
            try:
                decoded = base64.b64decode(attachment.get("content") or "", validate=True)
            except (binascii.Error, ValueError):
                decoded = b""
            if not decoded:
                field_name = f"attachments.{index}.content"
                return Reply(400, {"errors": [{"field": field_name, "message": NOT_BASE64}]})
            if not attachment.get("filename"):
                field_name = f"attachments.{index}.filename"
                return Reply(400, {"errors": [{"field": field_name, "message": NO_FILENAME}]})
            attachments.append({**attachment, "content": decoded})
        content = {part["type"]: part["value"] for part in request["content"]}
        message_id = uuid.uuid4().hex[:22]
        with self.lock:
            self.received_addresses.extend(p["to"][0]["email"] for p in personalizations)
            self.received_times.extend([time.time()] * len(personalizations))
            for personalization in personalizations if self.keep_messages else ():
                substitutions = personalization.get("substitutions", {})
                self.received.append(
                    Received(
                        to=personalization["to"][0]["email"],
                        subject=_substitute(request["subject"], substitutions),
                        text=_substitute(content["text/plain"], substitutions),
                        html=_substitute(content["text/html"], substitutions),
                        headers=personalization.get("headers", {}),
                        custom_args=personalization.get("custom_args", {}),
                        categories=request.get("categories", []),
                        message_id=message_id,
                        attachments=attachments,
                    )
                )
        return Reply(202, None, {"X-Message-Id": message_id}, delivered=len(personalizations))
